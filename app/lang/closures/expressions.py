"""Expressions compiled into closures: names, constants, operators, attributes, subscripts,
tuples and lists, conditions. Each closure counts one step, as ``Interpreter.evaluate`` does,
then does what the interpreter's ``eval_*`` method for its node does."""

from __future__ import annotations

import ast
from typing import Any

import app.lang.operators as operators
from app.lang.builtins import TypeName, as_type
from app.lang.closures.attributes import compile_attribute
from app.lang.closures.calls import compile_call
from app.lang.closures.runner import Evaluator, Handler, Runner
from app.lang.errors import NotAllowed
from app.lang.scopes import Scope

# Plain numbers: an operator on two of them needs no size check, except the ones that can make an
# integer huge (2 ** 10**8, 1 << 10**9, repeated squaring by *). As Interpreter.binary.
_NUMBERS = frozenset({int, float, bool})
_GROWING = frozenset({"**", "*", "<<"})
_IDENTITY = frozenset({ast.Is, ast.IsNot})
_NO_SIZE_CHECK = (ast.Is, ast.IsNot, ast.In, ast.NotIn)
_MISSING = object()


def compile_expression(interp: Runner, node: ast.expr) -> Evaluator:
    """The closure for ``node``: its own, or the interpreter's method for its kind."""
    maker = _MAKERS.get(node.__class__)
    if maker is not None:
        made: Evaluator | None = maker(interp, node)
        if made is not None:
            return made
    return _fallback(interp, node)


