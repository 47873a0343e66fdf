"""Every hostile program over HTTP, against a real server with fenced workers.

Each must come back as a 4xx JSON error naming the problem, never a 5xx, within the job time
limit. The whole batch runs once (two requests at a time, one per worker, so each elapsed time
is the program's own), then the server must still answer /health and the seed program. Two
programs only the OS fence can stop, a runaway computation and a memory hog, must not disturb
the requests running beside them.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.envelope import PROGRAM_ERROR_STATUS
from app.config import Settings
from app.lang import run_program
from app.schemas import SEED_PROGRAM
from tests.security.conftest import (
    JOB_TIMEOUT_S,
    SERVER_WORKERS,
    HostileServer,
    files_under,
    marked_files,
    process_tree_rss_mb,
)
from tests.security.hostile_programs import HOSTILE, MEMORY_HOG, RUNAWAY, Hostile

# A refused program answers in well under a second; one that runs to max_steps in about two; a
# killed worker is replaced in the background. Nothing may come near the job time limit.
TIME_BOUND_S = JOB_TIMEOUT_S + 5.0
MAX_BODY_BYTES = Settings().max_body_bytes
# The server and its workers, after all of it: warm workers hold torch (~400 MB each).
RSS_BOUND_MB = 2_500.0


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    elapsed: float


@dataclass
class Batch:
    outcomes: dict[str, Outcome]
    new_files: set[Path]
    new_marked: set[Path]
    seconds: float


def post(url: str, source: str) -> Outcome:
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/api/graph", json={"source": source, "render_svg": False}, timeout=60
    )
    elapsed = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = {"raw": response.text[:500]}
    return Outcome(response.status_code, body, elapsed)


def server_files(server: HostileServer) -> set[Path]:
    data = server.log.parent / "data"
    return files_under(server.home, server.tmp, *([data] if data.is_dir() else []))


@pytest.fixture(scope="module")
def batch(hostile_server: HostileServer) -> Batch:
    files_before, marked_before = server_files(hostile_server), set(marked_files())
    started = time.perf_counter()
    with ThreadPoolExecutor(SERVER_WORKERS) as pool:
        results = pool.map(lambda h: (h.id, post(hostile_server.url, h.source)), HOSTILE)
        outcomes = dict(results)
    seconds = time.perf_counter() - started
    return Batch(
        outcomes,
        server_files(hostile_server) - files_before,
        set(marked_files()) - marked_before,
        seconds,
    )


@pytest.mark.parametrize("program", HOSTILE, ids=[h.id for h in HOSTILE])
def test_hostile_program_is_refused_over_http(program: Hostile, batch: Batch) -> None:
    outcome = batch.outcomes[program.id]
    assert outcome.status < 500, outcome.body
    if len(program.source.encode()) > MAX_BODY_BYTES:
        # the HTTP edge refuses it before any worker sees it
        assert outcome.status == 413, outcome.body
        assert "max_body_bytes" in outcome.body["error"]["message"]
        return
    assert outcome.status == PROGRAM_ERROR_STATUS[program.error], outcome.body
    error = outcome.body["error"]
    assert set(error) >= {"type", "message", "line", "column"}
    assert outcome.elapsed < TIME_BOUND_S, f"took {outcome.elapsed:.1f} s"
    if program.word == "max_steps" and error["type"] == "timeout":
        # A loop meets whichever guard comes first: at a few microseconds a step, the server's
        # 2,000,000 steps can outlast the 5 s job limit on a busy two-core machine.
        assert error["limit"] == "job_timeout_s", error
        return
    assert error["type"] == program.error, error
    assert program.word.lower() in error["message"].lower(), error
    if program.error == "limit":
        assert error["limit"] == program.word, error
    if program.positioned:
        assert error["line"] is not None and error["column"] is not None, error


def test_the_batch_left_no_files_and_a_healthy_server(
    batch: Batch, hostile_client: httpx.Client, hostile_server: HostileServer
) -> None:
    print(f"{len(batch.outcomes)} programs over HTTP in {batch.seconds:.1f} s")
    assert not batch.new_files, sorted(batch.new_files)[:10]
    assert not batch.new_marked, sorted(batch.new_marked)
    assert hostile_client.get("/health").status_code == 200
    assert_seed_program_works(hostile_client)
    assert process_tree_rss_mb(hostile_server.pid) < RSS_BOUND_MB


def test_runaway_is_killed_by_the_time_limit_and_others_are_unaffected(
    batch: Batch, hostile_client: httpx.Client, hostile_server: HostileServer
) -> None:
    workers_before = worker_pids(hostile_server)
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(post, hostile_server.url, RUNAWAY)
        time.sleep(0.5)  # let it take a worker
        for _ in range(3):  # the other worker keeps serving meanwhile
            started = time.perf_counter()
            assert_seed_program_works(hostile_client)
            assert time.perf_counter() - started < 3.0
        outcome = runaway.result()
    assert outcome.status == 422, outcome.body
    error = outcome.body["error"]
    assert (error["type"], error["limit"]) == ("timeout", "job_timeout_s"), error
    assert JOB_TIMEOUT_S <= outcome.elapsed < TIME_BOUND_S
    assert hostile_client.get("/health").status_code == 200
    assert_seed_program_works(hostile_client)
    # the runaway's worker was killed and a fresh one takes its place (pebble starts it in the
    # background, so wait for it with a deadline)
    deadline = time.monotonic() + 30
    while not worker_pids(hostile_server) - workers_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker_pids(hostile_server) - workers_before


def test_memory_hog_is_stopped_by_the_os_fence(
    batch: Batch, hostile_client: httpx.Client, hostile_server: HostileServer
) -> None:
    # the interpreter's estimators see nothing wrong with the program: a tenth of it runs
    assert run_program(MEMORY_HOG.replace("range(19)", "range(2)")).stdout == "2\n"
    with ThreadPoolExecutor(1) as pool:
        hog = pool.submit(post, hostile_server.url, MEMORY_HOG)
        time.sleep(0.2)
        assert_seed_program_works(hostile_client)
        outcome = hog.result()
    assert outcome.status == 422, outcome.body
    error = outcome.body["error"]
    # RLIMIT_DATA makes the allocation fail (a limit error); a worker the kernel killed
    # instead would be a crash. Either way the fence, not the interpreter, stopped it.
    assert error["type"] in ("limit", "crash"), error
    if error["type"] == "limit":
        assert error["limit"] == "worker_memory_mb", error
    assert outcome.elapsed < TIME_BOUND_S
    assert hostile_client.get("/health").status_code == 200
    assert_seed_program_works(hostile_client)
    assert process_tree_rss_mb(hostile_server.pid) < RSS_BOUND_MB


def assert_seed_program_works(client: httpx.Client) -> None:
    response = client.post("/api/graph", json={"source": SEED_PROGRAM, "render_svg": False})
    assert response.status_code == 200, response.text
    grad = response.json()["variables"]["x"]["grad"]
    assert grad == [[pytest.approx(1 / 3)] * 3] * 2


def worker_pids(server: HostileServer) -> set[int]:
    """The server's pool workers: the children of its fork server (or, where workers are
    spawned instead, its own children running multiprocessing's spawn_main)."""
    processes: dict[int, tuple[int, bytes]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            processes[int(entry.name)] = (parent, (entry / "cmdline").read_bytes())
        except (OSError, ValueError):
            continue
    fork_servers = {
        pid
        for pid, (parent, command) in processes.items()
        if parent == server.pid and b"forkserver" in command
    }
    return {
        pid
        for pid, (parent, command) in processes.items()
        if parent in fork_servers or (parent == server.pid and b"spawn_main" in command)
    }
