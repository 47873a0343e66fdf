"""Helpers for the scale-out tests: a real redis-server, and gradtrace processes around it.

Redis is Debian's ``redis-server`` (scripts/test.sh installs it), started by the tests on a free
loopback port with a temporary directory and ``--appendonly yes``; no Docker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import REPO_DIR, free_port, slow_config  # noqa: F401 (re-exported)
from tests.sse_client import Event, sse_events

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (scripts/test.sh installs it)"
)


class RedisServer:
    """One redis-server with append-only persistence in ``directory``; restartable in place."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        log = (self.directory / "redis.log").open("ab")
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.directory), "--appendonly", "yes", "--save", ""]
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)  # polling interval while redis-server starts

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes its append-only file, then exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)  # keep it down a while, as a real restart would be
        self.start()


def scale_env(server: RedisServer, **extra: str) -> dict[str, str]:
    """Environment of a scale-out web or worker process using ``server``."""
    return {"GRADTRACE_REDIS_URL": server.url, "PYTHONUNBUFFERED": "1", **extra}


def start_worker(
    tmp_dir: Path, env: dict[str, str], *args: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """``python -m app worker ARGS`` in its own process group; returns it and its log."""
    log = tmp_dir / f"worker-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", *args],
            cwd=REPO_DIR,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a test can kill the worker with all its children
        )
    return proc, log


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """Kill a worker and its pool children (a cold stop: its jobs are abandoned)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


# --- a small SSE client -----------------------------------------------------------------------


def read_events(
    base_url: str,
    run_id: str,
    *,
    last_event_id: int | None = None,
    take: int | None = None,
    deadline_s: float = 120.0,
    into: list[Event] | None = None,
) -> tuple[list[Event], bool]:
    """GET a run's events from ``base_url``: (events, whether the server ended the stream).

    ``take`` disconnects after that many events, as a client that goes away would. ``into``
    collects the events as they arrive, so a caller keeps them when the connection breaks.
    """
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    events: list[Event] = [] if into is None else into
    timeout = httpx.Timeout(deadline_s, connect=10)
    with httpx.stream(
        "GET", f"{base_url}/api/runs/{run_id}/events", headers=headers, timeout=timeout
    ) as response:
        assert response.status_code == 200, response.read()
        for event in sse_events(response.iter_lines()):
            events.append(event)
            if take is not None and len(events) >= take:
                return events, False
    return events, True


def wait_until(check: Any, deadline_s: float = 60.0, what: str = "condition") -> Any:
    """Poll ``check()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + deadline_s
    delay = 0.02
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(delay)  # a poll interval: the state lives in other processes
        delay = min(delay * 2, 0.25)
