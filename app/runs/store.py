"""SQLiteRunStore: the ``RunStore`` protocol (records.py) in one SQLite file.

Every run has an event log numbered 1, 2, 3... without gaps, which is what lets an SSE client
resume with ``Last-Event-ID``; the rules every writer is held to are on ``RunStore``. The
protocol's types are re-exported here and from ``app.runs``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.runs.records import (
    CLOSING_EVENT,
    HISTORY_KEYS,
    NEXT_STATUSES,
    STATUS_AFTER_EVENT,
    TERMINAL_EVENTS,
    TERMINAL_STATUSES,
    RunClosed,
    RunNotFound,
    RunRecord,
    RunStatus,
    RunStore,
    StoredEvent,
    dumps_strict,
    status_as_logged,
)

__all__ = [
    "TERMINAL_EVENTS",
    "TERMINAL_STATUSES",
    "RunClosed",
    "RunNotFound",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "SQLiteRunStore",
    "StoredEvent",
    "dumps_strict",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    error TEXT,
    metrics TEXT,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    closed TEXT  -- the terminal event that ended the log, NULL while it is open
);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    summary TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status);
"""
_RUN_COLUMNS = (
    "id, status, config, created_at, started_at, finished_at, error, metrics, last_event_id, closed"
)


class SQLiteRunStore:
    """``RunStore`` in one SQLite file (WAL), shared by the web process and worker processes.

    Each thread of each process gets its own connection (sqlite3 connections must not cross
    threads or forks); writes take the write lock up front (BEGIN IMMEDIATE) so numbering an
    event and inserting it is one atomic step. ``on_append(run_id, event_id)`` is called after
    each committed append, e.g. ``AppendNotifier.notify`` to wake readers in this process.
    """

    def __init__(
        self, path: str | Path, *, on_append: Callable[[str, int], None] | None = None
    ) -> None:
        self.path = Path(path)
        self.on_append = on_append
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn().executescript(_SCHEMA)

    def __getstate__(self) -> dict[str, Any]:  # pickled into a worker: reconnect there
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of a process
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (others close with their threads or the process)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
            self._local.conn = None

    def create_run(self, config: Mapping[str, Any]) -> str:
        run_id = uuid.uuid4().hex[:12]
        with self._write() as conn:
            conn.execute(
                "INSERT INTO runs (id, status, config, created_at) VALUES (?, 'queued', ?, ?)",
                (run_id, dumps_strict(config), time.time()),
            )
        return run_id

    def set_status(self, run_id: str, status: RunStatus, error: str | None = None) -> bool:
        """Move a run on; False when the move is not allowed.

        Terminal statuses are final, and once the log has ended only the matching status is
        accepted (after ``done``, ``succeeded``): a cancel that arrives after the worker's done
        event is refused rather than contradicting the log.
        """
        with self._write() as conn:
            current, closed = self._run_state(conn, run_id)
            if status not in NEXT_STATUSES.get(current, frozenset()):
                return False
            if closed is not None and status != STATUS_AFTER_EVENT[closed]:
                return False
            if status == "running":
                conn.execute(
                    "UPDATE runs SET status=?, started_at=? WHERE id=?",
                    (status, time.time(), run_id),
                )
                return True
            event_id = self._finish(conn, run_id, status, error, closed)
        self._notify(run_id, event_id)
        return True

    def _finish(
        self,
        conn: sqlite3.Connection,
        run_id: str,
        status: RunStatus,
        error: str | None,
        closed: str | None,
    ) -> int | None:
        """Set a terminal status; close the log with its event if still open (that event's id)."""
        conn.execute(
            "UPDATE runs SET status=?, finished_at=COALESCE(finished_at, ?),"
            " error=COALESCE(?, error) WHERE id=?",
            (status, time.time(), error, run_id),
        )
        if closed is not None:
            return None
        data = {"status": status, "message": error} if error else {"status": status}
        return self._insert_event(conn, run_id, CLOSING_EVENT[status], data)

    def append_event(self, run_id: str, event_type: str, data: Mapping[str, Any]) -> int:
        """Append one event and return its id (1, 2, 3... per run)."""
        with self._write() as conn:
            self._run_state(conn, run_id)
            event_id = self._insert_event(conn, run_id, event_type, data)
        self._notify(run_id, event_id)
        return event_id

    def _insert_event(
        self, conn: sqlite3.Connection, run_id: str, event_type: str, data: Mapping[str, Any]
    ) -> int:
        last, closed = conn.execute(
            "SELECT last_event_id, closed FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        if closed:
            raise RunClosed(f"run {run_id} has ended; event {event_type!r} not appended")
        event_id = last + 1
        closing = event_type if event_type in TERMINAL_EVENTS else None
        summary = None
        if event_type == "epoch":
            summary = dumps_strict({k: data.get(k) for k in HISTORY_KEYS})
        now = time.time()
        conn.execute(
            "INSERT INTO events (run_id, id, type, data, summary, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, event_id, event_type, dumps_strict(data), summary, now),
        )
        metrics = None
        if event_type == "done":
            metrics = {k: data.get(k) for k in ("loss", "val_loss", "epochs", "elapsed_ms")}
            metrics.update(data.get("metrics") or {})
        # The log's end is the run's end (finished_at), also before its status is recorded.
        conn.execute(
            "UPDATE runs SET last_event_id=?, closed=?, metrics=COALESCE(?, metrics),"
            " finished_at=CASE WHEN ? IS NULL THEN finished_at ELSE COALESCE(finished_at, ?) END"
            " WHERE id=?",
            (event_id, closing, metrics and dumps_strict(metrics), closing, now, run_id),
        )
        return int(event_id)

    def _run_state(self, conn: sqlite3.Connection, run_id: str) -> tuple[str, str | None]:
        """(status, closing event or None); RunNotFound for an unknown id."""
        row = conn.execute("SELECT status, closed FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFound(run_id)
        return row[0], row[1]

    def _notify(self, run_id: str, event_id: int | None) -> None:
        if self.on_append is not None and event_id is not None:
            self.on_append(run_id, event_id)

    def events_after(self, run_id: str, last_id: int, limit: int = 500) -> list[StoredEvent]:
        """Events with id > ``last_id``, oldest first, at most ``limit``."""
        rows = self._conn().execute(
            "SELECT id, type, data, created_at FROM events WHERE run_id=? AND id>?"
            " ORDER BY id LIMIT ?",
            (run_id, last_id, limit),
        )
        return [StoredEvent(*row) for row in rows]

    def get_run(self, run_id: str, *, history: bool = True) -> RunRecord | None:
        conn = self._conn()
        row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            return None
        record = _record(row)
        if history:
            rows = conn.execute(
                "SELECT summary FROM events WHERE run_id=? AND summary IS NOT NULL ORDER BY id",
                (run_id,),
            )
            record.history = [json.loads(summary) for (summary,) in rows]
        return record

    def list_runs(self, limit: int = 50, offset: int = 0) -> list[RunRecord]:
        """Runs newest first, without their history."""
        rows = self._conn().execute(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY seq DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_record(row) for row in rows]

    def mark_interrupted_runs(self, reason: str) -> list[str]:
        """At start-up: end every run left queued or running (its worker is gone).

        A run whose log already ended (the worker died between its terminal event and the
        status) gets the status of that event; any other becomes failed with ``reason``.
        """
        ended: list[tuple[str, int | None]] = []
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, closed FROM runs WHERE status IN ('queued', 'running')"
            ).fetchall()
            for run_id, closed in rows:
                status = STATUS_AFTER_EVENT[closed] if closed else "failed"
                error = reason if status != "succeeded" else None
                ended.append((run_id, self._finish(conn, run_id, status, error, closed)))
        for run_id, event_id in ended:
            self._notify(run_id, event_id)
        return [run_id for run_id, _ in ended]

    def delete_run(self, run_id: str) -> bool:
        with self._write() as conn:
            conn.execute("DELETE FROM events WHERE run_id=?", (run_id,))
            return conn.execute("DELETE FROM runs WHERE id=?", (run_id,)).rowcount > 0


def _record(row: tuple[Any, ...]) -> RunRecord:
    run_id, status, config, created, started, finished, error, metrics, last, closed = row
    return RunRecord(
        id=run_id,
        status=status_as_logged(status, closed),
        config=json.loads(config),
        created_at=created,
        started_at=started,
        finished_at=finished,
        error=error,
        metrics=json.loads(metrics) if metrics else None,
        last_event_id=last,
    )
