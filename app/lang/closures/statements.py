"""Statements compiled into closures: expression statements, assignments, if, for, while,
break, continue, return, pass. Each runs inside ``_placed_statement``, which does for it what
``Interpreter.exec_stmt`` does (one step, the position, errors placed at the statement) and tells
the tracer, when there is one. Other kinds run through the interpreter's ``exec_*`` method."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import app.lang.operators as operators
from app.lang.closures.runner import Evaluator, Executor, Runner
from app.lang.errors import NotAllowed, ProgramError
from app.lang.functions import ReturnSignal
from app.lang.scopes import Scope

Store = Callable[[Any, Scope], None]


class Break(Exception):
    pass


class Continue(Exception):
    pass


def compile_statement(interp: Runner, node: ast.stmt) -> Executor:
    maker = _MAKERS.get(node.__class__)
    body = maker(interp, node) if maker is not None else _fallback(interp, node)
    return _placed_statement(interp, node, body)


def compile_block(interp: Runner, body: list[ast.stmt]) -> Callable[[Scope], None]:
    statements = [interp.statement(statement) for statement in body]
    if len(statements) == 1:
        return statements[0]

    def run(scope: Scope) -> None:
        for statement in statements:
            statement(scope)

    return run


def _placed_statement(interp: Runner, node: ast.stmt, body: Executor) -> Executor:
    # What the closure needs is bound as defaults, not closed over: no cell per name, so fewer
    # objects for the garbage collector per compiled node (compiling a short program costs less).
    def run(
        scope: Scope,
        interp: Runner = interp,
        node: ast.stmt = node,
        body: Executor = body,
        line: int = node.lineno,
        column: int = node.col_offset + 1,
        max_steps: int = interp.max_steps,
    ) -> None:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        interp.line = line
        interp.column = column
        try:
            body(scope)
        except ProgramError as error:
            if error.line is None:
                error.line, error.column = line, column
            raise error from None
        except (ReturnSignal, Break, Continue):
            raise
        except Exception as exc:
            raise interp.runtime_error(exc, node) from None
        if interp.tracer is not None:
            interp.tracer.after_statement(node, len(interp.frames))

    return run


def _fallback(interp: Runner, node: ast.stmt) -> Executor:
    handler = interp.statement_handler(node)
    if handler is None:
        kind = type(node).__name__

        def refused(scope: Scope) -> None:
            raise NotAllowed(
                f"'{kind}' statements are not supported", node.lineno, node.col_offset + 1
            )

        return refused

    def run(scope: Scope) -> None:
        handler(interp, node, scope)

    return run


def _store(interp: Runner, target: ast.expr) -> Store:
    """Assigning to ``target``: a name directly, anything else as Interpreter.assign does."""
    if isinstance(target, ast.Name):

        def store_name(value: Any, scope: Scope, name: str = target.id) -> None:
            scope.store(name, value)

        return store_name
    if isinstance(target, ast.Attribute):
        attribute_owner_of = interp.expression(target.value)
        attribute = target.attr

        def store_attribute(value: Any, scope: Scope) -> None:
            interp.set_attribute(attribute_owner_of(scope), attribute, value)

        return store_attribute
    if isinstance(target, ast.Subscript):
        item_owner_of = interp.expression(target.value)
        index_of = interp.expression(target.slice)

        def store_item(value: Any, scope: Scope) -> None:
            owner = item_owner_of(scope)
            interp.set_item(owner, index_of(scope), value)

        return store_item

    if isinstance(target, (ast.Tuple, ast.List)) and not any(
        isinstance(element, ast.Starred) for element in target.elts
    ):
        return _unpacking(interp, [_store(interp, element) for element in target.elts])

    def store(value: Any, scope: Scope) -> None:
        interp.assign(target, value, scope)

    return store


def _unpacking(interp: Runner, stores: list[Store]) -> Store:
    """``x, y = value`` (no starred target), as Interpreter.unpack does it."""
    expected = len(stores)

    def store_each(value: Any, scope: Scope) -> None:
        if value.__class__ is tuple or value.__class__ is list:
            interp.tick(len(value))  # one step per item, as Interpreter.iterate counts them
            items = tuple(value)
        else:
            items = tuple(interp.iterate(value))
        if len(items) != expected:
            word = "many" if len(items) > expected else "few"
            raise ValueError(f"too {word} values to unpack (expected {expected}, got {len(items)})")
        for store, item in zip(stores, items, strict=True):
            store(item, scope)

    return store_each


def _expr(interp: Runner, node: ast.Expr) -> Executor:
    if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return _nothing  # a docstring
    return interp.expression(node.value)  # run for its effect; the value is dropped


def _assign(interp: Runner, node: ast.Assign) -> Executor:
    value_of = interp.expression(node.value)
    targets = node.targets
    if len(targets) == 1 and targets[0].__class__ is ast.Name:

        def assign_name(
            scope: Scope, value_of: Evaluator = value_of, name: str = targets[0].id
        ) -> None:
            scope.store(name, value_of(scope))  # x = ...: store_name, without the call

        return assign_name
    stores = [_store(interp, target) for target in targets]
    if len(stores) == 1:

        def assign_one(
            scope: Scope, store: Store = stores[0], value_of: Evaluator = value_of
        ) -> None:
            store(value_of(scope), scope)

        return assign_one

    def assign(scope: Scope) -> None:
        value = value_of(scope)
        for each in stores:
            each(value, scope)

    return assign


def _augassign(interp: Runner, node: ast.AugAssign) -> Executor | None:
    target = node.target
    if not isinstance(target, ast.Name):
        return None  # attributes and items: the interpreter's method
    symbol = operators.SYMBOLS[type(node.op)]
    value_of = interp.expression(node.value)
    name = target.id
    binary = interp.binary

    def run(scope: Scope) -> None:
        value = value_of(scope)
        current = scope.lookup(name, target)
        scope.store(name, binary(symbol, current, value, True))

    return run


def _if(interp: Runner, node: ast.If) -> Executor:
    test = interp.expression(node.test)
    body = compile_block(interp, node.body)
    orelse = compile_block(interp, node.orelse)

    def run(scope: Scope) -> None:
        if test(scope):
            body(scope)
        else:
            orelse(scope)

    return run


def _for(interp: Runner, node: ast.For) -> Executor:
    iterable_of = interp.expression(node.iter)
    store = _store(interp, node.target)
    body = compile_block(interp, node.body)
    orelse = compile_block(interp, node.orelse)

    def run(scope: Scope) -> None:
        iterations = _for_iterations(interp, iter(iterable_of(scope)), store, scope)
        _run_loop(interp, node, iterations, body, orelse, scope)

    return run


def _for_iterations(interp: Runner, items: Any, store: Store, scope: Scope) -> Any:
    for item in items:
        interp.tick()  # one step per item, as Interpreter.iterate counts them
        store(item, scope)
        yield


def _while(interp: Runner, node: ast.While) -> Executor:
    test = interp.expression(node.test)
    body = compile_block(interp, node.body)
    orelse = compile_block(interp, node.orelse)

    def run(scope: Scope) -> None:
        _run_loop(interp, node, _while_iterations(interp, test, scope), body, orelse, scope)

    return run


def _run_loop(
    interp: Runner,
    node: ast.For | ast.While,
    iterations: Any,
    body: Executor,
    orelse: Executor,
    scope: Scope,
) -> None:
    """A loop's iterations, each running ``body``, then its ``else`` unless a break left it."""
    if interp.tracer is None:
        broken = _loop(iterations, body, scope)
    else:
        broken = traced_loop(interp, node, iterations, body, scope)
    if not broken:
        orelse(scope)


