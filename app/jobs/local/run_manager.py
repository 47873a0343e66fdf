"""LocalRunManager, the embedded ``RunManager``: start a run in a worker, cancel it, record its
end.

Each run is an asyncio task awaiting its job in the runs pool. Cancelling the task cancels the
job, and pebble kills the worker running it, so DELETE takes effect at once whatever the run is
doing; a replacement worker starts in the background. The store is the single record: the
worker appends epochs and its own ending, this side records the endings a worker cannot
(killed for time, cancelled, crashed).

Workers also send a wake-up datagram after each append (app.runs.wakeup), which this side hands
to the store's ``on_append`` notifier, so SSE readers see an epoch as soon as it is committed
rather than at their next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from app.config import TrainingLimits
from app.jobs.local.pool import JobPool
from app.jobs.worker.training_jobs import run_training_job
from app.lang.errors import ProgramError
from app.runs.records import RunStore
from app.runs.wakeup import Address, WakeupListener

log = logging.getLogger("gradtrace.runs")


class LocalRunManager:
    """Starts and cancels runs in this process's runs pool; one asyncio task per run in flight."""

    def __init__(self, store: RunStore, pool: JobPool, device: str):
        self.store = store
        self.pool = pool
        self.device = device  # the device runs with "auto" resolve to
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.closing = False
        self._listener: asyncio.Future[WakeupListener] | None = None

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
            wake_to = await self._wakeup_address()
            # This process's pid: a worker that outlives it (SIGKILL) stops the run itself.
            args = (run_id, config, self.store, device, limits, wake_to, os.getpid())
            await self.pool.submit(run_training_job, *args)
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

    async def _wakeup_address(self) -> Address | None:
        """Where workers send wake-ups: a listener started on first use, shared by all runs.
        None when the store has no notifier to call (readers then poll) or it cannot start."""
        notify = getattr(self.store, "on_append", None)
        if notify is None:
            return None
        if self._listener is None:
            self._listener = asyncio.ensure_future(WakeupListener.start(notify))
        try:
            # Shielded: a run cancelled while the listener starts must not cancel it for all.
            listener = await asyncio.shield(self._listener)
        except OSError as error:
            log.warning("no wake-ups from workers (%s); SSE readers will poll", error)
            return None
        return listener.address

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
        listener, self._listener = self._listener, None
        if listener is not None and listener.done() and not listener.cancelled():
            with contextlib.suppress(OSError):  # it never started: nothing to close
                listener.result().close()
