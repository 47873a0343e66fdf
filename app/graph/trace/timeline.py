"""A finished trace as the response's ``timeline``, within ``max_bytes`` of JSON.

Nodes get the ids the page knows: a node of the response's graph keeps its graph id (``n3``),
every other node the trace saw (freed earlier, replaced, a second layer...) is ``t<number>``
and is described in ``timeline.nodes``. Backward passes are listed in ``timeline.backward`` in
the order they ran; each frame names the passes that ran since the frame before it. When the
JSON would be over ``max_bytes``, frames in the middle are dropped (counted in a ``skipped``
frame) until it fits, then backward steps; ``truncated`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.config import TraceLimits
from app.encoding import dumps
from app.graph.trace.frames import Frame, skipped_marker
from app.graph.trace.recorder import TraceRecorder
from app.graph.trace.summary import Snapshot, shown, summary_json, values_json


def _summary(snap: Snapshot | None) -> dict[str, Any] | None:
    return None if snap is None else summary_json(snap)


def _accumulation(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: _summary(v) if k in ("before", "arriving", "after") else v for k, v in entry.items()}


def _tensor_json(entry: tuple[Any, ...], ids: _Ids) -> dict[str, Any]:
    node, value, requires_grad, version, grad = entry
    out: dict[str, Any] = {"node": ids.one(node), "value": None, "shape": None, "grad": None}
    if value is not None:
        out.update(
            shape=None if value.shape is None else list(value.shape),
            dtype=str(value.dtype).removeprefix("torch."),
            requires_grad=requires_grad,
            value=values_json(value),
            truncated=value.head is not None and value.numel > shown(value),
            version=version,
        )
    if grad is not None:
        out["grad"] = values_json(grad)
        out["grad_truncated"] = grad.head is not None and grad.numel > shown(grad)
    return out


def graph_annotator(
    recorder: TraceRecorder, ids: dict[int, str]
) -> Callable[[str, Any], dict[str, Any] | None]:
    """For app.graph.walk: the trace's fields of a graph node (``line``, ``column``,
    ``saved_bytes``...), noting which trace node each graph id stands for in ``ids``."""
    registry = recorder.registry

    def annotate(node_id: str, obj: Any) -> dict[str, Any] | None:
        tid = registry.node_id(obj)
        if tid is None:
            return None
        ids[tid] = node_id
        record = registry.records[tid]
        return {
            "line": record.line,
            "column": record.column,
            "saved_bytes": 0 if record.freed else record.saved_bytes,
            "saved_freed": record.freed,
            "iteration": record.iteration,
            "layer": record.layer,
            "requires_grad_line": record.requires_grad_line,
        }

    return annotate


class _Ids:
    def __init__(self, graph_ids: dict[int, str]) -> None:
        self.graph_ids = graph_ids

    def one(self, tid: int | None) -> str | None:
        if tid is None:
            return None
        return self.graph_ids.get(tid) or f"t{tid}"

    def many(self, tids: list[int]) -> list[str | None]:
        return [self.one(t) for t in tids]


def _pass_json(entry: dict[str, Any], ids: _Ids, max_steps: int | None) -> dict[str, Any]:
    steps = entry["steps"] if max_steps is None else entry["steps"][:max_steps]
    return {
        "kind": entry["kind"],
        "line": entry["line"],
        "column": entry["column"],
        "iteration": entry["iteration"],
        "root": ids.one(entry["root"]),
        "roots": ids.many(entry["roots"]),
        "retain_graph": entry["retain_graph"],
        "create_graph": entry["create_graph"],
        "error": entry["error"],
        "steps": [_step_json(step, ids) for step in steps],
        "leaves": [
            {**_accumulation(leaf), "node": ids.one(leaf["node"])} for leaf in entry["leaves"]
        ],
        "freed": ids.many(entry.get("freed", [])),
        "second_layer": ids.many(entry.get("second_layer", [])),
        "truncated": bool(entry.get("truncated")) or len(steps) < len(entry["steps"]),
    }


def _step_json(step: dict[str, Any], ids: _Ids) -> dict[str, Any]:
    out = {
        "node": ids.one(step["node"]),
        "op": step["op"],
        "grad_output": [_summary(s) for s in step["grad_output"]],
        "edges": [
            {
                "source": ids.one(e["source"]),
                "target": ids.one(e["target"]),
                "output_nr": e["output_nr"],
                "grad": _summary(e["grad"]),
            }
            for e in step.get("edges", ())
        ],
    }
    if "accumulate" in step:
        out["accumulate"] = _accumulation(step["accumulate"])
    return out


def _frame_json(frame: Frame, ids: _Ids, passes: list[int]) -> dict[str, Any]:
    if frame["kind"] == "skipped":
        return {**frame, "backward": []}
    out = {k: v for k, v in frame.items() if k != "passes"}
    out["nodes"] = ids.many(frame["nodes"])
    out["new_nodes"] = ids.many(frame["new_nodes"])
    out["saved"] = {
        "held": ids.many(frame["saved"]["held"]),
        "freed": ids.many(frame["saved"]["freed"]),
    }
    out["tensors"] = {name: _tensor_json(entry, ids) for name, entry in frame["tensors"].items()}
    out["backward"] = passes
    return out


def _drop_middle(frames: list[Frame]) -> list[Frame]:
    """Keep the first and last quarter of the frames; one skipped frame counts the rest."""
    keep = max(1, len(frames) // 4)
    middle = frames[keep:-keep]
    count = sum(f["frames"] if f["kind"] == "skipped" else 1 for f in middle)
    passes = sum(
        (f["backward_count"] or 0) if f["kind"] == "skipped" else len(f.get("passes", ()))
        for f in middle
    )
    return [*frames[:keep], skipped_marker(None, None, None, 0, count, passes), *frames[-keep:]]


class TimelineBuilder:
    """Assembles the timeline of a finished recorder, shrinking it to fit ``max_bytes``."""

    def __init__(self, recorder: TraceRecorder, limits: TraceLimits) -> None:
        self.recorder = recorder
        self.limits = limits
        # JSON of each pass and frame, made once: shrinking only picks among them
        self._passes: dict[int, dict[str, Any]] = {}
        self._frames: dict[int, dict[str, Any]] = {}
        self._nodes: list[dict[str, Any]] | None = None

    def build(self, graph_ids: dict[int, str]) -> dict[str, Any]:
        recorder = self.recorder
        if recorder.pending:  # passes after the last frame (inside a call): one more frame
            recorder.frame("end", None, None)
        frames = recorder.sink.finished()
        truncated = recorder.sink.truncated or recorder.registry.truncated
        truncated |= any(f["kind"] == "skipped" for f in frames)
        ids = _Ids(graph_ids)
        max_steps: int | None = None
        while True:
            timeline = self._assemble(frames, ids, max_steps)
            timeline["truncated"] = truncated or timeline["truncated"]
            if len(dumps(timeline)) <= self.limits.max_bytes:
                return timeline
            truncated = True
            longest = max((len(p["steps"]) for p in timeline["backward"]), default=0)
            if len(frames) > 4:
                frames = _drop_middle(frames)
            elif longest > 1:
                max_steps = longest // 2
            else:
                return {
                    "frames": [],
                    "backward": [],
                    "nodes": [],
                    "truncated": True,
                    "limits": self._limits(),
                }

    def _assemble(self, frames: list[Frame], ids: _Ids, max_steps: int | None) -> dict[str, Any]:
        passes: list[dict[str, Any]] = []
        out_frames = []
        dropped = 0
        for frame in frames:
            refs: list[int] = []
            for entry in frame.get("passes", ()) if frame["kind"] != "skipped" else ():
                if len(passes) < self.limits.max_backward:
                    refs.append(len(passes))
                    passes.append(self._pass(entry, ids, max_steps))
                else:
                    dropped += 1
            if frame["kind"] == "skipped":  # made anew by each shrinking: never cached
                out_frames.append(_frame_json(frame, ids, refs))
                continue
            cached = self._frames.get(id(frame))
            if cached is None:
                cached = self._frames[id(frame)] = _frame_json(frame, ids, [])
            out_frames.append({**cached, "backward": refs})
        for index, frame in enumerate(out_frames):
            frame["index"] = index
        if self._nodes is None:
            self._nodes = self._node_table(ids)
        return {
            "frames": out_frames,
            "backward": passes,
            "nodes": self._nodes,
            "truncated": dropped > 0 or any(p["truncated"] for p in passes),
            "limits": self._limits(),
        }

    def _node_table(self, ids: _Ids) -> list[dict[str, Any]]:
        registry = self.recorder.registry
        return [
            {
                "id": ids.one(r.tid),
                "kind": r.kind,
                "op": r.op,
                "line": r.line,
                "column": r.column,
                "iteration": r.iteration,
                "layer": r.layer,
                "inputs": ids.many(r.inputs),
                "saved_bytes": r.saved_bytes,
                "freed": r.freed,
                "requires_grad_line": r.requires_grad_line,
                "seq": r.seq,
                "in_graph": r.tid in ids.graph_ids,
            }
            for r in registry.records
        ]

    def _pass(self, entry: dict[str, Any], ids: _Ids, max_steps: int | None) -> dict[str, Any]:
        full = self._passes.get(id(entry))
        if full is None:
            full = self._passes[id(entry)] = _pass_json(entry, ids, None)
        if max_steps is None or len(full["steps"]) <= max_steps:
            return full
        return {**full, "steps": full["steps"][:max_steps], "truncated": True}

    def _limits(self) -> dict[str, int]:
        limits = self.limits
        return {
            "max_frames": limits.max_frames,
            "loop_iterations": limits.loop_iterations,
            "max_values": limits.max_values,
            "max_backward": limits.max_backward,
            "max_bytes": limits.max_bytes,
        }
