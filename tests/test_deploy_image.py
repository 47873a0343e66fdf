"""The Dockerfile and its entry point, checked without a Docker engine: what it copies exists,
its commands are the native CLI's, and the entry point script runs here as it would in the
image."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_DIR, free_port

DOCKERFILE = (REPO_DIR / "Dockerfile").read_text()
ENTRYPOINT = REPO_DIR / "scripts" / "docker-entrypoint.sh"
VENV_BIN = str(Path(sys.executable).parent)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", "", DOCKERFILE)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> dict[str, list[tuple[str, str]]]:
    """Instructions by build stage name."""
    result: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            current = result.setdefault(rest.split()[-1], [])
        current.append((keyword, rest))
    return result


def arg_default(name: str) -> str:
    (value,) = [r.split("=", 1)[1] for k, r in instructions() if k == "ARG" and r.startswith(name)]
    return value


def dockerignore() -> list[str]:
    lines = (REPO_DIR / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or path.split("/")[0] == pattern
        for pattern in dockerignore()
    )


def entrypoint(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The entry point script as the image runs it, with this venv's ``gradtrace`` on PATH."""
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GRADTRACE_")},
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "TMPDIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [str(ENTRYPOINT), *args],
        cwd=tmp_path,  # not the repository: the image has only the installed package
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_slim_python_311_in_two_stages() -> None:
    assert arg_default("PYTHON_VERSION") == "3.11"
    froms = [rest for keyword, rest in instructions() if keyword == "FROM"]
    assert froms == [
        "python:${PYTHON_VERSION}-slim-bookworm AS build",
        "python:${PYTHON_VERSION}-slim-bookworm AS runtime",
    ]
    runtime = stages()["runtime"]
    assert ("COPY", "--from=build /opt/venv /opt/venv") in runtime


def test_cpu_torch_by_default_and_a_build_argument_for_cuda() -> None:
    assert arg_default("TORCH_VARIANT") == "cpu"
    setup = (REPO_DIR / "scripts" / "setup.sh").read_text()
    assert f'TORCH_VERSION="{arg_default("TORCH_VERSION")}"' in setup  # the same torch as CI
    assert arg_default("TORCH_VERSION") == "2.13.0"
    assert any(
        'pip install "torch==${TORCH_VERSION}"' in rest
        and "https://download.pytorch.org/whl/${TORCH_VARIANT}" in rest
        for keyword, rest in stages()["build"]
        if keyword == "RUN"
    )


def test_layers_go_from_torch_to_dependencies_to_code() -> None:
    build = [f"{k} {r}" for k, r in stages()["build"]]
    torch_at = next(i for i, line in enumerate(build) if "torch==" in line)
    deps_at = next(i for i, line in enumerate(build) if "COPY pyproject.toml" in line)
    code_at = next(i for i, line in enumerate(build) if line.startswith("COPY app"))
    assert torch_at < deps_at < code_at


def test_graphviz_from_debian_and_a_non_root_user() -> None:
    runtime = stages()["runtime"]
    assert any(k == "RUN" and "apt-get install" in r and "graphviz" in r for k, r in runtime)
    (user,) = [r for k, r in runtime if k == "USER"]
    assert user not in ("root", "0")
    assert any(k == "RUN" and "useradd" in r and user in r for k, r in runtime)
    assert [k for k, _ in runtime].index("USER") > max(
        i for i, (k, _) in enumerate(runtime) if k == "RUN"
    )  # nothing runs as root after the switch


def test_healthcheck_entrypoint_and_command_use_the_entry_point_script() -> None:
    runtime = dict(stages()["runtime"])
    assert "docker-entrypoint.sh" in runtime["HEALTHCHECK"]
    assert json.loads(runtime["HEALTHCHECK"].split("CMD", 1)[1]) == [
        "docker-entrypoint.sh",
        "health",
    ]
    assert json.loads(runtime["ENTRYPOINT"]) == ["docker-entrypoint.sh"]
    assert json.loads(runtime["CMD"]) == ["serve"]
    assert (
        "COPY",
        "scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh",
    ) in stages()["runtime"]
    assert os.access(ENTRYPOINT, os.X_OK)


def test_everything_copied_exists_and_is_in_the_build_context() -> None:
    sources = [
        rest.split()[:-1]
        for keyword, rest in instructions()
        if keyword == "COPY" and not rest.startswith("--from")
    ]
    for group in sources:
        for source in group:
            assert (REPO_DIR / source).exists(), source
            assert not ignored(source), f"{source} is excluded by .dockerignore"


def test_dockerignore_keeps_the_context_small() -> None:
    for path in (".git", ".venv", "data", "tests", "app/__pycache__", "bench"):
        assert ignored(path), path


def test_the_dependency_list_the_image_installs(tmp_path: Path) -> None:
    """The build stage's requirements command, run here on the real pyproject.toml."""
    (command,) = [r for k, r in stages()["build"] if k == "RUN" and "tomllib" in r]
    listing = command.split(" > /tmp/requirements.txt")[0].replace("python ", "", 1)
    result = subprocess.run(
        f'"{sys.executable}" {listing}',
        shell=True,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    requirements = result.stdout.split()
    assert any(r.startswith("fastapi") for r in requirements)
    assert any(r.startswith("celery[redis]") for r in requirements)  # the scale-out extra
    assert not any(r.startswith("torch") for r in requirements)  # installed from its index


def test_the_entry_point_runs_the_native_cli(tmp_path: Path) -> None:
    serve = entrypoint("serve", "--help", tmp_path=tmp_path)
    assert serve.returncode == 0 and "usage: gradtrace serve" in serve.stdout
    worker = entrypoint("worker", "--help", tmp_path=tmp_path)
    assert worker.returncode == 0 and "usage: gradtrace worker" in worker.stdout
    # The worker's own refusal, unchanged: no Redis, no worker.
    refused = entrypoint("worker", tmp_path=tmp_path)
    assert refused.returncode == 2 and "GRADTRACE_REDIS_URL is needed" in refused.stderr
    # Anything else runs as given.
    assert entrypoint("echo", "hello", tmp_path=tmp_path).stdout == "hello\n"


def test_the_health_command_checks_a_web_replica(live_server: str, tmp_path: Path) -> None:
    port = httpx.URL(live_server).port
    assert entrypoint("serve", "--help", tmp_path=tmp_path).returncode == 0  # role: serve
    healthy = entrypoint("health", tmp_path=tmp_path, GRADTRACE_PORT=str(port))
    assert healthy.returncode == 0, healthy.stderr
    down = entrypoint("health", tmp_path=tmp_path, GRADTRACE_PORT=str(free_port()))
    assert down.returncode != 0


@pytest.mark.parametrize("path", ["Dockerfile", "docker-compose.yml", "docker-compose.gpu.yml"])
def test_deploy_files_are_documented(path: str) -> None:
    docs = (REPO_DIR / "docs" / "deploy.md").read_text()
    assert path in docs
