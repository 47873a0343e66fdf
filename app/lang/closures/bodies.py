"""A function's body compiled into one closure: its statements, then its ``return`` at the top
level, whose value it hands back directly (ReturnSignal is for a return in a loop, an if...)."""

from __future__ import annotations

import ast
from typing import Any

from app.lang.closures.runner import Evaluator, Executor, Runner
from app.lang.errors import ProgramError
from app.lang.functions import ReturnSignal
from app.lang.scopes import Scope


def compile_function_body(interp: Runner, body: list[ast.stmt]) -> Evaluator:
    """A function's body: its statements up to a ``return`` at its top level (the common case,
    run without raising ReturnSignal), whose value it gives back; None if it has none."""
    statements: list[Executor] = []
    for statement in body:
        if isinstance(statement, ast.Return):
            return _returning(interp, statements, statement)
        statements.append(interp.statement(statement))

    def run(scope: Scope) -> Any:
        for each in statements:
            each(scope)
        return None

    return run


def _returning(interp: Runner, statements: list[Executor], node: ast.Return) -> Evaluator:
    line, column = node.lineno, node.col_offset + 1
    value_of = None if node.value is None else interp.expression(node.value)
    max_steps = interp.max_steps

    def run(scope: Scope) -> Any:
        for each in statements:
            each(scope)
        steps = interp.steps = interp.steps + 1  # the return statement's step
        if steps > max_steps:
            interp.tick(0)
        interp.line = line
        interp.column = column
        if value_of is None:
            return None
        try:
            return value_of(scope)
        except ProgramError as error:
            if error.line is None:
                error.line, error.column = line, column
            raise error from None
        except ReturnSignal:
            raise
        except Exception as exc:
            raise interp.runtime_error(exc, node) from None

    return run
