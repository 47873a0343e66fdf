"""The import rules of docs/architecture.md hold: read from its rules block, checked on every
import statement of app/ (module level, inside functions, under TYPE_CHECKING alike)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
APP_DIR = REPO_DIR / "app"
DOC = REPO_DIR / "docs" / "architecture.md"


def rules() -> dict[str, list[str]]:
    """Room -> the rooms it may not import, from the doc's rules block."""
    text = DOC.read_text()
    block = re.search(r"<!-- import rules:.*?-->\s*```text\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md lost its import rules block"
    table: dict[str, list[str]] = {}
    for line in block.group(1).splitlines():
        if line.strip():
            rooms, _, forbidden = line.partition(":")
            for room in rooms.split(","):
                table.setdefault(room.strip(), []).extend(f.strip() for f in forbidden.split(","))
    return table


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(APP_DIR.rglob("*.py")):
        if "examples" not in path.relative_to(APP_DIR).parts:  # programs for the page
            yield module_name(path), path


def imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every app module ``path`` imports, with the line of the import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from app.jobs import protocol` imports the module app.jobs.protocol
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name == "app" or name.startswith("app."):
                yield name, node.lineno


def in_room(module: str, room: str) -> bool:
    return module == f"app.{room}" or module.startswith(f"app.{room}.")


def test_the_rules_name_rooms_that_exist() -> None:
    modules = {name for name, _ in app_modules()}
    for room, forbidden in rules().items():
        for name in (room, *forbidden):
            assert any(in_room(m, name) for m in modules), f"no room app.{name}"


def test_no_module_imports_a_room_it_may_not() -> None:
    table = rules()
    broken = []
    for module, path in app_modules():
        for room, forbidden in table.items():
            if not in_room(module, room):
                continue
            for name, line in imported(module, path):
                broken += [
                    f"{path.relative_to(REPO_DIR)}:{line}: {room} imports {name}"
                    for other in forbidden
                    if in_room(name, other)
                ]
    assert not broken, "see docs/architecture.md:\n" + "\n".join(broken)


def loaded_by(module: str) -> set[str]:
    """The modules a fresh interpreter holds after ``import module``."""
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "app.jobs.worker.process",
        "app.jobs.worker.graph_jobs",
        "app.jobs.worker.training_jobs",
        "app.jobs.worker.fence",
    ],
)
def test_worker_modules_load_neither_torch_nor_the_interpreter(module: str) -> None:
    loaded = loaded_by(module)
    assert not {"torch", "numpy", "app.lang"} & loaded, "a worker imports them past its fence"


def test_an_embedded_server_loads_neither_celery_nor_redis() -> None:
    loaded = loaded_by("app.main")
    assert not {"celery", "kombu", "redis"} & loaded, "scripts/serve.sh does not install them"
    assert not [m for m in loaded if m.startswith("app.jobs.celery")]
