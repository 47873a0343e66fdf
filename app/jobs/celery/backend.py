"""CeleryJobs: the ``JobBackend`` of scale-out mode. Jobs go to Celery workers through Redis.

Same contract as the embedded ``JobPool`` (``app.jobs.protocol``): ``Saturated`` past
``capacity`` jobs in flight from this replica, ``ProgramError("timeout")`` when the worker
killed the job at its time limit, ``ProgramError("crash")`` when the worker process died under
it; what the job returns comes back as it was (JSON-safe dicts). Two waits bound every job:
``queue_wait_s`` for a worker to start it (else ``NoWorker``, a 503 with Retry-After) and then
its time limit plus a grace for the result. A request that goes away (the client disconnected)
revokes its job, killing the worker child that runs it, as the embedded pool does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Celery
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from app.config import Settings
from app.jobs.celery.engine import (
    DEVICE_ARGUMENT,
    JOB_NAMES,
    encode_args,
    lost_worker_detail,
    queue_for,
    run_task_id,
    task_name,
)
from app.jobs.celery.results import QueueWaitExpired, ResultWaiter, RunTimeExpired
from app.jobs.protocol import JobFailed, JobKind, Saturated, crash_message, timeout_message
from app.lang.errors import ProgramError

log = logging.getLogger("gradtrace.jobs")

T = TypeVar("T")

# Past the time limit, how long to wait for the worker's report that it killed the job: Celery
# checks limits once a second, then stores the failure.
RESULT_GRACE_S = 5.0
CUDA_MISSING = 'CUDA is not available on this server; use device "cpu" or "auto"'


class NoWorker(Saturated):
    """No worker started the job within the queue wait; retry later (503)."""

    def __init__(self, waited_s: float, setting: str) -> None:
        Exception.__init__(self, f"no worker started the job within {waited_s:g} s ({setting})")
        self.retry_after_s = 5


class QueueUnavailable(Saturated):
    """Redis, the job queue, cannot be reached; retry later (503)."""

    def __init__(self, error: Exception) -> None:
        Exception.__init__(self, f"the job queue cannot be reached ({type(error).__name__})")
        self.retry_after_s = 5


class JobRevoked(Exception):
    """The job was revoked before it finished (a run cancelled through another replica)."""


class CeleryJobs:
    """Submit jobs of one kind ("programs" or "runs") to Celery; see the module docstring."""

    def __init__(
        self,
        kind: JobKind,
        celery: Celery,
        waiter: ResultWaiter,
        settings: Settings,
        replica_id: str,
    ) -> None:
        self.celery = celery
        self.waiter = waiter
        self.kind = kind.queue
        self.replica_id = replica_id
        self.timeout_s = kind.timeout_s(settings)
        self.queue_wait_s = kind.queue_wait_s(settings)
        self.capacity = kind.capacity(settings)
        self.timeout_setting = kind.timeout_setting
        self.queue_setting = kind.queue_wait_setting
        self.job_name = kind.job_name
        self.revoke_on_cancel = kind.revoke_on_cancel
        self.in_flight = 0
        # Live worker processes, and whether one has a GPU: kept up to date by services.py.
        self.workers = 0
        self.cuda = False

    def start(self) -> None:
        """Nothing to start: the workers are separate processes (``gradtrace worker``)."""

    async def warm_up(self) -> None:
        """Never waits for a worker: replicas and workers start and scale independently."""

    def close(self) -> None:
        """Nothing to stop; jobs in flight go on in their workers."""

    async def submit(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` on a worker; see the module docstring for the errors."""
        if self.in_flight >= self.capacity:
            raise Saturated(self.in_flight, self.capacity, math.ceil(self.timeout_s))
        job = JOB_NAMES[fn]
        limit = self.timeout_s if timeout is None else timeout
        device = args[DEVICE_ARGUMENT[job]] if job in DEVICE_ARGUMENT else None
        if device == "cuda" and not self.cuda:
            # As an embedded server without a GPU answers, rather than queueing for a GPU
            # worker that does not exist.
            raise ProgramError("runtime", CUDA_MISSING)
        task_id = run_task_id(args[0]) if job == "train" else f"{self.replica_id}-{uuid.uuid4()}"
        self.in_flight += 1  # only the event loop's thread touches the counter: no lock
        try:
            async with self.waiter.expect(task_id) as inbox:
                try:
                    await asyncio.to_thread(
                        self.celery.send_task,
                        task_name(job),
                        args=encode_args(args),
                        task_id=task_id,
                        queue=queue_for(self.kind, device),
                        time_limit=limit,
                        expires=self.queue_wait_s,  # a worker that gets it later drops it
                    )
                except (OperationalError, RedisError) as error:  # after kombu's own retries
                    raise QueueUnavailable(error) from error
                try:
                    meta = await inbox.result(self.queue_wait_s, limit + RESULT_GRACE_S)
                except asyncio.CancelledError:
                    if self.revoke_on_cancel:
                        self.revoke(task_id)
                    raise
        except QueueWaitExpired:
            self.revoke(task_id, terminate=False)
            raise NoWorker(self.queue_wait_s, self.queue_setting) from None
        except RunTimeExpired:  # the worker's machine vanished, or its report was lost
            self.revoke(task_id)
            raise self._timeout(limit) from None
        finally:
            self.in_flight -= 1
        result: T = self._outcome(meta, limit)
        return result

    def revoke(self, task_id: str, *, terminate: bool = True) -> None:
        """Drop a job from the queue on every worker, and kill the child running it (in the
        background: a broadcast through Redis, which the caller need not wait for)."""

        def send() -> None:
            try:
                self.celery.control.revoke(task_id, terminate=terminate, signal="SIGKILL")
            except Exception:  # Redis down: the job ends on its own time limit
                log.warning("could not revoke job %s", task_id, exc_info=True)

        asyncio.get_running_loop().run_in_executor(None, send)

    def _outcome(self, meta: dict[str, Any], limit: float) -> Any:
        status, result = meta["status"], meta.get("result")
        if status == "SUCCESS":
            return result
        error = result if isinstance(result, dict) else {}
        kind, words = error.get("exc_type", ""), error.get("exc_message", "")
        # Celery sends the exception's args: a list, usually of one string.
        message = " ".join(map(str, words)) if isinstance(words, list) else str(words)
        if kind == "TimeLimitExceeded":
            raise self._timeout(limit)
        if kind == "WorkerLostError":
            raise ProgramError("crash", crash_message(self.job_name, lost_worker_detail(message)))
        if status == "REVOKED":
            if "expired" in message:
                raise NoWorker(self.queue_wait_s, self.queue_setting)
            raise JobRevoked(message)
        # Anything else was raised by the job itself: a bug in gradtrace, as in the pool.
        raise JobFailed(f"{kind}: {message}")

    def _timeout(self, limit: float) -> ProgramError:
        message = timeout_message(self.job_name, limit, self.timeout_setting)
        return ProgramError("timeout", message, limit=self.timeout_setting)
