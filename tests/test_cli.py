"""The command line: help text, and `gradtrace serve` answering /health with its flags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_DIR = Path(__file__).resolve().parents[1]


def _installed_from_this_checkout() -> bool:
    """Whether the installed gradtrace is this checkout (pip install -e). A console script of
    another checkout (a second git worktree sharing the virtualenv) would run that one's code."""
    try:
        origin = json.loads(distribution("gradtrace").read_text("direct_url.json") or "{}")
    except PackageNotFoundError:
        return False
    url = origin.get("url", "")
    return url.startswith("file://") and Path(url.removeprefix("file://")).resolve() == REPO_DIR


# The console script pip installs next to this interpreter (scripts/test.sh does the install).
CONSOLE_SCRIPT = (
    shutil.which("gradtrace", path=str(Path(sys.executable).parent))
    if _installed_from_this_checkout()
    else None
)


def test_module_help_lists_serve() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "--help"], cwd=REPO_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "serve" in result.stdout


@pytest.mark.skipif(CONSOLE_SCRIPT is None, reason="gradtrace is not pip-installed from here")
def test_serve_help_names_its_flags() -> None:
    assert CONSOLE_SCRIPT is not None
    result = subprocess.run([CONSOLE_SCRIPT, "serve", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for flag in ("--host", "--port", "--workers"):
        assert flag in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=REPO_DIR, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "usage: gradtrace" in result.stderr


def test_serve_answers_health_and_flags_beat_the_environment(serve: Any) -> None:
    command = [CONSOLE_SCRIPT] if CONSOLE_SCRIPT else [sys.executable, "-m", "app"]
    base_url, proc, log = serve([*command, "serve", "--workers", "1"], {"GRADTRACE_WORKERS": "3"})
    health = httpx.get(f"{base_url}/health", timeout=10).json()
    assert health["status"] == "ok"
    assert health["workers"] == 1
    proc.terminate()
    proc.wait(timeout=20)
    # SIGTERM is a graceful shutdown (uvicorn then re-raises it, hence no exit code 0 to check).
    output = log.read_text()
    assert "Application shutdown complete" in output
    assert "Traceback" not in output


def test_invalid_setting_is_reported_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--workers", "0"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "invalid setting" in result.stderr
    assert "Traceback" not in result.stderr