def _fallback(interp: Runner, node: ast.expr) -> Evaluator:
    handler = interp.expression_handler(node)
    max_steps = interp.max_steps
    if handler is None:
        kind = type(node).__name__

        def refused(scope: Scope) -> Any:
            steps = interp.steps = interp.steps + 1
            if steps > max_steps:
                interp.tick(0)
            raise NotAllowed(f"'{kind}' expressions are not supported", *_pos(node))

        return refused

    def run(
        scope: Scope,
        interp: Runner = interp,
        node: ast.expr = node,
        handler: Handler = handler,
        max_steps: int = max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        return handler(interp, node, scope)

    return run


def _constant(interp: Runner, node: ast.Constant) -> Evaluator:
    # Bound as defaults rather than closed over (as in statements._placed_statement).
    def run(
        scope: Scope,
        interp: Runner = interp,
        value: Any = node.value,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        return value

    return run


def _name(interp: Runner, node: ast.Name) -> Evaluator:
    def run(
        scope: Scope,
        interp: Runner = interp,
        node: ast.Name = node,
        name: str = node.id,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        if scope.declared is None:  # Scope.lookup's first answer, without the call
            value = scope.vars.get(name, _MISSING)
            if value is not _MISSING:
                return value
        return scope.lookup(name, node)

    return run


def _binop(interp: Runner, node: ast.BinOp) -> Evaluator:
    left_of = interp.expression(node.left)
    right_of = interp.expression(node.right)
    symbol = operators.SYMBOLS[type(node.op)]
    operation = operators.BINARY[symbol]
    growing = symbol in _GROWING
    is_product = symbol == "*"

    def run(
        scope: Scope,
        interp: Runner = interp,
        left_of: Evaluator = left_of,
        right_of: Evaluator = right_of,
        symbol: str = symbol,
        operation: Any = operation,
        growing: bool = growing,
        is_product: bool = is_product,
        max_int_bits: int = interp.limits.max_int_bits,
        binary: Any = interp.binary,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        left = left_of(scope)
        right = right_of(scope)
        if (
            left.__class__ in _NUMBERS
            and right.__class__ in _NUMBERS
            and (not growing or left.__class__ is float or right.__class__ is float)
        ):
            return operation(left, right)  # as Interpreter.binary's first case
        if (
            is_product
            and left.__class__ is int
            and right.__class__ is int
            and left.bit_length() + right.bit_length() <= max_int_bits
        ):
            return left * right  # i * j: what operators.check_binary lets through
        return binary(symbol, left, right)

    return run


def _unaryop(interp: Runner, node: ast.UnaryOp) -> Evaluator:
    operand_of = interp.expression(node.operand)
    operation = operators.UNARY[type(node.op)]
    max_steps = interp.max_steps

    def run(scope: Scope) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        return interp.account(operation(operand_of(scope)))

    return run


def _boolop(interp: Runner, node: ast.BoolOp) -> Evaluator:
    operands = [interp.expression(value) for value in node.values]
    is_and = isinstance(node.op, ast.And)
    max_steps = interp.max_steps

    def run(scope: Scope) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        value: Any = None
        for operand in operands:
            value = operand(scope)
            if bool(value) is not is_and:  # and: stop at a false value; or: at a true one
                return value
        return value

    return run


def _ifexp(interp: Runner, node: ast.IfExp) -> Evaluator:
    test, body, orelse = (interp.expression(n) for n in (node.test, node.body, node.orelse))
    max_steps = interp.max_steps

    def run(scope: Scope) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        return body(scope) if test(scope) else orelse(scope)

    return run


def _compare(interp: Runner, node: ast.Compare) -> Evaluator:
    left_of = interp.expression(node.left)
    parts = [
        (op.__class__, operators.COMPARE[op.__class__], interp.expression(comparator))
        for op, comparator in zip(node.ops, node.comparators, strict=True)
    ]
    chained = len(parts) > 1
    limits = interp.limits
    max_steps = interp.max_steps

    def run(scope: Scope) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        left = left_of(scope)
        result: Any = True
        for kind, operation, right_of in parts:
            right = right_of(scope)
            if left.__class__ in _NUMBERS and right.__class__ in _NUMBERS:
                result = operation(left, right)
            elif kind in _IDENTITY and TypeName in (left.__class__, right.__class__):
                # type(x) is nn.Linear: what type() gave stands for its class
                result = operation(_class_of(left), _class_of(right))
            else:
                if not issubclass(kind, _NO_SIZE_CHECK):
                    operators.check_binary("+", left, right, limits)  # broadcast size
                result = interp.account(operation(left, right))
            if chained and not result:
                return result
            left = right
        return result

    return run


def _subscript(interp: Runner, node: ast.Subscript) -> Evaluator:
    owner_of = interp.expression(node.value)
    index_of = interp.expression(node.slice)

    def run(
        scope: Scope,
        interp: Runner = interp,
        owner_of: Evaluator = owner_of,
        index_of: Evaluator = index_of,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        owner = owner_of(scope)
        return interp.subscript(owner, index_of(scope))

    return run


def _sequence(interp: Runner, node: ast.Tuple | ast.List) -> Evaluator | None:
    if any(isinstance(element, ast.Starred) for element in node.elts):
        return None  # the interpreter's method unpacks them
    elements = [interp.expression(element) for element in node.elts]

    def run(
        scope: Scope,
        interp: Runner = interp,
        elements: list[Evaluator] = elements,
        as_tuple: bool = isinstance(node, ast.Tuple),
        limits: Any = interp.limits,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        items = [element(scope) for element in elements]
        operators.check_length(items, limits)
        return tuple(items) if as_tuple else items

    return run


def _class_of(value: Any) -> Any:
    return value.cls if isinstance(value, TypeName) else as_type(value)


def _pos(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (None if column is None else column + 1)


_MAKERS: dict[type, Any] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.BinOp: _binop,
    ast.UnaryOp: _unaryop,
    ast.BoolOp: _boolop,
    ast.IfExp: _ifexp,
    ast.Compare: _compare,
    ast.Subscript: _subscript,
    ast.Tuple: _sequence,
    ast.List: _sequence,
    ast.Attribute: compile_attribute,
    ast.Call: compile_call,
}
