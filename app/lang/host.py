"""What the interpreter offers the modules it is built from, as a protocol.

Builtins, functions, generators, str.format and the standard library call back into the
interpreter that runs them (to count steps, call through the guard, run a body). They see it as
this protocol, so none of them imports the interpreter, and the interpreter imports them all:
``app.lang`` has no import cycle, type-level ones included.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from app.config import ProgramLimits
from app.lang.output import OutputBuffer
from app.lang.scopes import Scope


class StatementTracer(Protocol):
    """Told where a program is as it runs (a trace of autograd's work, app.graph.trace).

    Set as ``Interpreter.tracer`` before ``run()``. The interpreter also keeps ``line`` and
    ``column`` (1-based) of the running statement, so code called from torch can ask.
    """

    def after_statement(self, node: ast.stmt, depth: int) -> None:
        """After ``node`` finished normally; ``depth`` is ``len(interpreter.frames)``."""

    def loop_iteration(self, node: ast.For | ast.While, index: int, depth: int) -> None:
        """At the start of iteration ``index`` (0-based) of the loop's body."""

    def loop_end(self, node: ast.For | ast.While, depth: int) -> None:
        """When the loop is left, however it is left (normally, break, return, exception)."""


class ProgramTracer(StatementTracer, Protocol):
    """A tracer ``run_program`` drives: ``running`` is entered on the thread the program runs on
    (torch modes and hooks are per thread) and left when it ends; ``stopped`` gets what a
    program that failed left behind (its tensors by name), for a trace up to the error."""

    def running(self, interpreter: Any) -> AbstractContextManager[None]: ...

    def stopped(self, result: Any) -> None: ...


class Host(Protocol):
    """The interpreter running a program (app.lang.interpreter.Interpreter)."""

    limits: ProgramLimits
    output: OutputBuffer
    builtin_ids: set[int]  # what the program calls as builtins (the stdlib's functions too)
    keep_alive: list[Any]  # objects whose ids are registered, kept alive while the run lasts
    user_classes: set[type]
    frames: list[tuple[Any, Scope]]  # (UserFunction, its scope), innermost last
    running_generators: dict[Any, Any]  # greenlet -> ProgramGenerator

    # steps and values
    def tick(self, count: int = 1) -> None: ...
    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]: ...
    def binary(self, symbol: str, left: Any, right: Any, inplace: bool = False) -> Any: ...
    def check_text(self, value: Any) -> None: ...
    def check_format_spec(self, spec: Any, node: ast.AST | None) -> None: ...

    # calls and attributes, through the guard
    def call(
        self,
        func: Any,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        owner: Any = None,
        method: str | None = None,
    ) -> Any: ...
    def check_callable(self, func: Any, owner: Any = None, method: str | None = None) -> None: ...
    def is_program_code(self, func: Any) -> bool: ...
    def check_forward(self, value: Any) -> None: ...
    def register_callable(self, function: Any) -> Any: ...
    def decorate(self, value: Any, decorators: list[Any], node: ast.AST) -> Any: ...
    def attribute_allowed(self, obj: Any, name: str) -> bool: ...
    def get_attribute(self, obj: Any, name: str, node: ast.AST | None = None) -> Any: ...
    def set_attribute(self, obj: Any, name: str, value: Any) -> None: ...

    # running the program's code
    def evaluate(self, node: ast.expr, scope: Scope) -> Any: ...
    def exec_stmt(self, node: ast.stmt, scope: Scope) -> None: ...
    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None: ...
    def function_body(self, node: ast.FunctionDef) -> Callable[[Scope], Any]: ...
    def enter_frame(self, function: Any, scope: Scope) -> None: ...
    def leave_frame(self, function: Any, scope: Scope) -> None: ...
    def current_frame(self) -> tuple[Any, Scope] | None: ...

    # generators
    def make_generator(self, function: Any, scope: Scope) -> Any: ...
    def start_generator(self, generator: Any) -> None: ...
    def end_generator(self, generator: Any) -> None: ...