def _loop(iterations: Any, body: Executor, scope: Scope) -> bool:
    """Run ``body`` once per iteration; True when a ``break`` left the loop."""
    for _ in iterations:
        try:
            body(scope)
        except Break:
            return True
        except Continue:
            continue
    return False


def _while_iterations(interp: Runner, test: Evaluator, scope: Scope) -> Any:
    while test(scope):
        interp.tick()
        yield


def traced_loop(
    interp: Runner, node: ast.For | ast.While, iterations: Any, body: Executor, scope: Scope
) -> bool:
    """A loop with a tracer, told each iteration's start and the loop's end; True when a
    ``break`` left it (its ``else`` is skipped)."""
    tracer = interp.tracer
    assert tracer is not None

    def announced() -> Any:
        for index, _ in enumerate(iterations):
            tracer.loop_iteration(node, index, len(interp.frames))
            yield

    try:
        return _loop(announced(), body, scope)
    finally:
        tracer.loop_end(node, len(interp.frames))


def _return(interp: Runner, node: ast.Return) -> Executor:
    value_of = None if node.value is None else interp.expression(node.value)

    def run(scope: Scope) -> None:
        if not interp.frames:
            raise ProgramError(
                "syntax", "'return' outside function", node.lineno, node.col_offset + 1
            )
        raise ReturnSignal(None if value_of is None else value_of(scope))

    return run


def _break(interp: Runner, node: ast.Break) -> Executor:
    def run(scope: Scope) -> None:
        raise Break

    return run


def _continue(interp: Runner, node: ast.Continue) -> Executor:
    def run(scope: Scope) -> None:
        raise Continue

    return run


def _nothing(scope: Scope) -> None:
    return None


def _pass(interp: Runner, node: ast.Pass) -> Executor:
    return _nothing


def _made(maker: Any) -> Any:
    """A maker that may decline (None): the interpreter's method runs those nodes."""

    def make(interp: Runner, node: ast.stmt) -> Executor:
        made = maker(interp, node)
        return made if made is not None else _fallback(interp, node)

    return make


_MAKERS: dict[type, Any] = {
    ast.Expr: _expr,
    ast.Assign: _assign,
    ast.AugAssign: _made(_augassign),
    ast.If: _if,
    ast.For: _for,
    ast.While: _while,
    ast.Return: _return,
    ast.Break: _break,
    ast.Continue: _continue,
    ast.Pass: _pass,
}
