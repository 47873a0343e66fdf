"""app.lang's modules import each other without a cycle, type-level imports included.

Every ``import`` in a module counts, also those under ``if TYPE_CHECKING:`` or inside a
function: a cycle there is still a cycle a reader must hold in their head. ``from app.lang import
x`` counts as importing the module ``app.lang.x`` when there is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

LANG = Path(__file__).resolve().parents[1] / "app" / "lang"


def module_name(path: Path) -> str:
    relative = path.relative_to(LANG.parent.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def lang_modules() -> dict[str, Path]:
    return {module_name(p): p for p in LANG.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            # "from app.lang import x": the submodule x, not the package, when x is one
            if any(f"{node.module}.{alias.name}" in known for alias in node.names):
                names.remove(node.module)
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def test_app_lang_has_no_import_cycle() -> None:
    modules = lang_modules()
    known = set(modules)
    graph = {name: imports_of(path, known) - {name} for name, path in modules.items()}
    graph["app.lang"] = set()  # the package's __init__ only re-exports: it is never a step
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for child in sorted(graph[name]):
            if state.get(child) == "open":
                cycle = [*trail[trail.index(child) :], child] if child in trail else [name, child]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if child not in state:
                visit(child, [*trail, child])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_package_init_only_re_exports() -> None:
    tree = ast.parse((LANG / "__init__.py").read_text())
    kinds = {type(node) for node in tree.body}
    assert kinds <= {ast.Expr, ast.ImportFrom, ast.Assign}, kinds
