"""Calls compiled into closures: the callable, the arguments, then ``Guard.call`` with the
callable's owner and method name, as ``Interpreter.eval_Call`` does."""

from __future__ import annotations

import ast
from typing import Any

import torch

from app.lang.attributes import readable_by_class
from app.lang.closures.runner import Evaluator, Runner
from app.lang.errors import ProgramError
from app.lang.functions import ReturnSignal, make_super
from app.lang.scopes import Scope

Arguments = Any  # Callable[[Scope], tuple[list[Any], dict[str, Any]]]


def compile_call(interp: Runner, node: ast.Call) -> Evaluator:
    func_node = node.func
    arguments = _arguments(interp, node)
    max_steps = interp.max_steps

    if isinstance(func_node, ast.Attribute):
        method = func_node.attr
        owner_of = interp.expression(func_node.value)

        # Bound as defaults rather than closed over (as in statements._placed_statement).
        def method_call(
            scope: Scope,
            interp: Runner = interp,
            max_steps: int = max_steps,
            arguments: Arguments = arguments,
            node: ast.Call = node,
            func_node: ast.Attribute = func_node,
            owner_node: ast.expr = func_node.value,
            owner_of: Evaluator = owner_of,
            method: str = method,
            is_backward: bool = method == "backward",
            readable: frozenset[type] = readable_by_class(method),  # as in closures/attributes
            get_attribute: Any = interp.get_attribute,
        ) -> Any:
            steps = interp.steps = interp.steps + 1
            if steps > max_steps:
                interp.tick(0)
            owner = owner_of(scope)
            if owner.__class__ in readable:
                func = getattr(owner, method)
            else:
                func = get_attribute(owner, method, func_node)
            positional, keywords = arguments(scope)
            if is_backward and isinstance(owner, torch.Tensor):
                interp.record_backward_root(owner_node, owner)
            return _placed_call(interp, node, func, positional, keywords, owner, method)

        return method_call

    func_of = interp.expression(func_node)

    def function_call(
        scope: Scope,
        interp: Runner = interp,
        node: ast.Call = node,
        func_of: Evaluator = func_of,
        arguments: Arguments = arguments,
        max_steps: int = max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        func = func_of(scope)
        positional, keywords = arguments(scope)
        return _placed_call(interp, node, func, positional, keywords, None, None)

    if isinstance(func_node, ast.Name) and func_node.id == "super":
        return _super_call(interp, node, function_call)
    return function_call


def _super_call(interp: Runner, node: ast.Call, function_call: Evaluator) -> Evaluator:
    """``super()``, unless the program bound a ``super`` of its own (then a plain call)."""
    max_steps = interp.max_steps

    def super_call(scope: Scope) -> Any:
        if interp.is_shadowed("super", scope):
            return function_call(scope)  # the program's own ``super``: a plain call
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        return make_super(interp, interp.call_arguments(node, scope)[0], node)

    return super_call


def _placed_call(
    interp: Runner,
    node: ast.Call,
    func: Any,
    positional: list[Any],
    keywords: dict[str, Any],
    owner: Any,
    method: str | None,
) -> Any:
    """Guard.call, with what it raises placed at the call, in the program's words."""
    try:
        return interp.call(func, positional, keywords, owner=owner, method=method)
    except ProgramError as error:
        if error.line is None:
            error.line, error.column = node.lineno, node.col_offset + 1
        raise error from None
    except ReturnSignal:
        raise
    except Exception as exc:
        raise interp.runtime_error(exc, node) from None


def _arguments(interp: Runner, node: ast.Call) -> Arguments:
    """The call's positional and keyword arguments, evaluated in the order Python does."""
    starred = any(isinstance(arg, ast.Starred) for arg in node.args)
    if starred or any(keyword.arg is None for keyword in node.keywords):

        def unpacked(scope: Scope) -> tuple[list[Any], dict[str, Any]]:
            return interp.call_arguments(node, scope)  # *args and **kwargs: checked there

        return unpacked
    positional = [interp.expression(arg) for arg in node.args]
    named = [(str(keyword.arg), interp.expression(keyword.value)) for keyword in node.keywords]
    if not named and not positional:
        return _no_arguments
    if not named:

        def plain(
            scope: Scope, positional: list[Evaluator] = positional
        ) -> tuple[list[Any], dict[str, Any]]:
            return [arg(scope) for arg in positional], {}

        return plain

    def with_keywords(
        scope: Scope,
        positional: list[Evaluator] = positional,
        named: list[tuple[str, Evaluator]] = named,
    ) -> tuple[list[Any], dict[str, Any]]:
        args = [arg(scope) for arg in positional]
        return args, {name: value(scope) for name, value in named}

    return with_keywords


def _no_arguments(scope: Scope) -> tuple[list[Any], dict[str, Any]]:
    return [], {}  # a call without arguments (x.sum()): one function for all of them
