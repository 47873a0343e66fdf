"""Attribute reads compiled into closures (``x.grad``, ``self.linear``, ``torch.nn``)."""

from __future__ import annotations

import ast
from typing import Any

from app.lang.attributes import readable_by_class
from app.lang.closures.runner import Evaluator, Runner
from app.lang.scopes import Scope


def compile_attribute(interp: Runner, node: ast.Attribute) -> Evaluator | None:
    value = node.value
    if node.attr == "__name__" and value.__class__ is ast.Attribute and value.attr == "__class__":
        return None  # x.__class__.__name__: the interpreter's method answers with the string
    name = node.attr
    owner_of = interp.expression(value)

    # Bound as defaults rather than closed over (as in statements._placed_statement).
    def run(
        scope: Scope,
        interp: Runner = interp,
        node: ast.Attribute = node,
        owner_of: Evaluator = owner_of,
        name: str = name,
        readable: frozenset[type] = readable_by_class(name),  # x.grad on a tensor: by class
        get_attribute: Any = interp.get_attribute,
        max_steps: int = interp.max_steps,
    ) -> Any:
        steps = interp.steps = interp.steps + 1
        if steps > max_steps:
            interp.tick(0)
        owner = owner_of(scope)
        if owner.__class__ in readable:
            return getattr(owner, name)  # what Guard.get_attribute gives once it allowed it
        return get_attribute(owner, name, node)

    return run
