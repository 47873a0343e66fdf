"""A program's trace: the interpreter's statement tracer (app.lang.host.StatementTracer) that
drives a TraceRecorder.

Frames are taken after each simple statement of the module's code (loop bodies at the top
level included, so ``w.data = ...`` and ``w.grad.data.zero_()`` each get one), and at the end
of each iteration of a loop inside a function. Each shows the module's tensors (and, inside a
function, that function's own as ``name:tensor``), a module's parameters as
``model.layer.weight``, as app.lang.named_tensors names them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from app.config import TraceLimits
from app.graph.trace.recorder import TraceRecorder
from app.graph.trace.timeline import TimelineBuilder, graph_annotator

# Statements that may change a tensor; compound ones are seen through the statements inside.
_FRAMED = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Assert)
_MAX_MODULES = 256  # submodules looked into per module and frame


def module_parameters(prefix: str, module: nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """``module``'s parameters as ``prefix.layer.weight``, read from the modules' own tables
    (never through a method a program's class may override)."""
    stack: list[tuple[str, nn.Module]] = [(prefix, module)]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_MODULES:
        name, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for key, param in current._parameters.items():
            if isinstance(param, torch.Tensor):
                yield f"{name}.{key}", param
        children = [(k, m) for k, m in current._modules.items() if isinstance(m, nn.Module)]
        stack.extend((f"{name}.{k}", m) for k, m in reversed(children))


class ProgramTrace:
    """Set as the interpreter's tracer by app.lang.run_program (``tracer=``)."""

    def __init__(self, limits: TraceLimits) -> None:
        self.limits = limits
        self.interpreter: Any = None
        self.recorder = TraceRecorder(limits, self._where, self._names)
        self.result: Any = None  # what a failed program left (app.lang.ProgramResult)
        self.graph_ids: dict[int, str] = {}

    # ----- app.lang.host.ProgramTracer --------------------------------------------------

    @contextmanager
    def running(self, interpreter: Any) -> Iterator[None]:
        self.interpreter = interpreter
        try:
            with self.recorder:
                try:
                    yield
                except BaseException as error:
                    message = getattr(error, "message", None) or f"{type(error).__name__}"
                    line = getattr(error, "line", None) or interpreter.line or None
                    column = getattr(error, "column", None)
                    self.recorder.failed(str(message), line, column)
                    raise
        finally:
            self.interpreter = None  # nodes seen after the run have no line

    def stopped(self, result: Any) -> None:
        self.result = result

    def after_statement(self, node: ast.stmt, depth: int) -> None:
        if depth == 0 and isinstance(node, _FRAMED):
            self.recorder.frame("statement", node.lineno, node.col_offset + 1)

    def loop_iteration(self, node: ast.For | ast.While, index: int, depth: int) -> None:
        if depth > 0 and index > 0:  # the end of the iteration before, inside a function
            self.recorder.frame("iteration", node.lineno, node.col_offset + 1)
        self.recorder.loop_iteration(node, index, depth)

    def loop_end(self, node: ast.For | ast.While, depth: int) -> None:
        loops = self.recorder.sink.loops
        if depth > 0 and loops and loops[-1].node is node and loops[-1].depth == depth:
            self.recorder.frame("iteration", node.lineno, node.col_offset + 1)
        self.recorder.loop_end(node, depth)

    # ----- what the recorder asks -------------------------------------------------------

    def _where(self) -> tuple[int | None, int | None]:
        interpreter = self.interpreter
        if interpreter is None:
            return None, None
        return interpreter.line or None, interpreter.column or None

    def _names(self) -> Iterator[tuple[str, torch.Tensor]]:
        interpreter = self.interpreter
        if interpreter is None:
            return
        sources: list[tuple[str, dict[str, Any]]] = []
        if interpreter.frames:
            function, scope = interpreter.frames[-1]
            sources.append((f"{function.name}:", scope.vars))
        sources.append(("", interpreter.globals))
        left = self.limits.max_tensors
        for prefix, values in sources:
            for name, value in list(values.items()):
                if isinstance(value, torch.Tensor):
                    yield prefix + name, value
                    left -= 1
                elif isinstance(value, nn.Module):
                    for param_name, param in module_parameters(prefix + name, value):
                        yield param_name, param
                        left -= 1
                        if left <= 0:
                            return
                if left <= 0:
                    return

    # ----- the response -----------------------------------------------------------------

    def annotator(self) -> Any:
        """The ``annotate`` argument of app.graph.walk for the response's graph."""
        return graph_annotator(self.recorder, self.graph_ids)

    def timeline(self) -> dict[str, Any]:
        """The response's ``timeline`` (after the graph was walked with ``annotator()``)."""
        return TimelineBuilder(self.recorder, self.limits).build(self.graph_ids)
