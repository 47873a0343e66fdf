"""Program jobs, run inside a worker: a program's autograd graph, its values, a small layout.

Everything crossing the process boundary is plain data (dicts, lists, str, numbers): a
:class:`ProgramError` travels as ``{"error": err.to_json()}`` because a pickled exception loses
its fields, and an exception the parent cannot unpickle would break the whole pebble pool
(``app.jobs.protocol.unpack_result`` is the web process's side).

This module imports only the standard library at load time: torch, ``app.lang`` and
``app.graph`` are imported inside the functions, once the worker's fence is up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import time
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from app.config import ProgramLimits, TraceLimits
from app.jobs.worker import cleanup

if TYPE_CHECKING:
    from app.graph import Graph
    from app.graph.trace import ProgramTrace

# Elements per response that get PyTorch's own printout (value_text/grad_text).
TEXT_BUDGET_ELEMENTS = 2_048
# Graphs up to this many nodes are laid out inside the worker (about 1 ms instead of the 10 ms
# a dot process takes to start); bigger ones by dot in the web process, under dot_timeout_s.
IN_PROCESS_RENDER_NODES = 2_000
# Graphs up to this many nodes are checked for long edges that would keep dot busy for seconds
# (app.graph.render.slow_layout); bigger ones are over svg_max_nodes unless it was raised.
SLOW_LAYOUT_CHECK_NODES = 5_000


def run_graph_job(
    source: str,
    device: str,
    show_saved: bool,
    limits: ProgramLimits,
    max_value_elements: int,
    max_graph_nodes: int,
    render_svg: bool = False,
    trace: TraceLimits | None = None,
) -> dict[str, Any]:
    """Run one program; return its response body and DOT text (and SVG, timings).

    With ``trace`` (the request's ``"trace": true``), the program runs traced and the body
    gains ``timeline`` and the graph's nodes ``line``, ``column``, ``saved_bytes``
    (app.graph.trace); a program that fails keeps its trace up to the error.

    ``body`` is the JSON text of the response's ``variables``, ``graph``, ``stdout``,
    ``warnings``, ``plots`` and ``device``, written here so that the web process only joins it
    with the SVG and timings (see app.api.graph). With ``render_svg``, a small graph is also
    laid out here (``svg``); otherwise ``svg`` is None and the web process runs ``dot`` with
    its own timeout.

    Returns ``{"error": {...}}`` for a :class:`ProgramError`. Other exceptions are bugs in
    gradtrace: they come back as ``{"internal_error": traceback}``, logged by the parent.
    """
    from app.lang.errors import ProgramError

    cleanup.wait()  # the last job's objects are gone before this program starts
    started = time.perf_counter()
    tracer = _program_trace(trace)
    walked: list[Any] = []  # every node a walk saw: freed by release(), not by a cascade
    finished = False
    try:
        outcome = _graph_job(
            source,
            device,
            show_saved,
            limits,
            max_value_elements,
            max_graph_nodes,
            render_svg,
            started,
            tracer,
            walked,
        )
        finished = True
        return outcome
    except ProgramError as err:
        if tracer is not None:
            err.trace = _failed_trace(tracer, show_saved, max_graph_nodes, walked)
        return {"error": err.to_json()}
    except Exception:
        return {"internal_error": traceback.format_exc(limit=20)}
    finally:
        tracer = None  # its records hold nodes too
        reset_settings()
        if finished:
            # freed while the reply travels (the program's last references, cycles; then the
            # walked graph node by node); the next job waits for it (app.jobs.worker.cleanup)
            cleanup.defer(lambda: free_program(walked))
        else:
            # a program that failed, often on a limit (memory...), is freed before its error
            # goes out: what it took is back by the time anyone hears of it
            free_program(walked)


def _graph_job(
    source: str,
    device: str,
    show_saved: bool,
    limits: ProgramLimits,
    max_value_elements: int,
    max_graph_nodes: int,
    render_svg: bool,
    started: float,
    tracer: ProgramTrace | None = None,
    walked: list[Any] | None = None,
) -> dict[str, Any]:
    from app.graph import to_jsonable, walk
    from app.graph.modules import ModuleTracker
    from app.lang import named_tensors, run_program

    resolved = resolve_device(device)
    with ModuleTracker() as tracker:  # module hooks only while the program runs
        result = run_program(source, limits, device=resolved, tracer=tracer)
    ran = time.perf_counter()
    named = named_tensors(result)
    with paused_gc(resume=False):  # run_graph_job's free_program collects and resumes
        modules = tracker.index(program_values(result))
        root = result.backward_roots[-1] if result.backward_roots else None
        annotate = tracer.annotator() if tracer is not None else None
        graph = walk(
            named,
            root=root,
            show_saved=show_saved,
            max_nodes=max_graph_nodes,
            annotate=annotate,
            modules=modules,
            keep=walked,
        )
        traced = {"timeline": tracer.timeline()} if tracer is not None else {}
        outcome, ready = graph_result(
            named,
            graph,
            max_value_elements,
            render_svg,
            stdout=result.stdout,
            warnings=list(result.warnings),
            plots=[to_jsonable(dataclasses.asdict(figure)) for figure in result.figures],
            device=resolved,
            **traced,
        )
    outcome["timings_ms"] |= {
        "run": (ran - started) * 1000,
        # the layout ran alongside the values: its own time is "render", not walk's
        "walk": (ready - ran) * 1000,
        "job": (time.perf_counter() - started) * 1000,
    }
    return outcome


def _program_trace(limits: TraceLimits | None) -> ProgramTrace | None:
    if limits is None:
        return None
    from app.graph.trace import ProgramTrace

    return ProgramTrace(limits)


def _failed_trace(
    tracer: ProgramTrace, show_saved: bool, max_graph_nodes: int, walked: list[Any]
) -> dict[str, Any]:
    """The trace of a program that failed: its timeline up to the error frame, and the graph of
    the tensors it left, as plain JSON (an error travels as plain data, see unpack_result)."""
    from app.encoding import dumps
    from app.graph import walk
    from app.lang import named_tensors

    graph = None
    if tracer.result is not None:
        named = named_tensors(tracer.result)
        roots = tracer.result.backward_roots
        graph = walk(
            named,
            root=roots[-1] if roots else None,
            show_saved=show_saved,
            max_nodes=max_graph_nodes,
            annotate=tracer.annotator(),
            keep=walked,
        ).to_json()
    traced: dict[str, Any] = json.loads(dumps({"timeline": tracer.timeline(), "graph": graph}))
    return traced


@contextlib.contextmanager
def paused_gc(resume: bool = True) -> Iterator[None]:
    """Python's cycle collector off while a graph is walked and written: the walk makes an
    object per node, and every collection it set off would go through all of a big graph's
    grad_fns again. ``resume=False`` leaves it off on the way out, for a caller that collects
    once itself and turns it back on (a graph job: free_program); re-enabled here, the
    collector would go through every new object at the next allocation, and then again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and resume:
            gc.enable()


def program_values(result: Any) -> dict[str, Any]:
    """A finished program's variables by the names module paths start from: globals as they
    are, a function's locals as ``train:model`` (the names named_tensors uses)."""
    values = dict(result.namespace)
    for function, local in result.function_locals.items():
        values.update({f"{function}:{name}": value for name, value in local.items()})
    return values


def graph_result(
    named: dict[str, Any],
    graph: Graph,
    max_value_elements: int,
    render_svg: bool,
    **fields: Any,
) -> tuple[dict[str, Any], float]:
    """A job's result for a walked graph, and the perf_counter() time its body was ready.

    The result holds ``body``, the JSON text of the response's ``variables`` and ``graph`` plus
    ``fields``; ``dot``; ``svg``, for a small graph with ``render_svg`` (laid out while the
    values are described and encoded, see start_small_layout); ``svg_skipped``, why a graph
    Graphviz would take seconds over gets no SVG (app.graph.render.slow_layout);
    ``timings_ms.render``.
    """
    from app.encoding import dumps
    from app.graph import to_dot
    from app.graph.fold import fold
    from app.graph.render import slow_layout

    graph.folds = fold(graph)
    dot = to_dot(graph)
    # A graph dot would take seconds over is left to the page, as a big one is (app.api.graph).
    # Past SLOW_LAYOUT_CHECK_NODES the web process skips it by svg_max_nodes anyway.
    checked = render_svg and len(graph.nodes) <= SLOW_LAYOUT_CHECK_NODES
    too_slow = slow_layout(graph) if checked else None
    layout = start_small_layout(dot, len(graph.nodes)) if render_svg and not too_slow else None
    body = {"variables": describe_all(named, max_value_elements), "graph": graph.to_wire()}
    encoded = dumps(body | fields).decode()
    ready = time.perf_counter()
    svg, render_ms = layout() if layout is not None else (None, 0.0)
    result = {
        "body": encoded,
        "dot": dot,
        "svg": svg,
        "svg_skipped": too_slow,
        "nodes": len(graph.nodes),
        "timings_ms": {"render": render_ms},
    }
    return result, ready


def start_small_layout(dot: str, nodes: int) -> Callable[[], tuple[str | None, float]]:
    """Start laying out a small graph in this worker; the returned function waits for it and
    gives ``(svg, milliseconds)``, or ``(None, 0)`` to leave the graph to ``dot`` in the web
    process (a big graph, or Graphviz failed: dot then reports the problem properly).

    With Graphviz's library loaded directly (app.graph.gvlib) the layout runs on a thread
    without the GIL while this one describes the tensors; otherwise it runs when asked.
    """
    from app.graph import RenderError, gvlib, render_svg_in_process, strip_prolog

    if nodes > IN_PROCESS_RENDER_NODES:
        return lambda: (None, 0.0)  # a big layout may take seconds: dot, with its own timeout
    if gvlib.available():
        future = gvlib.start_layout(dot)

        def finish() -> tuple[str | None, float]:
            try:
                svg, milliseconds = future.result()
            except gvlib.LayoutFailed:
                return None, 0.0
            return strip_prolog(svg), milliseconds

        return finish

    def render_now() -> tuple[str | None, float]:
        started = time.perf_counter()
        try:
            svg = render_svg_in_process(dot)
        except RenderError:
            return None, 0.0
        return svg, (time.perf_counter() - started) * 1000 if svg is not None else 0.0

    return render_now


def describe_all(named: dict[str, Any], max_value_elements: int) -> dict[str, dict[str, Any]]:
    """Every named tensor described, values as numpy arrays for :func:`app.encoding.dumps`.

    PyTorch's printout is the slow part (about half a microsecond an element), so past
    TEXT_BUDGET_ELEMENTS the rest get ``value_text: None`` and the page formats their
    (truncated) values itself.
    """
    from app.graph import describe_tensor

    described: dict[str, dict[str, Any]] = {}
    budget = TEXT_BUDGET_ELEMENTS
    for name, tensor in named.items():
        has_grad = tensor.is_leaf and tensor.grad is not None  # non-leaf .grad warns
        cost = tensor.numel() * (2 if has_grad else 1)
        with_text = cost <= budget
        budget -= cost if with_text else 0
        described[name] = describe_tensor(
            tensor, max_elements=max_value_elements, with_text=with_text, arrays=True
        )
    return described


def resolve_device(device: str) -> str:
    """Turn the requested device into the one to use: "auto" picks CUDA when there is one."""
    import torch

    from app.lang.errors import ProgramError

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ProgramError(
            "runtime",
            'CUDA is not available on this server; use device "cpu" or "auto"',
        )
    if device not in ("cpu", "cuda"):
        raise ProgramError("runtime", f'unknown device "{device}"; use "auto", "cpu" or "cuda"')
    return device


def reset_settings() -> None:
    """Undo the settings a program may have changed, so the next job starts clean. Run on the
    job's own thread: grad mode and the default device are per thread in torch."""
    import torch

    from app.lang.state import reseed

    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.set_default_device(None)
    torch.autograd.set_detect_anomaly(False)
    torch.set_printoptions(profile="default")  # type: ignore[no-untyped-call]
    torch.set_num_threads(1)
    reseed()  # a program that seeds must not make the next person's numbers predictable


def free_program(walked: list[Any]) -> None:
    """Free what a finished program made: its reference cycles (autograd graphs hold some),
    then the nodes a walk saw, consumers first (app.graph.release); turn the collector back on
    where a graph job left it paused; hand GPU memory back."""
    import torch

    from app.graph.release import release

    gc.collect()
    release(walked)
    gc.enable()
    if torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
        torch.cuda.empty_cache()


def reset_process_state() -> None:
    """:func:`reset_settings` and :func:`free_program`, at once (benchmarks, tests)."""
    reset_settings()
    free_program([])
