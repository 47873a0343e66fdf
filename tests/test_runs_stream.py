"""run_events: history after Last-Event-ID, then live events, ending after the terminal one."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sse_starlette import ServerSentEvent

from app.runs.store import RunNotFound, SQLiteRunStore
from app.runs.stream import AppendNotifier, run_events

REPO_DIR = Path(__file__).resolve().parents[1]

WRITER = """
import sys, time
from app.runs.store import SQLiteRunStore
store = SQLiteRunStore(sys.argv[1])
run_id, count = sys.argv[2], int(sys.argv[3])
store.set_status(run_id, "running")
for i in range(1, count + 1):
    store.append_event(run_id, "epoch", {"type": "epoch", "epoch": i, "loss": 1.0 / i})
    time.sleep(0.002)
store.append_event(run_id, "done", {"type": "done", "loss": 1.0 / count, "epochs": count})
store.set_status(run_id, "succeeded")
"""


@pytest.fixture
def store(tmp_path: Path) -> SQLiteRunStore:
    return SQLiteRunStore(tmp_path / "runs.sqlite3")


def collect(store: SQLiteRunStore, run_id: str, last: int | None = None, **kw: Any) -> list[dict]:
    async def main() -> list[dict[str, Any]]:
        return [e async for e in run_events(store, run_id, last, **kw)]

    return asyncio.run(asyncio.wait_for(main(), timeout=60))


def finished_run(store: SQLiteRunStore, epochs: int = 5) -> str:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    for n in range(1, epochs + 1):
        store.append_event(run_id, "epoch", {"type": "epoch", "epoch": n, "loss": 1.0 / n})
    store.append_event(run_id, "done", {"type": "done", "epochs": epochs})
    store.set_status(run_id, "succeeded")
    return run_id


def test_a_late_subscriber_gets_the_whole_history_then_the_end(store: SQLiteRunStore) -> None:
    run_id = finished_run(store)
    events = collect(store, run_id, poll_interval=0.01)
    assert [e["id"] for e in events] == ["1", "2", "3", "4", "5", "6"]
    assert [e["event"] for e in events] == ["epoch"] * 5 + ["done"]
    assert json.loads(events[2]["data"]) == {"type": "epoch", "epoch": 3, "loss": 1 / 3}


@pytest.mark.parametrize("last", [0, 1, 4, 5, 6])
def test_resuming_after_n_gives_exactly_the_rest(store: SQLiteRunStore, last: int) -> None:
    run_id = finished_run(store)
    events = collect(store, run_id, last, poll_interval=0.01, batch=2)
    assert [int(e["id"]) for e in events] == list(range(last + 1, 7))


def test_unknown_run_raises_before_yielding(store: SQLiteRunStore) -> None:
    with pytest.raises(RunNotFound):
        collect(store, "nope")


def test_live_events_from_another_process_arrive_once_each(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.path), run_id, "200"], env=env, cwd=REPO_DIR
    )
    try:
        events = collect(store, run_id, poll_interval=0.02)
    finally:
        assert writer.wait(timeout=60) == 0
    assert [int(e["id"]) for e in events] == list(range(1, 202))
    assert events[-1]["event"] == "done"


def test_a_reconnect_mid_run_continues_without_gap_or_duplicate(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    for n in range(1, 4):
        store.append_event(run_id, "epoch", {"epoch": n})

    async def first_three() -> list[dict[str, Any]]:
        stream = run_events(store, run_id, None, poll_interval=0.01)
        got = [await anext(stream) for _ in range(3)]
        await stream.aclose()  # the client went away
        return got

    first = asyncio.run(first_three())
    for n in range(4, 6):
        store.append_event(run_id, "epoch", {"epoch": n})
    store.append_event(run_id, "cancelled", {"epoch": 6})
    rest = collect(store, run_id, int(first[-1]["id"]), poll_interval=0.01)
    assert [e["id"] for e in first + rest] == [str(n) for n in range(1, 7)]
    assert rest[-1]["event"] == "cancelled"


def test_the_notifier_wakes_readers_without_waiting_for_a_poll(tmp_path: Path) -> None:
    notifier = AppendNotifier()
    store = SQLiteRunStore(tmp_path / "runs.sqlite3", on_append=notifier.notify)
    run_id = store.create_run({})

    def write() -> None:
        for n in range(1, 21):
            time.sleep(0.005)
            store.append_event(run_id, "epoch", {"epoch": n})
        store.append_event(run_id, "done", {"epochs": 20})

    started = time.monotonic()
    writer = threading.Thread(target=write)
    writer.start()
    # A 30 s poll interval: only wake-ups from the notifier can finish this in time.
    events = collect(store, run_id, poll_interval=30, notifier=notifier)
    writer.join()
    assert [int(e["id"]) for e in events] == list(range(1, 22))
    assert time.monotonic() - started < 10


def test_a_failed_status_alone_still_ends_the_stream(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.set_status(run_id, "running")
    store.append_event(run_id, "epoch", {"epoch": 1})

    def fail_later() -> None:
        time.sleep(0.1)
        store.set_status(run_id, "failed", "worker killed: out of memory")

    thread = threading.Thread(target=fail_later)
    thread.start()
    events = collect(store, run_id, poll_interval=0.01)
    thread.join()
    assert [e["event"] for e in events] == ["epoch", "error"]
    assert json.loads(events[-1]["data"])["message"] == "worker killed: out of memory"


def test_heartbeat_comments_while_quiet(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})

    async def main() -> list[dict[str, Any]]:
        got = []
        async for event in run_events(store, run_id, None, poll_interval=0.01, heartbeat_s=0.05):
            got.append(event)
            if len(got) == 2:
                await asyncio.to_thread(store.set_status, run_id, "cancelled", "user")
        return got

    events = asyncio.run(asyncio.wait_for(main(), timeout=30))
    assert events[:2] == [{"comment": "keep-alive"}] * 2
    assert events[-1]["event"] == "cancelled"


def test_events_are_sse_starlette_ready_and_strict_json(store: SQLiteRunStore) -> None:
    run_id = store.create_run({})
    store.append_event(run_id, "epoch", {"epoch": 1, "loss": float("nan")})
    store.append_event(run_id, "error", {"message": "diverged\nbadly"})
    events = collect(store, run_id, poll_interval=0.01)
    wire = b"".join(ServerSentEvent(**e).encode() for e in events).decode()
    assert wire.startswith('id: 1\r\nevent: epoch\r\ndata: {"epoch":1,"loss":"NaN"}\r\n\r\n')
    for event in events:
        json.loads(event["data"], parse_constant=lambda c: pytest.fail(f"bare {c}"))
