"""Training jobs, run inside a worker: a whole run, a prediction, one step's autograd graph.

A run writes its events straight into the run store as they happen (SQLite here; Redis Streams
in scale-out), so the web process only reads: any SSE subscriber sees an epoch as soon as it is
committed. The web process alone decides a run's end when the worker is killed (timeout,
cancel, crash); the worker decides it otherwise.

Every job takes the web process's ``TrainingLimits``: the worker fence clears GRADTRACE_* from
a worker's environment, so without them a worker would validate a config again against the
default limits and refuse what the server was configured to allow.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from app.runs.records import RunClosed, RunStore
from app.runs.wakeup import Address, WakeupSender

if TYPE_CHECKING:
    from app.config import TraceLimits, TrainingLimits

# Why a run stopped when its worker outlived the web process (SIGKILL, the OOM killer).
SERVER_GONE = "the server stopped before the run finished"


def use_limits(limits: TrainingLimits | None) -> None:
    """Make this worker's settings carry ``limits`` (the web process's), for every check that
    reads them (config validation, the size of the done event). None keeps the worker's own."""
    if limits is None:
        return
    from dataclasses import fields

    from app.config import get_settings

    settings = get_settings()  # cached per process: every later current_limits() sees these
    for limit in fields(limits):
        setattr(settings, f"train_{limit.name}", getattr(limits, limit.name))


def run_training_job(
    run_id: str,
    config: dict[str, Any],
    store: RunStore,
    device: str,
    limits: TrainingLimits | None = None,
    wake_to: Address | None = None,
    server_pid: int | None = None,
) -> str:
    """Train ``config``, appending every event to ``store``; return the run's final status.

    ``wake_to``: the web process's wake-up listener, told of every append (see
    app.runs.wakeup) so its SSE readers need not wait for their next poll. ``server_pid``: the
    web process; should it die without stopping this worker, the run ends as failed.
    """
    from app.lang.errors import clean_message
    from app.training.loop import train

    use_limits(limits)
    if wake_to is not None and hasattr(store, "on_append"):
        # The store arrives unpickled without the web process's notifier (SQLiteRunStore
        # calls on_append after each commit): in this process it is the datagram sender.
        store.on_append = WakeupSender(wake_to)
    if not store.set_status(run_id, "running"):
        # Ended before it started (cancelled while queued, or swept by a restart): its log is
        # closed, so there is nothing to train for.
        record = store.get_run(run_id, history=False)
        return record.status if record is not None else "missing"
    orphaned = None if server_pid is None else ProcessWatch(server_pid).gone
    try:
        for event in train(config, device=device, should_stop=orphaned):
            kind = event.pop("type")
            if kind == "cancelled":  # only `orphaned` stops train() early
                store.set_status(run_id, "failed", error=SERVER_GONE)
                return "failed"
            store.append_event(run_id, kind, event)
    except RunClosed:
        # Ended from outside while training (a restarted server's sweep after a crash): the
        # log already says how, and no event may follow its end.
        return "closed"
    except Exception as exc:  # a PyTorch error in the run: the user sees PyTorch's words
        message = clean_message(f"{type(exc).__name__}: {exc}")
        store.append_event(run_id, "error", {"error": {"type": "runtime", "message": message}})
        store.set_status(run_id, "failed", error=message)
        return "failed"
    store.set_status(run_id, "succeeded")
    return "succeeded"


