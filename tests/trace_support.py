"""Test tools for traces: run a program traced (as the worker does), and compute what autograd
must have sent along each edge independently, with real PyTorch, in the test.

The reference runs the same source as plain Python (this is the test, not the service: the
service never execs user code) under a TorchFunctionMode of its own that keeps every tensor an
op made. At each backward call, before it runs, it asks ``torch.autograd.grad`` for the root's
gradient with respect to every kept tensor in the root's graph, and every named leaf: what the
trace's pass must show arriving at that node's output. Nodes are matched between the two runs
by autograd's sequence number counted from the start of each run (the same program makes the
same nodes in the same order).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import math
from typing import Any

import torch
import torch.nn.functional as F  # the notebook's name, as programs use it
from torch import nn, optim
from torch.overrides import TorchFunctionMode

from app.config import TraceLimits
from app.encoding import dumps
from app.graph import walk
from app.graph.trace import ProgramTrace
from app.graph.trace.registry import current_sequence_nr
from app.lang import named_tensors, run_program
from app.lang.errors import ProgramError

_BACKWARD = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)


def traced(source: str, limits: TraceLimits | None = None) -> dict[str, Any]:
    """``{"timeline", "graph", "error", "stdout"}`` of a traced run, as plain JSON."""
    tracer = ProgramTrace(limits or TraceLimits())
    error = None
    try:
        result = run_program(source, tracer=tracer)
    except ProgramError as exc:
        error, result = exc, tracer.result
    named = named_tensors(result)
    root = result.backward_roots[-1] if result.backward_roots else None
    graph = walk(named, root=root, annotate=tracer.annotator())
    body = {"timeline": tracer.timeline(), "graph": graph.to_json()}
    out: dict[str, Any] = json.loads(dumps(body))
    out["error"] = None if error is None else error.message
    out["stdout"] = result.stdout
    out["result"] = result
    return out


def _roots_and_grads(func: Any, args: Any, kwargs: Any) -> tuple[list[Any], list[Any]]:
    values = inspect.signature(func).bind(*args, **kwargs).arguments
    if func is torch.Tensor.backward:
        roots, grads = [values["self"]], [values.get("gradient")]
    elif func is torch.autograd.backward:
        roots, grads = values["tensors"], values.get("grad_tensors")
    else:
        roots, grads = values["outputs"], values.get("grad_outputs")
    roots = [roots] if isinstance(roots, torch.Tensor) else list(roots)
    if grads is None or isinstance(grads, torch.Tensor):
        grads = [grads] * len(roots) if grads is None else [grads]
    return roots, [
        torch.ones_like(r) if g is None else g for r, g in zip(roots, grads, strict=True)
    ]


class Reference(TorchFunctionMode):
    """Runs a program as Python and records the expected gradients at each backward call."""

    def __init__(self, max_calls: int) -> None:
        super().__init__()
        self.max_calls = max_calls
        self.outputs: list[torch.Tensor] = []
        self.calls: list[dict[str, Any]] = []
        self.names: dict[str, Any] = {}
        self.base = 0

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        if func in _BACKWARD and len(self.calls) < self.max_calls:
            self.calls.append(self.expected(func, args, kwargs))
        out = func(*args, **kwargs)
        for t in out if isinstance(out, tuple | list) else [out]:
            if isinstance(t, torch.Tensor) and t.grad_fn is not None:
                self.outputs.append(t)
        return out

    def expected(self, func: Any, args: Any, kwargs: Any) -> dict[str, Any]:
        """seq -> {output_nr: gradient}, and leaf name -> gradient, for this call's roots."""
        roots, grads = _roots_and_grads(func, args, kwargs)
        reachable: set[int] = set()
        queue = [r.grad_fn for r in roots if r.grad_fn is not None]
        while queue:
            fn = queue.pop()
            if id(fn) in reachable:
                continue
            reachable.add(id(fn))
            queue.extend(c for c, _ in fn.next_functions if c is not None)
        by_seq: dict[int, dict[int, torch.Tensor]] = {}
        for t in self.outputs:
            if id(t.grad_fn) not in reachable:
                continue
            grad = self._grad(roots, grads, t)
            if grad is not None:
                seq = t.grad_fn._sequence_nr() - self.base
                by_seq.setdefault(seq, {})[t.output_nr] = grad
        leaves: dict[str, torch.Tensor] = {}
        for name, value in self._named_leaves():
            grad = self._grad(roots, grads, value)
            if grad is not None:
                leaves[name] = grad
        return {"seq": by_seq, "leaves": leaves}

    def _named_leaves(self) -> list[tuple[str, torch.Tensor]]:
        found = []
        for name, value in list(self.names.items()):
            if isinstance(value, torch.Tensor) and value.is_leaf and value.requires_grad:
                found.append((name, value))
            elif isinstance(value, nn.Module):
                found.extend((f"{name}.{n}", p) for n, p in value.named_parameters())
        return found

    @staticmethod
    def _grad(roots: list[Any], grads: list[Any], t: torch.Tensor) -> torch.Tensor | None:
        try:
            with torch._C.DisableTorchFunction():
                (grad,) = torch.autograd.grad(
                    roots, t, grad_outputs=grads, retain_graph=True, allow_unused=True
                )
        except RuntimeError:  # a graph already freed: nothing to expect there
            return None
        return None if grad is None else grad.detach().clone()


