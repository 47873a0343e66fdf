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


_MISSING = object()
_BUILTIN = object()
_MAX_RANGE_ARGS = 3


def static_length(expr: ast.expr, lookup: Any) -> int | None:
    """The number of iterations of ``for _ in expr`` when it can be told without running any
    code: ``range(...)`` of int literals or names bound to ints, a name bound to a list, tuple,
    str, dict or tensor, ``zip``/``enumerate`` of those. None otherwise (the frames of the last
    iterations then wait in a ring, see FrameSink)."""
    if isinstance(expr, ast.Name):
        value = lookup(expr.id)
        if isinstance(value, list | tuple | str | dict):
            return len(value)
        if isinstance(value, torch.Tensor) and value.dim() > 0:
            return int(value.shape[0])
        return None
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)) or expr.keywords:
        return None
    if lookup(expr.func.id) is not _BUILTIN or any(isinstance(a, ast.Starred) for a in expr.args):
        return None
    name, args = expr.func.id, expr.args
    if name == "range" and 1 <= len(args) <= _MAX_RANGE_ARGS:
        numbers = [_int_of(a, lookup) for a in args]
        if any(n is None for n in numbers) or (len(numbers) == _MAX_RANGE_ARGS and not numbers[2]):
            return None
        return len(range(*numbers))  # type: ignore[arg-type]  # None ruled out above
    if name == "zip" and args:
        lengths = [static_length(a, lookup) for a in args]
        return None if any(n is None for n in lengths) else min(lengths)  # type: ignore[type-var]
    if name == "enumerate" and len(args) == 1:
        return static_length(args[0], lookup)
    return None


def _int_of(expr: ast.expr, lookup: Any) -> int | None:
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _int_of(expr.operand, lookup)
        return None if inner is None else -inner
    if isinstance(expr, ast.Name):
        value = lookup(expr.id)
        return value if type(value) is int else None
    return None


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
        length = None
        if index == 0 and isinstance(node, ast.For):
            length = static_length(node.iter, self._lookup)
        self.recorder.loop_iteration(node, index, depth, length)

    def loop_end(self, node: ast.For | ast.While, depth: int) -> None:
        loops = self.recorder.sink.loops
        if depth > 0 and loops and loops[-1].node is node and loops[-1].depth == depth:
            self.recorder.frame("iteration", node.lineno, node.col_offset + 1)
        self.recorder.loop_end(node, depth)

    # ----- what the recorder asks -------------------------------------------------------

    def _lookup(self, name: str) -> Any:
        """The value a name has where the program is (a local, else a global), or _MISSING;
        a builtin's name answers _BUILTIN (the program did not rebind it)."""
        interpreter = self.interpreter
        if interpreter is None:
            return _MISSING
        if interpreter.frames:
            scope = interpreter.frames[-1][1]
            if name in scope.vars:
                return scope.vars[name]
        if name in interpreter.globals:
            return interpreter.globals[name]
        return _BUILTIN

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
