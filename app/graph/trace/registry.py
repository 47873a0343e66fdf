"""Every autograd node a trace has seen: a number, where the program made it, whether it lives.

An op node (a ``grad_fn``) is known by a marker object put in its ``metadata`` dict, which lives
exactly as long as the C++ node: the marker's death says the node is gone, so "alive" costs
nothing per frame. A leaf is known by its tensor (its ``AccumulateGrad`` node comes and goes).
Numbers (``tid``) count from 0 in the order nodes were first seen; at most ``max_nodes`` are
followed, later ones are left out and the trace says ``truncated``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

KEY = "gradtrace.trace"  # the key of the marker in a node's metadata dict

# (line, column, loop iterations): where the program is, from the tracer's point of view
Position = tuple[int | None, int | None, list[int] | None]


class _Marker:
    __slots__ = ("__weakref__", "tid")

    def __init__(self, tid: int) -> None:
        self.tid = tid


@dataclass(slots=True)
class NodeRecord:
    """One node as the trace knows it. ``inputs`` are the tids of ``next_functions`` (the data
    flows from them into this node), ``layer`` 2 marks nodes made by a ``create_graph=True``
    backward pass, ``freed`` that a backward pass without ``retain_graph`` released what the
    node saved."""

    tid: int
    kind: str  # "op" | "leaf"
    op: str
    line: int | None
    column: int | None
    iteration: list[int] | None
    layer: int
    saved_bytes: int = 0
    inputs: list[int] = field(default_factory=list)
    freed: bool = False
    requires_grad_line: int | None = None
    requires_grad_column: int | None = None
    seq: int | None = None  # autograd's sequence number, from the trace's start (creation order)
    ref: Any = None  # the weak reference that tells this node's death


_SAVED_ATTRS: dict[type, tuple[str, ...]] = {}
_SCALARS = ("_alpha", "_beta", "_dim", "_keepdim", "_size", "_sizes", "_exponent_scalar")


def _saved_names(fn: Any) -> tuple[str, ...]:
    cls = type(fn)
    names = _SAVED_ATTRS.get(cls)
    if names is None:
        # sizes, strides and scalars (``_saved_self_sym_sizes``, ``_saved_alpha``) hold no
        # tensor memory: only the attributes that may be tensors are read
        names = tuple(
            n
            for n in dir(cls)
            if n.startswith("_saved_") and "sym_" not in n and not n.endswith(_SCALARS)
        )
        if isinstance(fn, torch.autograd.function.BackwardCFunction):
            names += ("saved_tensors",)
        _SAVED_ATTRS[cls] = names
    return names


def _nbytes(value: Any) -> int:
    if isinstance(value, torch.Tensor):
        try:
            return int(value.numel()) * int(value.element_size())
        except Exception:
            return 0
    if isinstance(value, list | tuple):
        return sum(_nbytes(v) for v in value[:64])
    return 0


def saved_bytes(fn: Any) -> int:
    """Bytes of the tensors a node saved for backward (0 once freed, or when unreadable)."""
    total = 0
    for name in _saved_names(fn):
        try:
            total += _nbytes(getattr(fn, name))
        except Exception:  # freed by backward, or modified in place since: nothing held to show
            continue
    return total


def _sequence_nr(fn: Any, base: int) -> int | None:
    try:
        return int(fn._sequence_nr()) - base
    except Exception:
        return None


def current_sequence_nr() -> int:
    """The sequence number the next autograd node made on this thread gets."""
    with torch.enable_grad():
        probe = torch.zeros((), requires_grad=True).mul(1)
    assert probe.grad_fn is not None
    return int(probe.grad_fn._sequence_nr()) + 1


def is_accumulate(fn: Any) -> bool:
    return hasattr(fn, "variable")


class NodeRegistry:
    """The nodes of one trace, with the set of those alive and those new since the last frame."""

    def __init__(self, max_nodes: int, where: Callable[[], Position]) -> None:
        self.max_nodes = max_nodes
        self.where = where
        self.records: list[NodeRecord] = []
        self.alive: dict[int, None] = {}  # an ordered set of tids
        self.new: list[int] = []
        self.layer = 1
        self.truncated = False
        self.base_seq = 0
        # where nodes made unwatched (in loop iterations left out) are placed when met later
        self.backfill: Position | None = None
        self._leaves: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}

    # ----- looking nodes up, registering them on first sight --------------------------------

    def known(self, obj: Any) -> int | None:
        """The tid of a grad_fn, AccumulateGrad or leaf tensor already seen, else None."""
        if isinstance(obj, torch.Tensor):
            entry = self._leaves.get(id(obj))
            return entry[1] if entry is not None and entry[0]() is obj else None
        if is_accumulate(obj):
            return self.known(obj.variable)
        try:
            marker = obj.metadata.get(KEY)
        except Exception:
            return None
        return None if marker is None else int(marker.tid)

    def node_id(self, obj: Any) -> int | None:
        """The tid of ``obj`` (grad_fn, AccumulateGrad or leaf tensor), registering it and every
        node behind it not seen yet, at the program's current position."""
        tid = self.known(obj)
        if tid is not None:
            return tid
        if isinstance(obj, torch.Tensor):
            return self._add_leaf(obj)
        if is_accumulate(obj):
            return self._add_leaf(obj.variable)
        return self._add_graph(obj)

    def _add_graph(self, start: Any) -> int | None:
        """Register ``start`` here, and the nodes behind it not seen yet: made earlier,
        unwatched, they are placed at ``backfill`` when there is one."""
        position = self.where()
        earlier = self.backfill or position
        added: list[tuple[Any, NodeRecord]] = []
        pending = [start]
        while pending:
            fn = pending.pop()
            if self.known(fn) is not None:
                continue
            if is_accumulate(fn):
                self._add_leaf(fn.variable, position)
                continue
            record = self._add_op(fn, position if fn is start else earlier)
            if record is None:
                break
            added.append((fn, record))
            pending.extend(child for child, _ in fn.next_functions if child is not None)
        for fn, record in added:
            record.inputs = [
                tid
                for child, _ in fn.next_functions
                if child is not None and (tid := self.known(child)) is not None
            ]
        return self.known(start)

    def _room(self) -> bool:
        if len(self.records) >= self.max_nodes:
            self.truncated = True
            return False
        return True

    def _add_op(self, fn: Any, position: Position) -> NodeRecord | None:
        if not self._room():
            return None
        tid = len(self.records)
        marker = _Marker(tid)
        try:
            fn.metadata[KEY] = marker
        except Exception:  # a node without a metadata dict cannot be followed
            return None
        alive = self.alive
        record = NodeRecord(
            tid=tid,
            kind="op",
            op=type(fn).__name__,
            line=position[0],
            column=position[1],
            iteration=position[2],
            layer=self.layer,
            saved_bytes=saved_bytes(fn),
            seq=_sequence_nr(fn, self.base_seq),
            ref=weakref.ref(marker, lambda _ref: alive.pop(tid, None)),
        )
        self.records.append(record)
        alive[tid] = None
        self.new.append(tid)
        return record

    def _add_leaf(self, t: torch.Tensor, position: Position | None = None) -> int | None:
        if not self._room():
            return None
        tid = len(self.records)
        key = id(t)
        alive, leaves = self.alive, self._leaves

        def died(_ref: Any) -> None:
            alive.pop(tid, None)
            entry = leaves.get(key)
            if entry is not None and entry[1] == tid:
                del leaves[key]

        line, column, iteration = position or self.where()
        ref = weakref.ref(t, died)
        record = NodeRecord(
            tid=tid,
            kind="leaf",
            op="AccumulateGrad",
            line=line,
            column=column,
            iteration=iteration,
            layer=self.layer,
            ref=ref,
        )
        if t.requires_grad:
            record.requires_grad_line, record.requires_grad_column = line, column
        self.records.append(record)
        leaves[key] = (ref, tid)
        alive[tid] = None
        self.new.append(tid)
        return tid

    # ----- what the program did to leaves and buffers ---------------------------------------

    def requires_grad_set(self, t: torch.Tensor, born: Position | None = None) -> None:
        """``t.requires_grad = True`` or ``t.requires_grad_()`` ran here: a leaf is born.
        ``born`` is where the tensor itself was made, when the trace saw that."""
        if not (isinstance(t, torch.Tensor) and t.is_leaf and t.requires_grad):
            return
        tid = self.known(t)
        if tid is None:
            tid = self._add_leaf(t, born)
        if tid is not None:
            record = self.records[tid]
            line, column, _ = self.where()
            record.requires_grad_line, record.requires_grad_column = line, column

    def take_new(self) -> list[int]:
        new, self.new = self.new, []
        return new

    def saved_state(self) -> tuple[list[int], list[int], int]:
        """Among the nodes alive: those holding saved tensors, those whose were freed, and the
        bytes held in all."""
        held: list[int] = []
        freed: list[int] = []
        total = 0
        records = self.records
        for tid in self.alive:
            record = records[tid]
            if record.freed:
                freed.append(tid)
            elif record.saved_bytes:
                held.append(tid)
                total += record.saved_bytes
        return held, freed, total
