"""JobPool, the embedded ``JobBackend``: warm worker processes that run jobs with a wall-clock
limit, built on pebble.ProcessPool.

pebble does the process work: it starts N workers (our initializer warms each one), kills a
worker whose job outlives its timeout and starts a replacement, reports a worker that died
(segfault, ``os._exit``, the OOM killer) as ``ProcessExpired``, and retires workers after
``max_tasks`` jobs. This module adds what a web service needs on top:

* an asyncio face: :meth:`JobPool.submit` awaits the job without blocking the event loop, and a
  cancelled request cancels its job (pebble then kills the worker running it);
* a bounded queue: past ``max_queue`` jobs in flight, :class:`Saturated` (HTTP 503) at once;
* errors a person can read: timeouts and crashes become :class:`ProgramError`;
* self-healing: pebble marks a pool broken in a few corner cases (a worker dying before its job
  was acknowledged); the next job then gets a fresh pool instead of failing forever.

Workers are started by a ``forkserver``: the web process runs threads (uvicorn, pebble's own),
and forking a threaded process can copy a held lock into the child, which then hangs. The fork
server is a fresh single-threaded process that imports torch and the rest once (PRELOAD); each
worker forks from it, so replacing a killed worker costs milliseconds, not seconds of CPU
taken from the other workers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from app.config import Settings
from app.jobs.protocol import JobKind, Saturated, crash_message, timeout_message
from app.jobs.worker.fence import THREAD_ENV
from app.jobs.worker.process import init_worker, ping, run_job
from app.lang.errors import ProgramError

log = logging.getLogger("gradtrace.jobs")

T = TypeVar("T")

# How long start-up waits for the first warm worker (spawn, import torch, run one program).
WARM_UP_TIMEOUT_S = 120.0


class JobPool:
    """N warm worker processes behind an asyncio ``submit``; see the module docstring."""

    def __init__(
        self,
        *,
        workers: int,
        timeout_s: float,
        max_queue: int,
        max_jobs_per_worker: int = 0,
        memory_mb: int = 3_072,
        timeout_setting: str = "job_timeout_s",
        job_name: str = "the program",
        max_file_bytes: int = 1 << 20,
        gpu_memory_fraction: float = 1.0,
    ) -> None:
        self.workers = workers
        self.timeout_setting = timeout_setting  # named in timeout errors
        self.job_name = job_name
        self.max_file_bytes = max_file_bytes
        self.gpu_memory_fraction = gpu_memory_fraction
        self.timeout_s = timeout_s
        self.capacity = max_queue
        self.max_jobs_per_worker = max_jobs_per_worker
        self.memory_mb = memory_mb
        self.in_flight = 0
        # Parent of the workers' private directories, removed with the pool: a killed worker
        # cannot clean up after itself.
        self._base_dir = tempfile.mkdtemp(prefix="gradtrace-jobs-")
        self._pool: ProcessPool | None = None

    @classmethod
    def for_kind(cls, kind: JobKind, settings: Settings) -> JobPool:
        """The pool for one kind of job (``protocol.PROGRAMS`` or ``protocol.RUNS``)."""
        return cls(
            workers=kind.workers(settings),
            timeout_s=kind.timeout_s(settings),
            max_queue=kind.capacity(settings),
            max_jobs_per_worker=settings.worker_max_jobs,
            memory_mb=settings.worker_memory_mb,
            timeout_setting=kind.timeout_setting,
            job_name=kind.job_name,
            max_file_bytes=kind.max_file_bytes,
            gpu_memory_fraction=settings.worker_gpu_memory_fraction,
        )

    def start(self) -> None:
        """Start the workers now (pebble would otherwise wait for the first job)."""
        self._live_pool()

    async def warm_up(self) -> None:
        """Wait until a worker has finished its initializer and answers a job."""
        await asyncio.wait_for(self.submit(ping, timeout=WARM_UP_TIMEOUT_S), WARM_UP_TIMEOUT_S)

    async def submit(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` in a worker and return its result.

        Raises :class:`Saturated` when ``max_queue`` jobs are already in flight,
        ``ProgramError("timeout")`` when the job ran past ``timeout`` (default: the pool's) and
        was killed, ``ProgramError("crash")`` when its worker died. Exceptions raised by ``fn``
        itself come back as they were raised.
        """
        if self.in_flight >= self.capacity:
            raise Saturated(self.in_flight, self.capacity, math.ceil(self.timeout_s))
        limit = self.timeout_s if timeout is None else timeout
        self.in_flight += 1  # only the event loop's thread touches the counter: no lock
        try:
            return await asyncio.wrap_future(self._schedule(fn, args, limit))
        except TimeoutError:
            message = timeout_message(self.job_name, limit, self.timeout_setting)
            raise ProgramError("timeout", message, limit=self.timeout_setting) from None
        except ProcessExpired as error:
            raise _crash(error.exitcode) from None
        except BrokenProcessPool:
            log.warning("the worker pool broke; starting a new one")
            self._live_pool()  # replaces it once, however many of its jobs fail together
            raise _crash(None) from None
        finally:
            self.in_flight -= 1

    def close(self) -> None:
        """Stop the workers at once (running jobs are abandoned) and remove their directories."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop(pool)
        shutil.rmtree(self._base_dir, ignore_errors=True)

    def _schedule(self, fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> Any:
        try:
            return self._live_pool().schedule(run_job, args=(fn, *args), timeout=timeout)
        except RuntimeError:  # pebble's "pool is not active": it broke since the check
            self._replace_pool()
            return self._live_pool().schedule(run_job, args=(fn, *args), timeout=timeout)

    def _live_pool(self) -> ProcessPool:
        if self._pool is None or not self._pool.active:
            self._replace_pool()
        assert self._pool is not None
        return self._pool

    def _replace_pool(self) -> None:
        old = self._pool
        self._pool = ProcessPool(
            max_workers=self.workers,
            max_tasks=self.max_jobs_per_worker,
            initializer=init_worker,
            initargs=(
                self.memory_mb,
                self._base_dir,
                self.max_file_bytes,
                self.gpu_memory_fraction,
                # Twice the wall-clock limit: a single-threaded job cannot get there before
                # the pool kills it, so only a kill that failed to come meets this one.
                2 * math.ceil(self.timeout_s) + 5,
            ),
            context=worker_context(),
        )
        _ = self._pool.active  # reading it starts pebble's threads and the workers
        if old is not None:
            # Joining waits for pebble's threads; keep that off the event loop.
            threading.Thread(target=_stop, args=(old,), daemon=True).start()


# What the fork server imports before forking workers: everything a job needs, including
# torch._dynamo, which torch.optim imports on first use (a second or more).
PRELOAD = [
    "numpy",
    "torch",
    "torch._dynamo",
    "torch.optim",
    "torch.utils.data",
    "sklearn.datasets",
    "app.lang",
    "app.graph",
    "app.jobs.worker.process",
    "app.jobs.worker.training_jobs",
    "app.training.loop",
]


def worker_context() -> multiprocessing.context.BaseContext:
    """The forkserver context, preloaded (PRELOAD); plain spawn where forkserver is missing."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    # The fork server imports torch: one thread per library there too, before OpenMP starts.
    for name, value in THREAD_ENV.items():
        os.environ.setdefault(name, value)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _stop(pool: ProcessPool) -> None:
    pool.stop()  # type: ignore[no-untyped-call]
    try:
        pool.join(timeout=10)
    except Exception:  # shutting down: log and move on
        log.exception("stopping the worker pool failed")


def _crash(exitcode: int | None) -> ProgramError:
    """The error for a job whose worker process died under it."""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    elif exitcode is not None:
        how = f"exit code {exitcode}"
    else:
        how = "the worker pool broke"
    return ProgramError("crash", crash_message("the program", how))
