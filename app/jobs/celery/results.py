"""Await Celery job results in an asyncio web process: one pub/sub connection, no thread per job.

Celery's Redis result backend stores a job's state under ``celery-task-meta-<task id>`` and
PUBLISHes it on a channel of the same name (STARTED when a worker begins, then SUCCESS,
FAILURE or REVOKED). Each web replica names its jobs ``<replica id>-<uuid>`` and pattern-
subscribes to its own prefix (plus ``run-*`` for training runs), so it hears its results and
no other replica's. An inbox is registered *before* the job is sent, so no message can slip
by; after a reconnect (Redis restarted), each inbox's key is read once in case its result was
published while nobody listened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from celery.backends.base import KeyValueStoreBackend
from kombu.utils.json import loads

from app.runs.redis_client import async_client

log = logging.getLogger("gradtrace.jobs")

KEY_PREFIX = str(KeyValueStoreBackend.task_keyprefix)  # "celery-task-meta-"
READY_STATES = frozenset({"SUCCESS", "FAILURE", "REVOKED"})
RECONNECT_PAUSE_S = (0.05, 0.2, 0.5, 1.0)


class QueueWaitExpired(TimeoutError):
    """No worker started the job in time."""


class RunTimeExpired(TimeoutError):
    """A worker started the job but no result came within its time limit and a grace."""


class Inbox:
    """The states one job goes through, as its worker publishes them."""

    def __init__(self) -> None:
        self.states: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def result(self, queue_s: float, run_s: float) -> dict[str, Any]:
        """The job's final state (Celery's meta dict). Raises ``QueueWaitExpired`` when no
        worker started it within ``queue_s``, ``RunTimeExpired`` when it then ran ``run_s``
        without a result."""
        loop = asyncio.get_running_loop()
        deadline, started = loop.time() + queue_s, False
        while True:
            remaining = deadline - loop.time()
            try:
                meta = await asyncio.wait_for(self.states.get(), max(0.0, remaining))
            except TimeoutError:
                raise (RunTimeExpired if started else QueueWaitExpired)() from None
            status = meta.get("status")
            if status in READY_STATES:
                return meta
            if status == "STARTED" and not started:
                started, deadline = True, loop.time() + run_s


class ResultWaiter:
    """Delivers published results to the inboxes of this process's jobs."""

    def __init__(self, url: str, task_prefixes: Sequence[str]) -> None:
        self.url = url
        self.patterns = [f"{KEY_PREFIX}{prefix}*" for prefix in task_prefixes]
        self._inboxes: dict[str, Inbox] = {}
        self._subscribed = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._client = async_client(url)

    async def start(self, timeout_s: float = 120.0) -> None:
        """Subscribe; returns once subscribed (Redis may still be starting: keep trying)."""
        self._listener = asyncio.create_task(self._listen(), name="gradtrace-results")
        await asyncio.wait_for(self._subscribed.wait(), timeout_s)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._client.aclose()

    @contextlib.asynccontextmanager
    async def expect(self, task_id: str) -> AsyncIterator[Inbox]:
        """An inbox for ``task_id``'s states while the block runs; send the job inside it."""
        key = KEY_PREFIX + task_id
        inbox = self._inboxes[key] = Inbox()
        try:
            yield inbox
        finally:
            del self._inboxes[key]
            # The web has its answer; the stored copy would only sit there until it expires.
            with contextlib.suppress(Exception):
                await self._client.delete(key)

    async def _listen(self) -> None:
        failures = 0
        while True:
            client = async_client(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(*self.patterns)
                    self._subscribed.set()
                    if failures:
                        await self._read_missed()
                    failures = 0
                    async for message in pubsub.listen():
                        if message.get("type") == "pmessage":
                            self._deliver(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis went away: resubscribe when it is back
                pause = RECONNECT_PAUSE_S[min(failures, len(RECONNECT_PAUSE_S) - 1)]
                failures += 1
                log.warning("job results: lost Redis (%s); retrying in %.2f s", error, pause)
                await asyncio.sleep(pause)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _read_missed(self) -> None:
        for key in list(self._inboxes):
            value = await self._client.get(key)
            if value is not None:
                self._deliver(key, value)

    def _deliver(self, key: str, payload: str | bytes) -> None:
        inbox = self._inboxes.get(key)
        if inbox is not None:
            inbox.states.put_nowait(loads(payload))  # type: ignore[no-untyped-call]
