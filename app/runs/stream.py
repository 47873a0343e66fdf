"""Server-sent events for a run: its stored history after ``Last-Event-ID``, then live events.

``run_events`` yields dicts that sse-starlette's ``EventSourceResponse`` sends as they are::

    {"id": "7", "event": "epoch", "data": "{...strict JSON...}"}

It reads the store, so events written by worker processes reach every subscriber with no gap and
no duplicate: ids are the log's own (1, 2, 3...), and a reconnecting client that sends
``Last-Event-ID: 7`` gets 8 onwards. It ends after the run's terminal event (done, error or
cancelled). New events are noticed through an ``AppendNotifier`` when the writer shares this
process, else by polling every ``poll_interval`` seconds.

Keep-alive: the route sets ``EventSourceResponse(generator, ping=15)``; sse-starlette then sends
a comment line every 15 s while the generator waits. ``heartbeat_s`` here is only for serving
this generator without sse-starlette's ping: it yields ``{"comment": "keep-alive"}``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from app.runs.store import (
    TERMINAL_EVENTS,
    TERMINAL_STATUSES,
    RunNotFound,
    RunRecord,
    RunStore,
    StoredEvent,
)


class _Waiter:
    """One subscriber's wake-up flag, bound to the event loop it waits in."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def wake(self) -> None:
        with suppress(RuntimeError):  # the subscriber's loop has closed: nobody to wake
            self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout: float) -> None:
        """Until woken or ``timeout``; clears the flag so the next wake counts again."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        # Cleared before the caller reads the store: a wake after this is for an append that
        # the read may miss, and it stays set for the next wait.
        self._event.clear()


class AppendNotifier:
    """Wakes this process's stream readers when a run gets an event; ``notify`` is thread-safe.

    Pass ``notifier.notify`` as ``SQLiteRunStore(on_append=...)`` in the web process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[_Waiter]] = {}

    def notify(self, run_id: str, event_id: int = 0) -> None:
        with self._lock:
            waiters = list(self._waiters.get(run_id, ()))
        for waiter in waiters:
            waiter.wake()

    @contextmanager
    def listen(self, run_id: str) -> Iterator[_Waiter]:
        """Register for wake-ups for the duration of the block (call from the event loop)."""
        waiter = _Waiter(asyncio.get_running_loop())
        with self._lock:
            self._waiters.setdefault(run_id, set()).add(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                bucket = self._waiters.get(run_id)
                if bucket is not None:
                    bucket.discard(waiter)
                    if not bucket:
                        del self._waiters[run_id]


async def run_events(
    store: RunStore,
    run_id: str,
    last_event_id: int | None = None,
    *,
    poll_interval: float = 0.5,
    heartbeat_s: float | None = None,
    notifier: AppendNotifier | None = None,
    batch: int = 500,
) -> AsyncIterator[dict[str, Any]]:
    """SSE-ready events of ``run_id`` after ``last_event_id`` (None: from the start).

    Raises ``RunNotFound`` (before yielding anything) for an unknown run. Store calls run in a
    thread, since sqlite3 blocks.
    """
    last = max(0, last_event_id or 0)
    if await asyncio.to_thread(store.get_run, run_id, history=False) is None:
        raise RunNotFound(run_id)
    with _listening(notifier, run_id) as waiter:
        quiet_since = time.monotonic()
        while True:
            run, events = await asyncio.to_thread(_read, store, run_id, last, batch)
            for event in events:
                last = event.id
                yield {"id": str(event.id), "event": event.type, "data": event.data}
                if event.type in TERMINAL_EVENTS:
                    return
            if len(events) == batch:
                continue  # more are waiting: read on without sleeping
            if run is None or (run.status in TERMINAL_STATUSES and not events):
                return  # deleted, or ended with nothing more to send
            now = time.monotonic()
            if events:
                quiet_since = now
            elif heartbeat_s is not None and now - quiet_since >= heartbeat_s:
                quiet_since = now
                yield {"comment": "keep-alive"}
            if waiter is not None:
                await waiter.wait(poll_interval)
            else:
                await asyncio.sleep(poll_interval)


def _read(
    store: RunStore, run_id: str, last: int, batch: int
) -> tuple[RunRecord | None, list[StoredEvent]]:
    """The run's status, then its events after ``last``: one trip to a thread, not two.

    Status first, events second: writers append the terminal event before they set a terminal
    status, so a terminal status seen here means the events read after it are complete.
    """
    return store.get_run(run_id, history=False), store.events_after(run_id, last, batch)


@contextmanager
def _listening(notifier: AppendNotifier | None, run_id: str) -> Iterator[_Waiter | None]:
    if notifier is None:
        yield None
        return
    with notifier.listen(run_id) as waiter:
        yield waiter
