"""What a run store holds and promises: statuses, events, run records and the RunStore protocol.

JSON written to the store is strict (``dumps_strict``): a diverging loss is sent as the string
"NaN" or "Infinity", which every JSON parser accepts, instead of a bare NaN token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
TERMINAL_EVENTS: frozenset[str] = frozenset({"done", "error", "cancelled"})
# Allowed moves; terminal statuses have none.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    "queued": frozenset({"running", "failed", "cancelled"}),
    "running": frozenset({"succeeded", "failed", "cancelled"}),
}
# The event that ends the log of a run reaching each terminal status, and back.
CLOSING_EVENT: dict[RunStatus, str] = {
    "succeeded": "done", "failed": "error", "cancelled": "cancelled"
}  # fmt: skip
STATUS_AFTER_EVENT: dict[str, RunStatus] = {
    event: status for status, event in CLOSING_EVENT.items()
}


def status_as_logged(status: str, closed: str | None) -> RunStatus:
    """The status to report: a run whose log has ended reads as ended, also in the moment
    between its worker appending the closing event and recording the status."""
    if closed in STATUS_AFTER_EVENT and status not in TERMINAL_STATUSES:
        return STATUS_AFTER_EVENT[closed]
    return status  # type: ignore[return-value]


# What a run's history keeps of each epoch event.
HISTORY_KEYS = ("epoch", "loss", "val_loss", "lr", "elapsed_ms")


class RunNotFound(KeyError):
    """No run has this id."""


class RunClosed(RuntimeError):
    """The run's event log already ended with a terminal event."""


@dataclass(frozen=True)
class StoredEvent:
    """One event of a run's log; ``data`` is its strict JSON text, ready to send as SSE data."""

    id: int
    type: str
    data: str
    created_at: float

    def payload(self) -> Any:
        return json.loads(self.data)


@dataclass
class RunRecord:
    """A run as stored. Times are UNIX seconds; ``history`` is None when not asked for."""

    id: str
    status: RunStatus
    config: dict[str, Any]
    created_at: float
    started_at: float | None
    finished_at: float | None
    error: str | None
    metrics: dict[str, Any] | None  # from the done event: loss, val_loss, epochs, accuracy...
    last_event_id: int
    history: list[dict[str, Any]] | None = None  # per epoch: epoch, loss, val_loss, lr, ...


class RunStore(Protocol):
    """Durable runs and their event logs, shared by the web process and the workers.

    ``create_run`` stores a config as a queued run and returns its id. ``set_status`` moves it
    on, False when not allowed. ``append_event`` numbers events 1, 2, 3... per run (raises
    ``RunNotFound`` for an unknown run). ``events_after`` pages through the log.
    ``mark_interrupted_runs`` ends every run left queued or running at start-up (their ids).

    Rules every backend keeps, for every writer:

    * A terminal event (``done``, ``error``, ``cancelled``) closes the log; later appends raise
      ``RunClosed`` (a worker that outlived a restart cannot write after the fact).
    * Setting a terminal status closes the log too, appending a terminal event first when the
      writer has not (``failed`` -> ``error``), so a subscriber always sees the run end. Once
      the log is closed only the matching status is accepted (a late cancel cannot contradict
      a ``done``).
    * Writers append the terminal event before they set the final status; readers rely on it.

    Kept small so another backend (Redis Streams: XADD with explicit ids, XRANGE for
    ``events_after``) can stand in for SQLite.
    """

    def create_run(self, config: Mapping[str, Any]) -> str: ...
    def set_status(self, run_id: str, status: RunStatus, error: str | None = None) -> bool: ...
    def append_event(self, run_id: str, event_type: str, data: Mapping[str, Any]) -> int: ...
    def events_after(self, run_id: str, last_id: int, limit: int = 500) -> list[StoredEvent]: ...
    def get_run(self, run_id: str, *, history: bool = True) -> RunRecord | None: ...
    def list_runs(self, limit: int = 50, offset: int = 0) -> list[RunRecord]: ...
    def mark_interrupted_runs(self, reason: str) -> list[str]: ...
    def delete_run(self, run_id: str) -> bool: ...


def _finite(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _finite(value.tolist())
    return value


def dumps_strict(value: Any) -> str:
    """Compact JSON that any parser accepts: NaN and infinities become "NaN"/"Infinity"."""
    try:  # the common case has nothing to fix and skips the recursive walk
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(_finite(value), allow_nan=False, separators=(",", ":"))
