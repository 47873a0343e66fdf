"""Durable run records, their event logs, and SSE streams of them."""

from app.runs.store import (
    TERMINAL_EVENTS,
    TERMINAL_STATUSES,
    RunClosed,
    RunNotFound,
    RunRecord,
    RunStatus,
    RunStore,
    SQLiteRunStore,
    StoredEvent,
    dumps_strict,
)
from app.runs.stream import AppendNotifier, run_events

__all__ = [
    "TERMINAL_EVENTS",
    "TERMINAL_STATUSES",
    "AppendNotifier",
    "RunClosed",
    "RunNotFound",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "SQLiteRunStore",
    "StoredEvent",
    "dumps_strict",
    "run_events",
]
