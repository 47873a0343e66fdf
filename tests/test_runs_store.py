"""SQLiteRunStore on real files: numbering, closing, recovery, and writers in other processes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.runs.store import RunClosed, RunNotFound, SQLiteRunStore, StoredEvent

REPO_DIR = Path(__file__).resolve().parents[1]

WRITER = """
import sys
from app.runs.store import SQLiteRunStore
store, run_id, who = SQLiteRunStore(sys.argv[1]), sys.argv[2], sys.argv[4]
for i in range(int(sys.argv[3])):
    store.append_event(run_id, "epoch", {"epoch": i, "loss": 1.0 / (i + 1), "who": who})
"""


def spawn_writer(db: Path, run_id: str, count: int, who: str) -> subprocess.Popen[bytes]:
    """A separate Python process appending ``count`` epoch events to ``run_id``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    args = [sys.executable, "-c", WRITER, str(db), run_id, str(count), who]
    return subprocess.Popen(args, env=env, cwd=REPO_DIR)


@pytest.fixture
def store(tmp_path: Path) -> SQLiteRunStore:
    return SQLiteRunStore(tmp_path / "runs.sqlite3")


def epoch(n: int, loss: float = 1.0) -> dict[str, object]:
    return {"type": "epoch", "epoch": n, "loss": loss, "val_loss": None, "lr": 0.1}


def test_a_run_is_created_queued_with_its_config(store: SQLiteRunStore) -> None:
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


def test_events_are_numbered_without_gaps(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    ids = [store.append_event(run_id, "epoch", epoch(n)) for n in range(1, 6)]
    assert ids == [1, 2, 3, 4, 5]
    after = store.events_after(run_id, 2, limit=2)
    assert [e.id for e in after] == [3, 4]
    assert isinstance(after[0], StoredEvent) and after[0].payload()["epoch"] == 3
    assert [e.id for e in store.events_after(run_id, 0)] == ids
    assert store.events_after(run_id, 5) == []
    with pytest.raises(RunNotFound):
        store.append_event("missing", "epoch", {})


def test_lifecycle_history_and_metrics(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    assert store.set_status(run_id, "running")
    for n in (1, 2):
        store.append_event(run_id, "epoch", {**epoch(n, 1.0 / n), "params": {"0.weight": [[n]]}})
    done = {"type": "done", "loss": 0.5, "val_loss": None, "epochs": 2, "elapsed_ms": 9.0}
    store.append_event(run_id, "done", {**done, "metrics": {"accuracy": 0.75}})
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


def test_a_terminal_event_closes_the_log(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "cancelled", {"epoch": 1})
    with pytest.raises(RunClosed):
        store.append_event(run_id, "epoch", epoch(2))


def test_terminal_statuses_are_final_and_close_the_log(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    assert not store.set_status(run_id, "succeeded")  # queued cannot succeed directly
    assert store.set_status(run_id, "running")
    store.append_event(run_id, "epoch", epoch(1))
    assert store.set_status(run_id, "failed", "worker crashed")
    events = store.events_after(run_id, 0)
    assert [e.type for e in events] == ["epoch", "error"]
    assert events[-1].payload() == {"status": "failed", "message": "worker crashed"}
    assert not store.set_status(run_id, "running")
    assert not store.set_status(run_id, "cancelled")
    run = store.get_run(run_id)
    assert run is not None and (run.status, run.error) == ("failed", "worker crashed")
    with pytest.raises(RunNotFound):
        store.set_status("missing", "running")


def test_non_finite_numbers_are_stored_as_strict_json(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    inf = float("inf")
    store.append_event(run_id, "epoch", epoch(1, float("nan")) | {"grad_norms": {"w": inf}})
    (event,) = store.events_after(run_id, 0)
    data = json.loads(event.data, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert data["loss"] == "NaN" and data["grad_norms"]["w"] == "Infinity"
    run = store.get_run(run_id)
    assert run is not None and run.history is not None and run.history[0]["loss"] == "NaN"


def test_list_runs_is_newest_first_with_paging(store: SQLiteRunStore) -> None:
    ids = [store.create_run({"n": n}) for n in range(5)]
    assert [r.id for r in store.list_runs()] == ids[::-1]
    assert [r.id for r in store.list_runs(limit=2, offset=1)] == [ids[3], ids[2]]
    assert all(r.history is None for r in store.list_runs())


def test_restart_marks_unfinished_runs_failed(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    before = SQLiteRunStore(db)
    queued, running, finished = (before.create_run({}) for _ in range(3))
    before.set_status(running, "running")
    before.append_event(running, "epoch", epoch(1))
    before.set_status(finished, "running")
    before.append_event(finished, "done", {"loss": 0.1})
    before.set_status(finished, "succeeded")
    after = SQLiteRunStore(db)  # a new process would open the file the same way
    marked = after.mark_interrupted_runs("server restarted")
    assert sorted(marked) == sorted([queued, running])
    for run_id in (queued, running):
        run = after.get_run(run_id)
        assert run is not None and (run.status, run.error) == ("failed", "server restarted")
        assert after.events_after(run_id, 0)[-1].type == "error"
    assert after.get_run(finished).status == "succeeded"  # type: ignore[union-attr]
    assert after.mark_interrupted_runs("again") == []
    with pytest.raises(RunClosed):  # a worker that outlived the restart cannot write
        before.append_event(running, "epoch", epoch(2))


def test_delete_run(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "epoch", epoch(1))
    assert store.delete_run(run_id)
    assert store.get_run(run_id) is None and store.events_after(run_id, 0) == []
    assert not store.delete_run(run_id)


def test_store_pickles_to_its_path(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    copy = pickle.loads(pickle.dumps(store))
    assert copy.append_event(run_id, "epoch", epoch(1)) == 1


def test_threads_append_concurrently_without_gaps(store: SQLiteRunStore) -> None:
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


def test_processes_append_concurrently_while_this_one_reads(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    writers = [spawn_writer(store.path, run_id, 150, who) for who in ("a", "b")]
    seen: list[int] = []
    while True:
        finished = all(w.poll() is not None for w in writers)  # before the read: it sees all
        seen += [e.id for e in store.events_after(run_id, seen[-1] if seen else 0, limit=1000)]
        if finished:
            break
        time.sleep(0.005)
    assert [w.wait() for w in writers] == [0, 0]
    assert seen == list(range(1, 301))
    payloads = [e.payload() for e in store.events_after(run_id, 0, limit=1000)]
    assert sorted(p["epoch"] for p in payloads if p["who"] == "a") == list(range(150))


def test_a_late_cancel_cannot_contradict_the_done_event(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"loss": 0.1})
    assert not store.set_status(run_id, "cancelled", "user pressed stop")
    assert store.set_status(run_id, "succeeded")
    assert [e.type for e in store.events_after(run_id, 0)] == ["done"]


def test_restart_after_a_done_event_marks_the_run_succeeded(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "done", {"loss": 0.1})  # the worker died before set_status
    assert store.mark_interrupted_runs("server restarted") == [run_id]
    run = store.get_run(run_id)
    assert run is not None and (run.status, run.error) == ("succeeded", None)
    assert run.last_event_id == 1


def test_a_run_reads_as_ended_once_its_log_has_ended(store: SQLiteRunStore) -> None:
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
