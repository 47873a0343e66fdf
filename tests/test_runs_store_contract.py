"""The RunStore contract (app/runs/records.py), one suite run against both stores: SQLite on a
real file and Redis on a real redis-server.

What only one store does lives beside it: test_runs_store.py (SQLite: writers in other
processes) and test_runs_redis_store.py (Redis: stream ids, trimming, restarts, pub/sub).
"""

from __future__ import annotations

import json
import pickle
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.runs.records import RunClosed, RunNotFound, RunStore, StoredEvent
from tests.scale_support import RedisServer, needs_redis

Opener = Callable[[], RunStore]  # another store on the same data (another process would open)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=needs_redis)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens stores on one backend's data, fresh for each test; closes them after it."""
    opened: list[Any] = []

    def sqlite() -> RunStore:
        from app.runs.store import SQLiteRunStore

        return SQLiteRunStore(tmp_path / "runs.sqlite3")

    def redis() -> RunStore:
        from app.runs.redis_store import RedisRunStore

        server: RedisServer = request.getfixturevalue("redis_server")
        # A namespace per test: one server, no leftovers between tests.
        store = RedisRunStore(server.url, namespace=f"t-{request.node.name}"[:60])
        opened.append(store)
        return store

    yield sqlite if request.param == "sqlite" else redis
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener) -> RunStore:
    return open_store()


def epoch(n: int, loss: float = 1.0) -> dict[str, Any]:
    return {"epoch": n, "loss": loss, "val_loss": None, "lr": 0.1, "params": {"w": [n]}}


def test_a_run_is_created_queued_with_its_config(store: RunStore) -> None:
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


def test_events_are_numbered_without_gaps(store: RunStore) -> None:
    run_id = store.create_run({})
    ids = [store.append_event(run_id, "epoch", epoch(n)) for n in range(1, 6)]
    assert ids == [1, 2, 3, 4, 5]
    after = store.events_after(run_id, 2, limit=2)
    assert [e.id for e in after] == [3, 4]
    assert isinstance(after[0], StoredEvent) and after[0].payload() == epoch(3)
    assert [e.id for e in store.events_after(run_id, 0)] == ids
    assert store.events_after(run_id, 5) == []
    with pytest.raises(RunNotFound):
        store.append_event("missing", "epoch", {})


def test_lifecycle_history_and_metrics(store: RunStore) -> None:
    run_id = store.create_run({})
    assert store.set_status(run_id, "running")
    for n in (1, 2):
        store.append_event(run_id, "epoch", epoch(n, 1.0 / n))
    done = {"loss": 0.5, "val_loss": None, "epochs": 2, "elapsed_ms": 9.0}
    assert store.append_event(run_id, "done", {**done, "metrics": {"accuracy": 0.75}}) == 3
    assert store.set_status(run_id, "succeeded")
    run = store.get_run(run_id)
    assert run is not None and run.status == "succeeded"
    assert run.started_at is not None and run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert run.history == [
        {"epoch": 1, "loss": 1.0, "val_loss": None, "lr": 0.1, "elapsed_ms": None},
        {"epoch": 2, "loss": 0.5, "val_loss": None, "lr": 0.1, "elapsed_ms": None},
    ]
    assert run.metrics == {
        "loss": 0.5, "val_loss": None, "epochs": 2, "elapsed_ms": 9.0, "accuracy": 0.75
    }  # fmt: skip
    assert run.last_event_id == 3  # no extra closing event: "done" already closed the log
    assert [(e.id, e.type) for e in store.events_after(run_id, 0)] == [
        (1, "epoch"),
        (2, "epoch"),
        (3, "done"),
    ]


def test_a_terminal_event_closes_the_log(store: RunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "cancelled", {"epoch": 1})
    with pytest.raises(RunClosed):
        store.append_event(run_id, "epoch", epoch(2))


def test_terminal_statuses_are_final_and_close_the_log(store: RunStore) -> None:
    run_id = store.create_run({})
    assert not store.set_status(run_id, "succeeded")  # queued cannot succeed directly
    assert store.set_status(run_id, "running")
    assert not store.set_status(run_id, "queued")  # type: ignore[arg-type]
    store.append_event(run_id, "epoch", epoch(1))
    assert store.set_status(run_id, "failed", "worker crashed")
    events = store.events_after(run_id, 0)
    assert [(e.id, e.type) for e in events] == [(1, "epoch"), (2, "error")]
    assert events[-1].payload() == {"status": "failed", "message": "worker crashed"}
    assert not store.set_status(run_id, "running")
    assert not store.set_status(run_id, "succeeded")
    assert not store.set_status(run_id, "cancelled")
    run = store.get_run(run_id)
    assert run is not None and (run.status, run.error) == ("failed", "worker crashed")
    with pytest.raises(RunNotFound):
        store.set_status("missing", "running")


