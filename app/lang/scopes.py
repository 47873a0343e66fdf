"""Name resolution for programs: module, function, class and comprehension scopes.

Functions follow Python's rule: a name assigned anywhere in the body is local to the function;
other names are read from enclosing functions, then the module, then the builtins.
"""

from __future__ import annotations

import ast
from typing import Any

from app.lang.errors import ProgramError


class Scope:
    """One level of names. ``local_names`` is None where every name is local (module, class)."""

    __slots__ = ("builtins", "local_names", "parent", "vars")

    def __init__(
        self,
        vars: dict[str, Any],
        *,
        local_names: frozenset[str] | None = None,
        parent: Scope | None = None,
        builtins: dict[str, Any] | None = None,
    ):
        self.vars = vars
        self.local_names = local_names
        self.parent = parent
        self.builtins = builtins if builtins is not None else (parent.builtins if parent else {})

    def lookup(self, name: str, node: ast.AST) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            if scope.local_names is not None and name in scope.local_names:
                raise _name_error(
                    f"UnboundLocalError: local variable '{name}' referenced before assignment",
                    node,
                )
            scope = scope.parent
        if name in self.builtins:
            return self.builtins[name]
        if name == "__name__":
            return "__main__"
        raise _name_error(f"NameError: name '{name}' is not defined", node)

    def store(self, name: str, value: Any) -> None:
        self.vars[name] = value

    def delete(self, name: str, node: ast.AST) -> None:
        if name not in self.vars:
            raise _name_error(f"NameError: name '{name}' is not defined", node)
        del self.vars[name]


def _name_error(message: str, node: ast.AST) -> ProgramError:
    return ProgramError("runtime", message, node.lineno, node.col_offset + 1)  # type: ignore[attr-defined]


def assigned_names(body: list[ast.stmt], arguments: ast.arguments | None = None) -> frozenset[str]:
    """Names a function body binds (its locals), not counting nested defs or comprehensions."""
    names: set[str] = set()
    if arguments is not None:
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        names.update(a.arg for a in every)
        names.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            continue  # their bodies are their own scopes
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(names)


def target_names(target: ast.AST) -> frozenset[str]:
    """Names bound by a comprehension's ``for`` target."""
    return frozenset(
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    )
