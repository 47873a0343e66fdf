"""RedisRunStore against a real redis-server: Redis Streams ids 0-N as SSE ids, trimming,
persistence across a Redis restart, and live SSE through pub/sub.

The rules every store keeps are checked for both stores in test_runs_store_contract.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.runs.redis_notify import relay_appends
from app.runs.redis_store import RedisRunStore
from app.runs.stream import AppendNotifier, run_events
from tests.scale_support import RedisServer, needs_redis

pytestmark = needs_redis


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    redis_server = RedisServer(tmp_path_factory.mktemp("redis"))
    redis_server.start()
    yield redis_server
    redis_server.stop()


@pytest.fixture
def store(server: RedisServer, request: pytest.FixtureRequest) -> Iterator[RedisRunStore]:
    # A namespace per test: one server, no leftovers between tests.
    redis_store = RedisRunStore(server.url, namespace=f"t-{request.node.name}"[:60])
    yield redis_store
    redis_store.close()


def epoch(n: int, loss: float = 1.0) -> dict[str, Any]:
    return {"epoch": n, "loss": loss, "val_loss": None, "lr": 0.1, "params": {"w": [n]}}


def test_stream_ids_are_the_event_ids_and_open_runs_are_indexed(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    assert store.open_runs() == [run_id]
    store.set_status(run_id, "running")
    for n in (1, 2, 3):
        store.append_event(run_id, "epoch", epoch(n))
    store.append_event(run_id, "done", {"epochs": 3})
    # The stream's own ids are the event ids: what lets any replica resume a client.
    entries = store.redis.xrange(f"{store.namespace}:run:{run_id}:events")
    assert [entry_id for entry_id, _ in entries] == ["0-1", "0-2", "0-3", "0-4"]
    assert store.set_status(run_id, "succeeded")
    assert store.open_runs() == []


def test_the_stream_is_bounded_by_maxlen(server: RedisServer) -> None:
    store = RedisRunStore(server.url, namespace="t-maxlen", max_events=100)
    run_id = store.create_run({})
    for n in range(1, 1_001):
        store.append_event(run_id, "epoch", epoch(n))
    length = store.redis.xlen(f"t-maxlen:run:{run_id}:events")
    assert 100 <= length < 1_000  # MAXLEN ~ trims whole nodes: at least 100 kept
    assert store.events_after(run_id, 999)[0].id == 1_000


def test_a_retried_append_is_not_appended_twice(store: RedisRunStore) -> None:
    """The reply of an append is lost and the client retries: same token, same id back."""
    run_id = store.create_run({})
    args = ["epoch", "{}", "", "1.0", 1000, "", "", store.channel, run_id, "token-1"]
    assert store._run_script(store._append, run_id, args) == 1
    assert store._run_script(store._append, run_id, args) == 1
    assert store.append_event(run_id, "epoch", epoch(2)) == 2


def test_everything_committed_survives_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        store = RedisRunStore(server.url)
        run_id = store.create_run({"epochs": 9})
        store.set_status(run_id, "running")
        for n in (1, 2, 3):
            store.append_event(run_id, "epoch", epoch(n))
        server.restart()
        # The same client carries on (it reconnects) and nothing acknowledged was lost.
        assert store.append_event(run_id, "epoch", epoch(4)) == 4
        run = store.get_run(run_id)
        assert run is not None and (run.status, run.last_event_id) == ("running", 4)
        assert [e.id for e in store.events_after(run_id, 0)] == [1, 2, 3, 4]
        assert [h["epoch"] for h in run.history or []] == [1, 2, 3, 4]
    finally:
        server.stop()


def test_a_writer_rides_out_redis_being_down_for_a_while(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        store = RedisRunStore(server.url)
        run_id = store.create_run({})
        server.stop()
        restarter = threading.Timer(1.5, server.start)
        restarter.start()
        assert store.append_event(run_id, "epoch", epoch(1)) == 1  # retried until Redis is back
        restarter.join()
    finally:
        server.stop()


def test_sse_readers_wake_on_appends_from_another_client(server: RedisServer) -> None:
    """run_events, unchanged, over RedisRunStore, woken through the pub/sub relay: a long poll
    interval proves the wake-ups come from the relay."""
    writer = RedisRunStore(server.url, namespace="t-relay")
    reader = RedisRunStore(server.url, namespace="t-relay")
    run_id = writer.create_run({})
    writer.set_status(run_id, "running")

    async def main() -> tuple[list[dict[str, Any]], float]:
        notifier = AppendNotifier()
        relay = asyncio.create_task(relay_appends(server.url, writer.channel, notifier))
        await asyncio.sleep(0.3)  # let the relay subscribe

        def write() -> None:
            for n in range(1, 6):
                writer.append_event(run_id, "epoch", epoch(n))
                time.sleep(0.02)
            writer.append_event(run_id, "done", {"epochs": 5})
            writer.set_status(run_id, "succeeded")

        started = time.monotonic()
        thread = threading.Thread(target=write)
        thread.start()
        events = [
            e async for e in run_events(reader, run_id, None, poll_interval=30, notifier=notifier)
        ]
        elapsed = time.monotonic() - started
        thread.join()
        relay.cancel()
        return events, elapsed

    events, elapsed = asyncio.run(asyncio.wait_for(main(), 60))
    assert [e["id"] for e in events] == ["1", "2", "3", "4", "5", "6"]
    assert events[-1]["event"] == "done"
    assert elapsed < 10  # far below the 30 s poll interval
