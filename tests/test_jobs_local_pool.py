"""The job pool with real worker processes: results, timeouts, crashes, saturation, the fence.

The job functions live in this module (the workers import it by name); they are test code, not
user programs, which is why they may call os._exit or read address 0.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import signal
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from app.jobs.local.pool import JobPool
from app.jobs.protocol import Saturated
from app.lang.errors import ProgramError

T = TypeVar("T")
SECRET = "GRADTRACE_TEST_SECRET"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


# --- job functions (run inside workers) -------------------------------------------------------


def add(a: int, b: int) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def exit_hard() -> None:
    os._exit(3)


def segfault() -> None:
    ctypes.string_at(0)


def fail() -> None:
    raise ValueError("from the job")


def allocate(n_bytes: int) -> int:
    return len(bytearray(n_bytes))


def worker_view() -> dict[str, Any]:
    """What a job sees of its process: limits, environment, working directory."""
    return {
        "data": resource.getrlimit(resource.RLIMIT_DATA),
        "core": resource.getrlimit(resource.RLIMIT_CORE),
        "fsize": resource.getrlimit(resource.RLIMIT_FSIZE),
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "files": os.listdir("."),
    }


# --- tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> Iterator[JobPool]:
    """One warm worker, a 2 s limit and a 512 MB heap cap, shared by the tests below."""
    os.environ[SECRET] = "must not reach workers"
    job_pool = JobPool(workers=1, timeout_s=2.0, max_queue=8, memory_mb=512)
    job_pool.start()
    try:
        run(job_pool.warm_up())
        yield job_pool
    finally:
        job_pool.close()
        del os.environ[SECRET]


def test_runs_a_function(pool: JobPool) -> None:
    assert run(pool.submit(add, 2, 3)) == 5
    assert pool.in_flight == 0


def test_job_exceptions_come_back_as_raised(pool: JobPool) -> None:
    with pytest.raises(ValueError, match="from the job"):
        run(pool.submit(fail))


def test_timeout_kills_the_worker_and_the_next_job_succeeds(pool: JobPool) -> None:
    before = run(pool.submit(pid))
    started = time.monotonic()
    with pytest.raises(ProgramError) as caught:
        run(pool.submit(sleep_then_pid, 60))
    assert time.monotonic() - started < 10
    assert caught.value.type == "timeout"
    assert caught.value.limit == "job_timeout_s"
    assert caught.value.message == "the program ran longer than the 2 s limit (job_timeout_s)"
    after = run(pool.submit(pid))
    assert after != before  # a fresh worker
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)  # the old one is gone, not left running


@pytest.mark.parametrize(("job", "how"), [(exit_hard, "exit code 3"), (segfault, "SIGSEGV")])
def test_a_dying_worker_is_a_crash_and_the_pool_recovers(pool: JobPool, job: Any, how: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run(pool.submit(job))
    assert caught.value.type == "crash"
    assert how in caught.value.message
    assert run(pool.submit(add, 1, 1)) == 2


def test_an_idle_worker_killed_from_outside_does_not_break_the_pool(pool: JobPool) -> None:
    # The OOM killer may pick an idle worker; pebble then marks its whole pool broken.
    os.kill(run(pool.submit(pid)), signal.SIGKILL)
    outcomes: list[object] = []
    for _ in range(2):  # a job racing the breakage may be told "crash"; the next one runs
        try:
            outcomes.append(run(pool.submit(add, 2, 2)))
            break
        except ProgramError as error:
            outcomes.append(error.type)
    assert outcomes in ([4], ["crash", 4])


def test_saturation_refuses_at_once(pool: JobPool) -> None:
    async def scenario() -> None:
        running = [asyncio.ensure_future(pool.submit(sleep_then_pid, 0.5)) for _ in range(2)]
        await asyncio.sleep(0)  # let both reach the pool
        assert pool.in_flight == 2
        with pytest.raises(Saturated) as caught:
            await pool.submit(add, 1, 2)
        assert caught.value.retry_after_s == 2  # ceil(timeout_s)
        await asyncio.gather(*running)
        assert pool.in_flight == 0
        assert await pool.submit(add, 1, 2) == 3

    capacity, pool.capacity = pool.capacity, 2
    try:
        run(scenario())
    finally:
        pool.capacity = capacity


def test_workers_retire_after_max_jobs() -> None:
    recycling = JobPool(workers=1, timeout_s=30.0, max_queue=4, max_jobs_per_worker=2)

    async def three_pids() -> list[int]:
        return [await recycling.submit(pid) for _ in range(3)]

    try:
        first, second, third = run(three_pids())
    finally:
        recycling.close()
    assert first == second != third


def test_the_fence_is_up(pool: JobPool) -> None:
    view = run(pool.submit(worker_view))
    assert view["data"] == (512 * 2**20, 512 * 2**20)
    assert view["core"] == (0, 0)
    assert view["fsize"][0] <= 1 << 20
    assert SECRET not in view["env"]
    assert view["env"]["OMP_NUM_THREADS"] == "1"
    assert view["env"]["HOME"] == view["cwd"]
    assert Path(view["cwd"]).name.startswith("worker-")
    assert view["files"] == []


def test_memory_cap_fails_the_allocation_not_the_worker(pool: JobPool) -> None:
    with pytest.raises(MemoryError):
        run(pool.submit(allocate, 2 * 2**30))
    assert run(pool.submit(allocate, 10 * 2**20)) == 10 * 2**20
