"""Shared fixtures: a real gradtrace server over loopback, and an HTTP client for it.

The server is the real thing (``python -m app serve`` in a subprocess, two warm workers), so
API tests go through uvicorn, the middleware, the pool and the worker fence exactly as users do.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
ServeFactory = Callable[..., tuple[str, "subprocess.Popen[bytes]", Path]]
# Spawning workers imports torch; on a loaded 2-core machine start-up can take a while.
START_DEADLINE_S = 120.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /health until it answers 200; fail early, with the server's log, if it exits."""
    deadline = time.monotonic() + START_DEADLINE_S
    delay = 0.05
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(delay)  # polling interval, grows so a slow start is not hammered
        delay = min(delay * 2, 0.5)
    pytest.fail(f"server not healthy after {START_DEADLINE_S:.0f} s:\n{_tail(log)}")


def start_server(
    args: list[str], tmp_dir: Path, env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[bytes], Path]:
    """Start ``args`` (a serve command without --port) on a free port; wait until healthy."""
    port = free_port()
    log = tmp_dir / f"server-{port}.log"
    full_env = {
        **os.environ,
        "GRADTRACE_DATA_DIR": str(tmp_dir / "data"),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*args, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_DIR,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, proc, log)
    except BaseException:
        stop_server(proc)
        raise
    return base_url, proc, log


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn shuts the pool down), then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(log: Path, chars: int = 4_000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a gradtrace server with 2 workers, shared by the whole session."""
    tmp_dir = tmp_path_factory.mktemp("live_server")
    command = [sys.executable, "-m", "app", "serve", "--workers", "2"]
    # Every test shares this server from one address: the per-client limit would throttle
    # the suite itself (tests/test_api_ratelimit.py checks the limit on a server of its own).
    env = {"GRADTRACE_RATE_LIMIT_PER_MINUTE": "1000000", "GRADTRACE_RATE_LIMIT_BURST": "100000"}
    base_url, proc, _ = start_server(command, tmp_dir, env)
    yield base_url
    stop_server(proc)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeFactory]:
    """Start extra servers from a test (``serve(args, env) -> (base_url, proc, log)``);
    any still running are stopped after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(
        args: list[str], env: dict[str, str] | None = None
    ) -> tuple[str, subprocess.Popen[bytes], Path]:
        base_url, proc, log = start_server(args, tmp_path, env)
        procs.append(proc)
        return base_url, proc, log

    yield start
    for proc in procs:
        stop_server(proc)


@pytest.fixture
def client(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live server; generous timeout, tests assert their own times."""
    with httpx.Client(base_url=live_server, timeout=60) as http:
        yield http


def slow_config(epochs: int) -> dict[str, Any]:
    """A run slow enough to act on while it trains: a 1-64-64-1 MLP, 2,000 rows in batches of 32
    (63 steps per epoch, some 20-60 ms an epoch here), so it is still running when a test
    disconnects, cancels or stops the server after a few epochs."""
    return {
        "model": {
            "layers": [
                {"type": "linear", "in_features": 1, "out_features": 64},
                {"type": "relu"},
                {"type": "linear", "in_features": 64, "out_features": 64},
                {"type": "relu"},
                {"type": "linear", "in_features": 64, "out_features": 1},
            ]
        },
        "data": {
            "synthetic": {"kind": "regression", "n_samples": 2000, "noise": 5.0, "random_state": 1}
        },
        "loss": {"type": "mse"},
        "optimizer": {"type": "sgd", "lr": 0.001},
        "epochs": epochs,
        "batch_size": 32,
        "device": "cpu",
    }


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After a run that included tests/test_corpus.py: how many snippets were refused and why."""
    from tests.corpus_support import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("tutorial corpus (tests/corpus)")
        for line in lines:
            terminalreporter.write_line(line)
