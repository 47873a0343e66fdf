"""Training jobs, run inside a worker: a whole run, a prediction, one step's autograd graph.

A run writes its events straight into the run store as they happen (SQLite here; Redis Streams
in scale-out), so the web process only reads: any SSE subscriber sees an epoch as soon as it is
committed. The web process alone decides a run's end when the worker is killed (timeout,
cancel, crash); the worker decides it otherwise.
"""

from __future__ import annotations

import time
from typing import Any

from app.runs.records import RunStore


def run_training_job(run_id: str, config: dict[str, Any], store: RunStore, device: str) -> str:
    """Train ``config``, appending every event to ``store``; return the run's final status."""
    from app.lang.errors import clean_message
    from app.training.loop import train

    store.set_status(run_id, "running")
    try:
        for event in train(config, device=device):
            kind = event.pop("type")
            store.append_event(run_id, kind, event)
            if kind == "cancelled":
                store.set_status(run_id, "cancelled")
                return "cancelled"
    except Exception as exc:  # a PyTorch error in the run: the user sees PyTorch's words
        message = clean_message(f"{type(exc).__name__}: {exc}")
        store.append_event(run_id, "error", {"error": {"type": "runtime", "message": message}})
        store.set_status(run_id, "failed", error=message)
        return "failed"
    store.set_status(run_id, "succeeded")
    return "succeeded"


def predict_job(config: dict[str, Any], state: dict[str, Any], inputs: list[list[float]]) -> Any:
    """Outputs of the trained model (config + final parameters) for ``inputs``."""
    from app.training.predict import predict

    return predict(config, state, inputs)


def run_graph_step_job(
    config: dict[str, Any], show_saved: bool, max_value_elements: int, max_graph_nodes: int
) -> dict[str, Any]:
    """The autograd graph of one training step's loss, in the shape of POST /api/graph."""
    from app.graph import to_dot, walk
    from app.jobs.worker import describe_all
    from app.training.loop import graph_step

    started = time.perf_counter()
    loss, named = graph_step(config, device="cpu")
    loss.backward()  # so the parameters show this step's gradients
    named = {**named, "loss": loss}
    graph = walk(named, root="loss", show_saved=show_saved, max_nodes=max_graph_nodes)
    done = time.perf_counter()
    return {
        "variables": describe_all(named, max_value_elements),
        "graph": graph.to_json(),
        "dot": to_dot(graph),
        "stdout": "",
        "warnings": [],
        "plots": [],
        "device": "cpu",
        "timings_ms": {"walk": (done - started) * 1000, "job": (done - started) * 1000},
    }
