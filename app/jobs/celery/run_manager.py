"""The run manager of scale-out mode: runs live in Redis and on workers, not in a web replica.

It implements ``app.jobs.protocol.RunManager`` (``store``, ``pool``, ``launch``, ``cancel``,
``close``) with the differences a cluster needs:

* any replica can cancel any run: the cancel is written to the shared store first (the log
  ends with ``cancelled``, and a worker's later appends are refused), then the run's job
  (``run-<id>``) is revoked on every worker, which kills the child process training it, or
  drops it from the queue if no worker has started it;
* a replica that stops (deploy, crash) leaves its runs alone: they go on in their workers;
* a run never stays "running" when its worker is gone: the worker's main process records a
  killed or crashed child (``worker.py``), the replica that started it records what its
  job reports, and every replica sweeps for runs whose lease expired (a worker machine lost
  whole), ending them as failed with the reason. Runs are not retried: a run started again
  would repeat its epochs in a log that must stay 1, 2, 3...
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from app.config import Settings, TrainingLimits
from app.jobs.celery.backend import CeleryJobs, JobRevoked, NoWorker
from app.jobs.celery.engine import run_task_id
from app.jobs.celery.lease import RunLease
from app.jobs.worker.training_jobs import run_training_job
from app.lang.errors import ProgramError
from app.runs.records import TERMINAL_STATUSES
from app.runs.redis_store import RedisRunStore

log = logging.getLogger("gradtrace.runs")


class CeleryRunManager:
    """Starts runs on Celery workers, cancels them cluster-wide, and sweeps lost ones."""

    def __init__(
        self, store: RedisRunStore, pool: CeleryJobs, lease: RunLease, settings: Settings
    ) -> None:
        self.store = store
        self.pool = pool
        self.lease = lease
        self.settings = settings
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def launch(
        self, run_id: str, config: dict[str, Any], limits: TrainingLimits | None = None
    ) -> None:
        """Send a run the store holds as queued to the workers (call from the event loop)."""
        device = config.get("device", "auto")
        task = asyncio.create_task(self._execute(run_id, config, device, limits))
        self.tasks[run_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(run_id, None))

    async def _execute(
        self, run_id: str, config: dict[str, Any], device: str, limits: TrainingLimits | None
    ) -> None:
        try:
            await self.pool.submit(run_training_job, run_id, config, self.store, device, limits)
        except JobRevoked:
            pass  # cancelled, through this replica or another, which wrote it down
        except NoWorker as error:
            await self._fail(run_id, str(error))
        except ProgramError as error:  # killed for time, or its worker died under it
            await self._fail(run_id, error.message)
        except asyncio.CancelledError:
            raise  # this replica is stopping; the run goes on in its worker
        except Exception as error:  # a bug of ours: keep the record honest, log the rest
            log.exception("run %s failed", run_id)
            await self._fail(run_id, str(error))

    async def _fail(self, run_id: str, reason: str) -> None:
        # Refused, harmlessly, when the run already ended (the worker recorded it first).
        await asyncio.to_thread(self.store.set_status, run_id, "failed", reason)

    async def cancel(self, run_id: str) -> bool:
        """Cancel a run wherever it runs; False when it is unknown or has already ended."""
        record = await asyncio.to_thread(self.store.get_run, run_id, history=False)
        if record is None or record.status in TERMINAL_STATUSES:
            return False
        await asyncio.to_thread(self.store.set_status, run_id, "cancelled")
        self.pool.revoke(run_task_id(run_id))  # kills the child training it, on any machine
        return True

    async def close(self) -> None:
        """Stop waiting for this replica's runs; they go on (and end) in their workers."""
        for task in list(self.tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def reap_forever(self) -> None:
        """Every few seconds, end the runs whose worker is gone (see ``reap_runs``)."""
        interval = max(0.5, self.settings.run_lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.reap_runs)
            except Exception:  # Redis down: the next sweep will do
                log.warning("the sweep for lost runs failed", exc_info=True)

    def reap_runs(self) -> list[str]:
        """End as failed each open run that lost its worker; return their ids.

        A running run without a lease: its worker stopped refreshing it for ``run_lease_s``.
        A queued run older than ``run_timeout_s`` + ``queue_wait_s``: its job expired unseen.
        """
        now, ended = time.time(), []
        lease_s = self.settings.run_lease_s
        max_queued_s = self.settings.run_timeout_s + self.settings.queue_wait_s
        for run_id in self.store.open_runs():
            record = self.store.get_run(run_id, history=False)
            if record is None:
                continue
            if record.status == "running" and now - (record.started_at or now) > lease_s:
                if self.lease.holder(run_id) is None:
                    reason = f"its worker stopped answering for {lease_s:g} s (run_lease_s)"
                    if self.store.set_status(run_id, "failed", reason):
                        ended.append(run_id)
            elif record.status == "queued" and now - record.created_at > max_queued_s:
                reason = f"no worker started it within {max_queued_s:g} s"
                if self.store.set_status(run_id, "failed", reason):
                    ended.append(run_id)
        if ended:
            log.warning("ended %d run(s) whose worker was lost: %s", len(ended), ended)
        return ended
