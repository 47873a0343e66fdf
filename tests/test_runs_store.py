"""SQLiteRunStore on a real file: writers in other processes while this one reads.

The rules every store keeps are checked for both stores in test_runs_store_contract.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.runs.store import SQLiteRunStore

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
