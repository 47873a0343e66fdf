"""Which Python features and modules the corpus snippets (tests/corpus/*.py) use, and where.

A test-support tool for whoever extends the interpreter: the service stops at a snippet's first
unsupported construct, so the test summary names one blocker per snippet; this lists them all.

    python tests/tools/corpus_features.py            # feature -> snippets using it
    python tests/tools/corpus_features.py --by-file  # snippet -> features it uses
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NOTEBOOK_NAMES = {"torch", "nn", "F", "optim", "np", "math"}


def features(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    imported: set[str] = set()
    defined: set[str] = set()
    for node in ast.walk(tree):
        kind = type(node).__name__
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(f"import {alias.name}")
                imported.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            found.add(f"from {node.module} import ...")
            imported.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
            for decorator in node.decorator_list:
                found.add(f"decorator @{ast.unparse(decorator).split('(')[0]}")
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases] or ["(none)"]
                if not any(b.endswith("Module") for b in bases):
                    found.add(f"class base {', '.join(bases)}")
                if len(bases) > 1:
                    found.add("multiple inheritance")
            elif node.name.startswith("__") and node.name != "__init__":
                found.add(f"method {node.name}")
            if isinstance(node, ast.FunctionDef) and (node.args.vararg or node.args.kwarg):
                found.add("*args/**kwargs parameters")
        elif isinstance(
            node,
            ast.Lambda
            | ast.GeneratorExp
            | ast.Yield
            | ast.Try
            | ast.Global
            | ast.Nonlocal
            | ast.Assert
            | ast.SetComp
            | ast.DictComp
            | ast.Starred
            | ast.JoinedStr
            | ast.NamedExpr,
        ):
            found.add(kind)
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            found.add("%-formatting")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and node.attr != "__init__"
        ):
            found.add(f"attribute .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id
            in (
                "super",
                "isinstance",
                "hasattr",
                "getattr",
                "setattr",
                "iter",
                "next",
                "map",
                "type",
            )
        ):
            found.add(f"builtin {node.func.id}()")
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id in NOTEBOOK_NAMES
        ):
            found.add(f"name {node.id}")
    for name in NOTEBOOK_NAMES:
        if f"name {name}" in found:
            found.discard(f"name {name}")
            if name not in imported and name not in defined:
                found.add(f"pre-bound {name} (no import)")
    return found


def main() -> int:
    by_file = {
        p.name: features(ast.parse(p.read_text(encoding="utf-8")))
        for p in sorted(CORPUS.glob("*.py"))
    }
    if "--by-file" in sys.argv:
        for name, used in by_file.items():
            print(f"{name}: {', '.join(sorted(used))}")
        return 0
    by_feature: dict[str, list[str]] = defaultdict(list)
    for name, used in by_file.items():
        for feature in used:
            by_feature[feature].append(name)
    for feature, names in sorted(by_feature.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"{feature} ({len(names)}): {' '.join(n.removesuffix('.py') for n in names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
