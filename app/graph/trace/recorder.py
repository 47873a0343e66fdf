"""The trace recorder: a TorchFunctionMode that watches a program's torch calls, and its frames.

While the mode is active (only when a trace was asked for), every torch call's output gets its
``grad_fn`` linked to where the program is (line, column, loop iterations); ``requires_grad``
being set makes a leaf; a backward call runs watched (app.graph.trace.backward). The caller
says when to take a frame: after a statement, at the end of a loop iteration, at a step of a
training loop. The recorder's own work runs with torch functions disabled, so it never sees
itself, and nothing it does changes the program's values.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode, _get_current_function_mode, _pop_mode, _push_mode

from app.config import TraceLimits
from app.graph.trace.backward import BACKWARD_FUNCTIONS, run_backward
from app.graph.trace.frames import Frame, FrameSink
from app.graph.trace.registry import NodeRegistry, Position, current_sequence_nr
from app.graph.trace.summary import snapshot
from app.graph.values import is_stale_view

_REQUIRES_GRAD_ = torch.Tensor.requires_grad_
_REQUIRES_GRAD = torch.Tensor.requires_grad  # its __set__ is a fresh object at every access
_Where = Callable[[], tuple[int | None, int | None]]
_Names = Callable[[], Iterable[tuple[str, torch.Tensor]]]


def _is_requires_grad_set(func: Any) -> bool:
    return getattr(func, "__self__", None) is _REQUIRES_GRAD and func.__name__ == "__set__"


class TraceRecorder(TorchFunctionMode):
    """Records one program's (or training step's) autograd work; see the module's text."""

    def __init__(self, limits: TraceLimits, where: _Where, names: _Names) -> None:
        super().__init__()
        self.limits = limits
        self._where = where
        self.names = names
        self.sink = FrameSink(limits)
        self.registry = NodeRegistry(limits.max_nodes, self.position)
        self.pending: list[dict[str, Any]] = []  # backward passes not yet shown in a frame
        self.births: dict[int, tuple[weakref.ref[torch.Tensor], Position]] = {}
        self.failed_at: tuple[int | None, int | None] | None = None  # a backward that raised
        self.paused = False  # off torch's mode stack, in loop iterations left out
        self.sink.on_skipping = self._skipping

    def __enter__(self) -> TraceRecorder:
        with torch._C.DisableTorchFunction():
            self.registry.base_seq = current_sequence_nr()  # on the thread that will run
        # A trace makes many small objects, and each full collection would walk all of torch's
        # (a quarter million): those already there are left out of collections until the end.
        gc.freeze()
        super().__enter__()  # type: ignore[no-untyped-call]  # torch's own, untyped
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.paused:  # not on the stack: nothing to pop
                self.paused = False
            else:
                super().__exit__(*exc)  # type: ignore[no-untyped-call]
        finally:
            gc.unfreeze()

    def _skipping(self, skipping: bool, loop: Any) -> None:
        """Iterations left out begin (True) or end: leave torch's mode stack meanwhile, so they
        cost nothing (when this mode is on top: a mode the program pushed since stays put).
        A node made there that is met again later is placed at the loop's line."""
        if skipping and not self.paused and _get_current_function_mode() is self:  # type: ignore[no-untyped-call]
            _pop_mode()  # type: ignore[no-untyped-call]
            self.paused = True
        elif not skipping and self.paused:
            _push_mode(self)  # type: ignore[no-untyped-call]
            self.paused = False
            self.registry.backfill = (loop.lineno, loop.col_offset + 1, None)

    def position(self) -> Position:
        line, column = self._where()
        return line, column, self.sink.iteration()

    # ----- the program's torch calls ----------------------------------------------------

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        if kwargs is None:
            kwargs = {}
        if func in BACKWARD_FUNCTIONS:
            if not self.sink.capturing:  # an iteration left out: run it unwatched, count it
                self.sink.left_out(0, 1)
                return func(*args, **kwargs)
            return run_backward(
                self.registry, self.limits, self.position(), func, args, kwargs, self._passed
            )
        out = func(*args, **kwargs)
        try:
            if func is _REQUIRES_GRAD_ or _is_requires_grad_set(func):
                self._requires_grad(args[0])
            else:
                self._note(out)
        except Exception:  # never let the trace break the program
            self.registry.truncated = True
        return out

    def _note(self, out: Any) -> None:
        if isinstance(out, torch.Tensor):
            fn = out.grad_fn
            if fn is not None:
                self.registry.node_id(fn)
            elif out.requires_grad:  # torch.ones(..., requires_grad=True): a leaf is born
                self._requires_grad(out)
        elif isinstance(out, tuple | list) and out and isinstance(out[0], torch.Tensor):
            for item in out[:64]:
                if isinstance(item, torch.Tensor) and item.grad_fn is not None:
                    self.registry.node_id(item.grad_fn)

    def _requires_grad(self, t: Any) -> None:
        if not isinstance(t, torch.Tensor):
            return
        birth = self.births.get(id(t))
        born = birth[1] if birth is not None and birth[0]() is t else None
        self.registry.requires_grad_set(t, born)

    def _passed(self, entry: dict[str, Any], failed: bool) -> None:
        self.pending.append(entry)
        if failed:  # the error is a frame of its own, where the call was
            self.failed_at = (entry["line"], entry["column"])
            self.frame("error", entry["line"], entry["column"], error=entry["error"])

    # ----- frames -----------------------------------------------------------------------

    def frame(self, kind: str, line: int | None, column: int | None, **extra: Any) -> None:
        """Take a frame: nodes alive, named tensors, saved buffers, backward passes since."""
        if not self.sink.capturing:
            self.sink.left_out(1, 0)
            return
        with torch._C.DisableTorchFunction():
            try:
                frame = self._frame(kind, line, column)
            except Exception:
                self.registry.truncated = True
                return
        frame.update(extra)
        self.sink.add(frame)

    def _frame(self, kind: str, line: int | None, column: int | None) -> Frame:
        registry = self.registry
        tensors = {}
        for name, t in self.names():
            tensors[name] = self._tensor(t)
        held, freed, saved_bytes = registry.saved_state()
        frame: Frame = {
            "kind": kind,
            "line": line,
            "column": column,
            "iteration": self.sink.iteration(),
            "nodes": list(registry.alive),
            "new_nodes": registry.take_new(),
            "tensors": tensors,
            "saved": {"held": held, "freed": freed},
            "saved_bytes": saved_bytes,
            "passes": self.pending,
        }
        self.pending = []
        return frame

    def _tensor(self, t: torch.Tensor) -> tuple[Any, ...]:
        """(node, value snapshot, requires_grad, _version, .grad snapshot): JSON later, for
        the frames kept (app.graph.trace.timeline)."""
        max_values = self.limits.max_values
        if is_stale_view(t):
            return (None, None, False, None, None)
        fn = t.grad_fn
        node = None
        if fn is not None:
            node = self.registry.node_id(fn)
        elif t.requires_grad:
            node = self.registry.node_id(t)
        else:
            birth = self.births.get(id(t))
            if birth is None or birth[0]() is not t:
                self.births[id(t)] = (weakref.ref(t), self.position())
        grad = t.grad if t.is_leaf else None  # a non-leaf's .grad warns
        return (
            node,
            snapshot(t, max_values),
            t.requires_grad,
            t._version,
            None if grad is None else snapshot(grad, max_values),
        )

    # ----- loops ------------------------------------------------------------------------

    def loop_iteration(self, node: Any, index: int, depth: int, length: int | None = None) -> None:
        self.sink.loop_iteration(node, index, depth, length)

    def loop_end(self, node: Any, depth: int) -> None:
        self.sink.loop_end(node, depth)

    def failed(self, message: str, line: int | None, column: int | None) -> None:
        """The program stopped with an error: its frame ends the trace (unless a backward
        call's error frame at that place already shows it)."""
        if self.failed_at is not None and self.failed_at[0] == line and not self.pending:
            return
        self.frame("error", line, column, error=message)