def test_a_late_cancel_cannot_contradict_the_done_event(store: RunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"loss": 0.1})
    assert not store.set_status(run_id, "cancelled", "user pressed stop")
    assert store.set_status(run_id, "succeeded")
    assert [e.type for e in store.events_after(run_id, 0)] == ["done"]


def test_a_run_reads_as_ended_once_its_log_has_ended(store: RunStore) -> None:
    """Between the worker's done event and its set_status, readers already see succeeded."""
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"epochs": 1, "loss": 0.5})
    run = store.get_run(run_id)
    assert run is not None and run.status == "succeeded"
    assert run.started_at is not None and run.finished_at is not None  # ended with its log
    assert [r.status for r in store.list_runs() if r.id == run_id] == ["succeeded"]
    assert store.set_status(run_id, "succeeded")  # the worker's own step still goes through
    assert store.get_run(run_id).finished_at is not None  # type: ignore[union-attr]


def test_non_finite_numbers_are_stored_as_strict_json(store: RunStore) -> None:
    run_id = store.create_run({})
    inf = float("inf")
    store.append_event(run_id, "epoch", epoch(1, float("nan")) | {"grad_norms": {"w": inf}})
    (event,) = store.events_after(run_id, 0)
    data = json.loads(event.data, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert data["loss"] == "NaN" and data["grad_norms"]["w"] == "Infinity"
    run = store.get_run(run_id)
    assert run is not None and run.history is not None and run.history[0]["loss"] == "NaN"


def test_list_runs_is_newest_first_with_paging(store: RunStore) -> None:
    ids = [store.create_run({"n": n}) for n in range(5)]
    assert [r.id for r in store.list_runs()] == ids[::-1]
    assert [r.id for r in store.list_runs(limit=2, offset=1)] == [ids[3], ids[2]]
    assert all(r.history is None for r in store.list_runs())


def test_a_restart_ends_open_runs_by_their_log(open_store: Opener) -> None:
    before = open_store()
    queued, running, finished, done = (before.create_run({}) for _ in range(4))
    before.set_status(running, "running")
    before.append_event(running, "epoch", epoch(1))
    before.set_status(finished, "running")
    before.append_event(finished, "done", {"loss": 0.1})
    before.set_status(finished, "succeeded")
    before.set_status(done, "running")
    before.append_event(done, "done", {"loss": 0.1})  # the worker died before set_status
    after = open_store()  # a new process opens the same data
    marked = after.mark_interrupted_runs("server restarted")
    assert sorted(marked) == sorted([queued, running, done])
    for run_id in (queued, running):
        run = after.get_run(run_id)
        assert run is not None and (run.status, run.error) == ("failed", "server restarted")
        assert after.events_after(run_id, 0)[-1].type == "error"
    ended = after.get_run(done)
    assert ended is not None and (ended.status, ended.error, ended.last_event_id) == (
        "succeeded",
        None,
        1,
    )
    assert after.get_run(finished).status == "succeeded"  # type: ignore[union-attr]
    assert after.mark_interrupted_runs("again") == []
    with pytest.raises(RunClosed):  # a worker that outlived the restart cannot write
        before.append_event(running, "epoch", epoch(2))


def test_delete_run(store: RunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "epoch", epoch(1))
    assert store.delete_run(run_id)
    assert store.get_run(run_id) is None and store.events_after(run_id, 0) == []
    assert not store.delete_run(run_id)


def test_a_store_pickles_to_where_its_data_is(store: RunStore) -> None:
    """Workers get the store pickled (embedded) or rebuilt: the copy writes to the same data."""
    run_id = store.create_run({})
    copy = pickle.loads(pickle.dumps(store))
    assert copy.append_event(run_id, "epoch", epoch(1)) == 1
    assert store.get_run(run_id).last_event_id == 1  # type: ignore[union-attr]


def test_threads_append_concurrently_without_gaps(store: RunStore) -> None:
    run_id = store.create_run({})

    def write() -> None:
        for n in range(50):
            store.append_event(run_id, "epoch", epoch(n))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.id for e in store.events_after(run_id, 0, limit=1000)] == list(range(1, 201))
