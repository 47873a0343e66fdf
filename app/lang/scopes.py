"""Name resolution for programs: module, function, class and comprehension scopes.

Functions follow Python's rule: a name assigned anywhere in the body is local to the function;
other names are read from enclosing functions, then the module, then the builtins.
"""

from __future__ import annotations

import ast
from typing import Any

from app.lang.errors import ProgramError, runtime_error_of


class Scope:
    """One level of names. ``local_names`` is None where every name is local (module, class)."""

    __slots__ = ("builtins", "declared", "local_names", "module", "parent", "vars")

    def __init__(
        self,
        vars: dict[str, Any],
        *,
        local_names: frozenset[str] | None = None,
        parent: Scope | None = None,
        builtins: dict[str, Any] | None = None,
        declared: dict[str, str] | None = None,
    ):
        self.vars = vars
        self.local_names = local_names
        self.parent = parent
        self.builtins: dict[str, Any] = (
            builtins if builtins is not None else (parent.builtins if parent else {})
        )
        self.module: Scope = parent.module if parent is not None else self
        # names the function declared ``global`` or ``nonlocal``: "global" | "nonlocal"
        self.declared = declared

    def owner_of(self, name: str, node: ast.AST | None = None) -> Scope:
        """The scope a ``global``/``nonlocal`` name of this function lives in."""
        assert self.declared is not None
        if self.declared[name] == "global":
            return self.module
        assert self.parent is not None
        return self.parent.enclosing_function_of(name, node)

    def enclosing_function_of(self, name: str, node: ast.AST | None = None) -> Scope:
        """The nearest function scope, from this one out, where ``name`` is local."""
        scope: Scope | None = self
        while scope is not None and scope is not self.module:
            if scope.local_names is not None and (name in scope.local_names or name in scope.vars):
                return scope
            scope = scope.parent
        where = _where(node) if node is not None else (None, None)
        raise ProgramError("syntax", f"no binding for nonlocal '{name}' found", *where)

    def lookup(self, name: str, node: ast.AST) -> Any:
        if self.declared is not None and name in self.declared:
            return self.owner_of(name, node).lookup(name, node)
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            if scope.local_names is not None and name in scope.local_names:
                raise _name_error(
                    UnboundLocalError(
                        f"cannot access local variable '{name}' where it is not associated "
                        "with a value"
                    ),
                    node,
                )
            scope = scope.parent
        if name in self.builtins:
            return self.builtins[name]
        if name == "__name__":
            return "__main__"
        raise _name_error(NameError(f"name '{name}' is not defined"), node)

    def store(self, name: str, value: Any) -> None:
        if self.declared is not None and name in self.declared:
            self.owner_of(name).vars[name] = value
            return
        self.vars[name] = value

    def delete(self, name: str, node: ast.AST) -> None:
        if self.declared is not None and name in self.declared:
            self.owner_of(name, node).delete(name, node)
            return
        if name not in self.vars:
            raise _name_error(NameError(f"name '{name}' is not defined"), node)
        del self.vars[name]


class ComprehensionScope(Scope):
    """The scope of a comprehension's own variables (a walrus inside binds outside it)."""

    __slots__ = ()


def _where(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (None if column is None or column < 0 else column + 1)


def _name_error(exc: NameError, node: ast.AST) -> ProgramError:
    return runtime_error_of(exc, node.lineno, node.col_offset + 1)  # type: ignore[attr-defined]


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
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
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


def declared_names(body: list[ast.stmt]) -> dict[str, str]:
    """Names a function body declares ``global`` or ``nonlocal`` (not counting nested defs)."""
    declared: dict[str, str] = {}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Global):
            declared.update(dict.fromkeys(node.names, "global"))
        elif isinstance(node, ast.Nonlocal):
            declared.update(dict.fromkeys(node.names, "nonlocal"))
        stack.extend(ast.iter_child_nodes(node))
    return declared


def is_generator_body(body: list[ast.stmt]) -> bool:
    """Whether ``yield`` appears in the body itself (not in a nested def, class or lambda)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def target_names(target: ast.AST) -> frozenset[str]:
    """Names bound by a comprehension's ``for`` target."""
    return frozenset(
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    )