class ProcessWatch:
    """``gone()``: whether a process has ended since the watch began.

    A worker whose web process dies (SIGKILL, the OOM killer) is not killed with it: the pool's
    workers are children of its fork server, which outlives the web process until they finish.
    Nobody would then enforce run_timeout_s or a cancel, so a run must notice and stop itself.
    ``gone`` is asked before every batch; it looks at the process at most every ``interval_s``
    (one small /proc read), and tells a reused pid from the original by its start time.
    """

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self._started = self._start_time()
        self._next_look = 0.0

    def _start_time(self) -> str | None:
        """The process's start time (field 22 of /proc/<pid>/stat); None when it is gone or a
        zombie (killed, not yet reaped). Without /proc, "alive" stands for it (signal 0)."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            return None if fields[0] in (b"Z", b"X") else fields[19].decode()
        except FileNotFoundError:
            if os.path.isdir("/proc"):
                return None
        except (OSError, IndexError):
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # exists, owned by someone else
        return "alive"

    def gone(self) -> bool:
        now = time.monotonic()
        if now < self._next_look:
            return False
        self._next_look = now + self.interval_s
        return self._started is None or self._start_time() != self._started


def predict_job(
    config: dict[str, Any],
    state: dict[str, Any],
    inputs: list[list[float]],
    limits: TrainingLimits | None = None,
) -> Any:
    """Outputs of the trained model (config + final parameters) for ``inputs``."""
    from app.training.predict import predict

    use_limits(limits)
    return predict(config, state, inputs)


def run_graph_step_job(
    config: dict[str, Any],
    show_saved: bool,
    max_value_elements: int,
    max_graph_nodes: int,
    limits: TrainingLimits | None = None,
    render_svg: bool = False,
    trace: TraceLimits | None = None,
) -> dict[str, Any]:
    """The autograd graph of one training step's loss, in the shape of POST /api/graph
    (with ``render_svg``, a small graph comes laid out, as from run_graph_job).

    With ``trace``, the whole step is watched (forward, backward, optimizer step: one frame
    each) and the body gains ``timeline``, as POST /api/graph with ``"trace": true``."""
    from app.graph import walk
    from app.jobs.worker.graph_jobs import graph_result
    from app.training.loop import graph_step

    use_limits(limits)
    started = time.perf_counter()
    fields: dict[str, Any] = {"stdout": "", "warnings": [], "plots": [], "device": "cpu"}
    if trace is not None:
        graph_options = {"show_saved": show_saved, "max_nodes": max_graph_nodes}
        body_options = (max_value_elements, render_svg)
        return _traced_step(config, trace, graph_options, body_options, fields, started)
    loss, named = graph_step(config, device="cpu")
    loss.backward()  # type: ignore[no-untyped-call]  # so the parameters show this step's gradients
    named = {**named, "loss": loss}
    graph = walk(named, root="loss", show_saved=show_saved, max_nodes=max_graph_nodes)
    outcome, ready = graph_result(named, graph, max_value_elements, render_svg, **fields)
    outcome["timings_ms"] |= {
        "walk": (ready - started) * 1000,
        "job": (time.perf_counter() - started) * 1000,
    }
    return outcome


def _traced_step(
    config: dict[str, Any],
    limits: TraceLimits,
    graph_options: dict[str, Any],
    body_options: tuple[int, bool],
    fields: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    """One training step watched by a TraceRecorder: frames "forward" (the loss made),
    "backward" (gradients in the parameters' .grad), "step" (the optimizer changed them)."""
    from app.graph import walk
    from app.graph.trace import TimelineBuilder, TraceRecorder, graph_annotator
    from app.jobs.worker.graph_jobs import graph_result
    from app.training.loop import step_session

    session, optimizer = step_session(config, device="cpu")
    named: dict[str, Any] = dict(session.model.named_parameters())
    recorder = TraceRecorder(limits, lambda: (None, None), lambda: list(named.items()))
    with recorder:
        batch = next(session.epoch_batches())
        loss = session.criterion(session.model(session.x_train[batch]), session.y_train[batch])
        named["loss"] = loss
        recorder.frame("forward", None, None)
        optimizer.zero_grad()
        loss.backward()
        recorder.frame("backward", None, None)
        optimizer.step()
        recorder.frame("step", None, None)
    ids: dict[int, str] = {}
    annotate = graph_annotator(recorder, ids)
    graph = walk(named, root="loss", annotate=annotate, **graph_options)
    fields["timeline"] = TimelineBuilder(recorder, limits).build(ids)
    outcome, ready = graph_result(named, graph, *body_options, **fields)
    outcome["timings_ms"] |= {
        "walk": (ready - started) * 1000,
        "job": (time.perf_counter() - started) * 1000,
    }
    return outcome
