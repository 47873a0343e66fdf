"""The web process's side of training runs: start one in a worker, cancel it, record its end.

Each run is an asyncio task awaiting its job in the runs pool. Cancelling the task cancels the
job, and pebble kills the worker running it, so DELETE takes effect at once whatever the run is
doing; a replacement worker starts in the background. The store is the single record: the
worker appends epochs and its own ending, this side records the endings a worker cannot
(killed for time, cancelled, crashed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from app.config import TrainingLimits
from app.jobs.pool import JobPool
from app.jobs.training_jobs import run_training_job
from app.lang.errors import ProgramError
from app.runs.records import RunStore

log = logging.getLogger("gradtrace.runs")


class RunManager:
    """Starts and cancels runs; one asyncio task per run in flight."""

    def __init__(self, store: RunStore, pool: JobPool, device: str):
        self.store = store
        self.pool = pool
        self.device = device  # the device runs with "auto" resolve to
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.closing = False

    def launch(
        self, run_id: str, config: dict[str, Any], limits: TrainingLimits | None = None
    ) -> None:
        """Start a run the store holds as queued (call from the event loop).

        ``limits`` are the ones the config was validated against (the app's settings); the
        worker checks it again with them, since it cannot read the server's GRADTRACE_*.
        """
        device = self.device if config.get("device", "auto") == "auto" else config["device"]
        work = self._execute(run_id, config, device, limits)
        task = asyncio.create_task(work, name=f"run-{run_id}")
        self.tasks[run_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(run_id, None))

    async def _execute(
        self, run_id: str, config: dict[str, Any], device: str, limits: TrainingLimits | None
    ) -> None:
        try:
            await self.pool.submit(run_training_job, run_id, config, self.store, device, limits)
        except asyncio.CancelledError:
            if self.closing:  # never left "running": a restart would find it cut off anyway
                reason = "the server shut down before the run finished"
                await asyncio.to_thread(self.store.set_status, run_id, "failed", reason)
            else:
                await asyncio.to_thread(self.store.set_status, run_id, "cancelled")
            raise
        except ProgramError as error:  # killed for time, or the worker died under it
            await asyncio.to_thread(self.store.set_status, run_id, "failed", error.message)
        except Exception as error:  # a bug of ours: keep the record honest, log the rest
            log.exception("run %s failed", run_id)
            await asyncio.to_thread(self.store.set_status, run_id, "failed", str(error))

    async def cancel(self, run_id: str) -> bool:
        """Stop a run in flight; False when it was not running here."""
        task = self.tasks.get(run_id)
        if task is None:
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return True

    async def close(self) -> None:
        """Stop every run in flight (server shutdown); each is recorded as failed, with why."""
        self.closing = True
        for run_id in list(self.tasks):
            await self.cancel(run_id)