class _NoPlots:
    def __getattr__(self, name: str) -> Any:
        return _NoPlots()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _NoPlots()

    def __setitem__(self, key: Any, value: Any) -> None:
        return None

    def __iter__(self) -> Any:
        return iter((_NoPlots(), _NoPlots()))


def reference(source: str, max_calls: int = 12) -> list[dict[str, Any]]:
    """The expected gradients at each of the first ``max_calls`` backward calls of ``source``."""
    mode = Reference(max_calls)
    namespace: dict[str, Any] = {"torch": torch, "nn": nn, "F": F, "optim": optim, "math": math}
    namespace["__name__"] = "__main__"
    mode.names = namespace
    if "import matplotlib.pyplot as plt" in source:  # the service draws plots itself
        source = source.replace("import matplotlib.pyplot as plt", "plt = _NoPlots()")
        namespace["_NoPlots"] = _NoPlots
    torch.manual_seed(0)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(RuntimeError):
        mode.base = current_sequence_nr()
        with mode:
            exec(compile(source, "<program>", "exec"), namespace)  # the test's own reference run
    return mode.calls


def leaf_names(timeline: dict[str, Any]) -> dict[str, str]:
    """Trace node id -> the program's name for that leaf (from the frames' tensors)."""
    names: dict[str, str] = {}
    for frame in timeline["frames"]:
        for name, tensor in frame.get("tensors", {}).items():
            if tensor.get("node") is not None and tensor.get("requires_grad"):
                names.setdefault(tensor["node"], name)
    return names


def close(values: list[Any] | None, expected: torch.Tensor, rel: float = 1e-5) -> bool:
    flat = expected.reshape(-1).tolist()[: len(values or [])]
    return values is not None and all(
        math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-6)
        for a, b in zip(values, flat, strict=True)
    )


def check_edges(source: str, max_calls: int = 12, edge_sums: bool = True) -> int:
    """Compare every checked node of every pass (up to max_calls) with the reference; return
    how many node gradients were compared. Fails with the first difference."""
    if "manual_seed" not in source:  # both runs draw the same random numbers
        source = "torch.manual_seed(0)\n" + source
    run = traced(source, TraceLimits(loop_iterations=max_calls))  # the first passes all kept
    timeline = run["timeline"]
    expected_calls = reference(source, max_calls)
    passes = timeline["backward"][: len(expected_calls)]
    assert len(passes) == min(len(expected_calls), len(timeline["backward"]))
    seq_of = {node["id"]: node["seq"] for node in timeline["nodes"]}
    names = leaf_names(timeline)
    compared = 0
    for index, (entry, expected) in enumerate(zip(passes, expected_calls, strict=False)):
        incoming: dict[tuple[str, int], list[list[float]]] = {}
        for step in entry["steps"]:
            for edge in step["edges"]:
                key = (edge["source"], edge["output_nr"])
                incoming.setdefault(key, []).append(edge["grad"]["values"])
        for step in entry["steps"]:
            node = step["node"]
            if step["op"] == "AccumulateGrad":
                want = expected["leaves"].get(names.get(node, ""))
                outputs = {0: want} if want is not None else {}
            else:
                outputs = expected["seq"].get(seq_of.get(node), {})
            for output_nr, want in outputs.items():
                arriving = step["grad_output"][output_nr]
                where = f"pass {index} node {node} {step['op']}[{output_nr}]"
                assert arriving is not None and close(arriving["values"], want), (
                    f"{where}: trace {arriving} != autograd.grad {want}"
                )
                sent = incoming.get((node, output_nr))
                if edge_sums and sent and all(v is not None for v in sent):
                    total = [sum(col) for col in zip(*sent, strict=True)]
                    assert close(total, want), f"{where}: edges {sent} != {want}"
                compared += 1
    return compared
