"""scripts/setup.sh: serving installs only what serving needs; the tests install the rest.

The install steps are stubbed (no apt, no pip): what is checked is which of them each script
asks for.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SETUP = REPO_DIR / "scripts" / "setup.sh"


def asked_for(function: str, **env: str) -> list[str]:
    """The install steps ``function`` of setup.sh runs, one line each."""
    script = f"""
        source "{SETUP}"
        ensure_commands() {{ echo "commands $*"; }}
        ensure_venv() {{ echo "venv ${{1:-}}"; }}
        {function}
    """
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()


def test_serving_installs_graphviz_and_gradtrace_alone() -> None:
    assert asked_for("setup_for_serving") == ["commands dot:graphviz", "venv"]


def test_scale_out_serving_adds_the_scale_extra() -> None:
    steps = asked_for("setup_for_serving", GRADTRACE_REDIS_URL="redis://127.0.0.1:6379/0")
    assert steps == ["commands dot:graphviz", "venv scale"]


def test_the_tests_install_everything() -> None:
    commands, venv = asked_for("setup_for_tests")
    for command in ("dot", "chromium", "chromedriver", "redis-server", "docker-compose"):
        assert f" {command}:" in f" {commands.removeprefix('commands ')}"
    assert venv == "venv dev"


@pytest.mark.parametrize("tool", ["playwright", "hypothesis", "celery", "redis", "mypy"])
def test_serving_dependencies_leave_out_the_tools(tool: str) -> None:
    project = tomllib.loads((REPO_DIR / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith(tool)]
    extras = project["optional-dependencies"]
    assert any(d.startswith(tool) or d.startswith("gradtrace[") for d in extras["dev"])
