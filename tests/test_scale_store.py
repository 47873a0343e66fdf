"""RedisRunStore against a real redis-server: the RunStore rules SQLiteRunStore keeps, Redis
Streams ids 0-N as SSE ids, persistence across a Redis restart, and live SSE through pub/sub."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.runs.redis_notify import relay_appends
from app.runs.redis_store import RedisRunStore
from app.runs.store import RunClosed, RunNotFound
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


def test_a_run_is_created_queued_with_its_config(store: RedisRunStore) -> None:
    run_id = store.create_run({"epochs": 3})
    run = store.get_run(run_id)
    assert run is not None and len(run_id) == 12
    assert (run.status, run.config, run.last_event_id, run.history) == (
        "queued",
        {"epochs": 3},
        0,
        [],
    )
    assert run.started_at is None and run.finished_at is None
    assert store.get_run("missing") is None


def test_lifecycle_ids_history_and_metrics(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    assert store.set_status(run_id, "running")
    assert [store.append_event(run_id, "epoch", epoch(n, 1 / n)) for n in (1, 2, 3)] == [1, 2, 3]
    done = {"loss": 0.25, "val_loss": None, "epochs": 3, "metrics": {"accuracy": 0.9}}
    assert store.append_event(run_id, "done", done) == 4
    assert store.set_status(run_id, "succeeded")
    run = store.get_run(run_id)
    assert run is not None
    assert (run.status, run.last_event_id) == ("succeeded", 4)
    assert run.metrics == {
        "loss": 0.25,
        "val_loss": None,
        "epochs": 3,
        "elapsed_ms": None,
        "accuracy": 0.9,
    }
    assert [h["epoch"] for h in run.history or []] == [1, 2, 3]
    assert set(run.history[0]) == {"epoch", "loss", "val_loss", "lr", "elapsed_ms"}  # type: ignore[index]
    assert run.started_at is not None and run.finished_at is not None
    events = store.events_after(run_id, 0)
    assert [(e.id, e.type) for e in events] == [
        (1, "epoch"),
        (2, "epoch"),
        (3, "epoch"),
        (4, "done"),
    ]
    assert events[0].payload() == epoch(1, 1.0)
    # The stream's own ids are the event ids: what lets any replica resume a client.
    entries = store.redis.xrange(f"{store.namespace}:run:{run_id}:events")
    assert [entry_id for entry_id, _ in entries] == ["0-1", "0-2", "0-3", "0-4"]
    assert [e.id for e in store.events_after(run_id, 2)] == [3, 4]
    assert [e.id for e in store.events_after(run_id, 0, limit=2)] == [1, 2]
    assert store.open_runs() == []


def test_a_terminal_event_closes_the_log(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "cancelled", {"epoch": 1})
    with pytest.raises(RunClosed):
        store.append_event(run_id, "epoch", epoch(2))
    with pytest.raises(RunNotFound):
        store.append_event("missing", "epoch", epoch(1))


def test_terminal_statuses_are_final_and_close_the_log(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    assert store.set_status(run_id, "running")
    assert not store.set_status(run_id, "queued")  # type: ignore[arg-type]
    assert store.set_status(run_id, "failed", "the worker died")
    assert not store.set_status(run_id, "succeeded")
    assert not store.set_status(run_id, "cancelled")
    (closing,) = store.events_after(run_id, 0)
    assert (closing.id, closing.type) == (1, "error")
    assert closing.payload() == {"status": "failed", "message": "the worker died"}
    run = store.get_run(run_id)
    assert run is not None and (run.status, run.error) == ("failed", "the worker died")


def test_a_late_cancel_cannot_contradict_the_done_event(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"epochs": 1})
    assert not store.set_status(run_id, "cancelled")
    assert store.set_status(run_id, "succeeded")
    assert [e.type for e in store.events_after(run_id, 0)] == ["done"]


def test_non_finite_numbers_are_stored_as_strict_json(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "epoch", epoch(1, float("nan")))
    (event,) = store.events_after(run_id, 0)
    assert '"loss":"NaN"' in event.data


def test_list_runs_is_newest_first_with_paging(store: RedisRunStore) -> None:
    ids = [store.create_run({"n": n}) for n in range(5)]
    assert [r.id for r in store.list_runs()] == ids[::-1]
    assert [r.id for r in store.list_runs(limit=2, offset=1)] == ids[3:1:-1]


def test_recovery_ends_open_runs_by_their_log(store: RedisRunStore) -> None:
    queued, running, done = (store.create_run({}) for _ in range(3))
    store.set_status(running, "running")
    store.set_status(done, "running")
    store.append_event(done, "done", {"epochs": 1})
    assert sorted(store.mark_interrupted_runs("the cluster restarted")) == sorted(
        [queued, running, done]
    )
    statuses = {r.id: (r.status, r.error) for r in store.list_runs()}
    assert statuses[queued] == ("failed", "the cluster restarted")
    assert statuses[running] == ("failed", "the cluster restarted")
    assert statuses[done] == ("succeeded", None)


def test_delete_run(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "epoch", epoch(1))
    assert store.delete_run(run_id)
    assert store.get_run(run_id) is None and store.events_after(run_id, 0) == []
    assert not store.delete_run(run_id)


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


def test_store_pickles_to_its_url(store: RedisRunStore) -> None:
    run_id = store.create_run({})
    clone = pickle.loads(pickle.dumps(store))
    assert clone.append_event(run_id, "epoch", epoch(1)) == 1
    assert store.get_run(run_id).last_event_id == 1  # type: ignore[union-attr]


def test_threads_append_concurrently_without_gaps(store: RedisRunStore) -> None:
    run_id = store.create_run({})

    def write() -> None:
        for n in range(50):
            store.append_event(run_id, "epoch", epoch(n))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.id for e in store.events_after(run_id, 0, limit=1_000)] == list(range(1, 201))


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


def test_a_run_reads_as_ended_once_its_log_has_ended(store: RedisRunStore) -> None:
    """Between the worker's done event and its set_status, readers already see succeeded."""
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"epochs": 1, "loss": 0.5})
    run = store.get_run(run_id)
    assert run is not None and run.status == "succeeded"
    assert run.started_at is not None and run.finished_at is not None  # ended with its log
    assert [r.status for r in store.list_runs() if r.id == run_id] == ["succeeded"]
    assert store.set_status(run_id, "succeeded")  # the worker's own step still goes through
    assert run_id not in store.open_runs()
