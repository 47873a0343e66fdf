"""RedisRunStore: the ``RunStore`` protocol (records.py) in Redis, for scale-out mode.

Any web replica serves any run, and a worker on any machine writes its events, because the
whole state lives in Redis (with ``appendonly yes``, it survives a Redis restart):

* ``{ns}:run:{id}`` a hash: status, config, times, error, metrics, ``last_event_id``, ``closed``
  (the terminal event that ended the log) and ``last_token`` (see below);
* ``{ns}:run:{id}:events`` a Redis Stream whose entry ids are ``0-1``, ``0-2``, ``0-3``...: the
  stream id *is* the SSE event id, so ``events_after`` is one ``XRANGE`` from ``0-{last+1}`` and
  ``Last-Event-ID`` resume works on any replica. ``XADD ... MAXLEN ~`` bounds a runaway writer;
  a valid run (at most ``train_max_epochs`` + 2 events) is never trimmed;
* ``{ns}:run:{id}:history`` a list of per-epoch summaries (what ``get_run`` returns);
* ``{ns}:runs`` a sorted set by creation order (``list_runs``), ``{ns}:runs:open`` the runs not
  yet ended (restart recovery and the lease reaper).

Numbering an event and writing it must be one atomic step for every writer on every machine, so
both happen in a Lua script. Each append carries a random token and the script remembers the
last one: when a connection drops after Redis ran the script but before the reply arrived, the
client's retry finds its token and gets the same id back instead of appending twice.

After each append the script PUBLISHes ``run_id`` on ``{ns}:appended``; ``redis_notify.py``
turns that into wake-ups for the SSE readers of each web process.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any, cast

import redis
from redis.exceptions import ResponseError

from app.runs.records import (
    CLOSING_EVENT,
    HISTORY_KEYS,
    NEXT_STATUSES,
    STATUS_AFTER_EVENT,
    TERMINAL_EVENTS,
    RunClosed,
    RunNotFound,
    RunRecord,
    RunStatus,
    StoredEvent,
    dumps_strict,
    status_as_logged,
)
from app.runs.redis_client import sync_client

# Shared by both scripts: append one event to the log whose state is in `state`, return its id.
_LUA_APPEND = """
local function append(state, etype, data, summary, now, maxlen, metrics, token)
  if state[2] then return redis.error_reply('gradtrace:closed') end
  local id = tonumber(state[3]) + 1
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '0-' .. id,
             'id', id, 'type', etype, 'data', data, 'created_at', now)
  if summary ~= '' then redis.call('RPUSH', KEYS[3], summary) end
  redis.call('HSET', KEYS[1], 'last_event_id', id, 'last_token', token)
  if metrics ~= '' then redis.call('HSET', KEYS[1], 'metrics', metrics) end
  if ARGV[7] ~= '' then
    -- the log's end is the run's end, also before its status is recorded
    redis.call('HSET', KEYS[1], 'closed', etype)
    redis.call('HSETNX', KEYS[1], 'finished_at', now)
  end
  redis.call('PUBLISH', ARGV[8], ARGV[9])
  return id
end
local state = redis.call('HMGET', KEYS[1], 'status', 'closed', 'last_event_id', 'last_token')
if not state[1] then return redis.error_reply('gradtrace:notfound') end
"""

# KEYS: run, events, history, open. ARGV: type, data, summary, now, maxlen, metrics,
# closes ('1' or ''), channel, run id, token.
APPEND_SCRIPT = (
    _LUA_APPEND
    + """
if state[4] == ARGV[10] then return tonumber(state[3]) end
return append(state, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[10])
"""
)

# KEYS: as above. ARGV: status, closing event type, closing event data, now, maxlen, error,
# closes ('1'), channel, run id, token, allowed current statuses (space separated). A retry
# of a call that already took effect finds its token in status_token and reports success.
SET_STATUS_SCRIPT = (
    _LUA_APPEND
    + """
if redis.call('HGET', KEYS[1], 'status_token') == ARGV[10] then return 1 end
if not string.find(' ' .. ARGV[11] .. ' ', ' ' .. state[1] .. ' ', 1, true) then return 0 end
if state[2] and state[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status_token', ARGV[10])
if ARGV[1] == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[4])
  return 1
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
redis.call('HSETNX', KEYS[1], 'finished_at', ARGV[4])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[6]) end
redis.call('SREM', KEYS[4], ARGV[9])
if not state[2] then
  append(state, ARGV[2], ARGV[3], '', ARGV[4], ARGV[5], '', ARGV[10])
end
return 1
"""
)


class RedisRunStore:
    """``RunStore`` in Redis; thread-safe, and picklable (as its URL) into other processes."""

    def __init__(self, url: str, *, namespace: str = "gradtrace", max_events: int = 100_000):
        self.url = url
        self.namespace = namespace
        self.max_events = max_events  # MAXLEN of each run's stream
        self.channel = f"{namespace}:appended"
        self.redis: redis.Redis = sync_client(url)
        self._append = self.redis.register_script(APPEND_SCRIPT)
        self._set_status = self.redis.register_script(SET_STATUS_SCRIPT)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "namespace": self.namespace, "max_events": self.max_events}

    def __setstate__(self, state: dict[str, Any]) -> None:
        url = state.pop("url")
        self.__init__(url, **state)  # type: ignore[misc]

    def close(self) -> None:
        self.redis.close()

    # Keys -------------------------------------------------------------------------------------

    def _key(self, run_id: str, part: str = "") -> str:
        return f"{self.namespace}:run:{run_id}{part}"

    def _run_keys(self, run_id: str) -> list[str]:
        """KEYS of both scripts: the run's hash, stream, history and the open-runs set."""
        return [
            self._key(run_id),
            self._key(run_id, ":events"),
            self._key(run_id, ":history"),
            f"{self.namespace}:runs:open",
        ]

    # Writes -----------------------------------------------------------------------------------

    def create_run(self, config: Mapping[str, Any]) -> str:
        run_id = uuid.uuid4().hex[:12]
        seq = self.redis.incr(f"{self.namespace}:runs:seq")
        record = {
            "id": run_id,
            "seq": seq,
            "status": "queued",
            "config": dumps_strict(config),
            "created_at": repr(time.time()),
            "last_event_id": 0,
        }
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self._key(run_id), mapping=cast(Mapping[Any, Any], record))
        pipe.zadd(f"{self.namespace}:runs", {run_id: seq})
        pipe.sadd(f"{self.namespace}:runs:open", run_id)
        pipe.execute()
        return run_id

    def set_status(self, run_id: str, status: RunStatus, error: str | None = None) -> bool:
        """Move a run on; False when not allowed (same rules as ``SQLiteRunStore``)."""
        allowed_from = " ".join(s for s, nexts in NEXT_STATUSES.items() if status in nexts)
        closing = CLOSING_EVENT.get(status, "")
        data = {"status": status, "message": error} if error else {"status": status}
        args = [
            status,
            closing,
            dumps_strict(data),
            repr(time.time()),
            self.max_events,
            error or "",
            "1",
            self.channel,
            run_id,
            uuid.uuid4().hex,
            allowed_from,
        ]
        return bool(self._run_script(self._set_status, run_id, args))

    def append_event(self, run_id: str, event_type: str, data: Mapping[str, Any]) -> int:
        """Append one event and return its id (1, 2, 3... per run)."""
        summary = ""
        if event_type == "epoch":
            summary = dumps_strict({k: data.get(k) for k in HISTORY_KEYS})
        metrics = ""
        if event_type == "done":
            values = {k: data.get(k) for k in ("loss", "val_loss", "epochs", "elapsed_ms")}
            values.update(data.get("metrics") or {})
            metrics = dumps_strict(values)
        args = [
            event_type,
            dumps_strict(data),
            summary,
            repr(time.time()),
            self.max_events,
            metrics,
            "1" if event_type in TERMINAL_EVENTS else "",
            self.channel,
            run_id,
            uuid.uuid4().hex,  # the same token on every retry of this one append
        ]
        return int(self._run_script(self._append, run_id, args))

    def _run_script(self, script: Any, run_id: str, args: list[Any]) -> Any:
        try:
            return script(keys=self._run_keys(run_id), args=args)
        except ResponseError as error:
            if "gradtrace:notfound" in str(error):
                raise RunNotFound(run_id) from None
            if "gradtrace:closed" in str(error):
                raise RunClosed(f"run {run_id} has ended; event {args[0]!r} not appended") from None
            raise

    def mark_interrupted_runs(self, reason: str) -> list[str]:
        """End every run not yet ended, as ``SQLiteRunStore`` does at start-up.

        Scale-out web replicas do not call this (other replicas' runs are alive); it is for a
        whole-cluster restart, and the lease reaper (``app.jobs.celery.run_manager``) ends runs
        one by one otherwise.
        """
        ended = []
        for run_id in self.open_runs():
            closed = cast(str | None, self.redis.hget(self._key(run_id), "closed"))
            status: RunStatus = STATUS_AFTER_EVENT[closed] if closed else "failed"
            if self.set_status(run_id, status, reason if status != "succeeded" else None):
                ended.append(run_id)
        return ended

    def delete_run(self, run_id: str) -> bool:
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self._key(run_id))
        pipe.delete(self._key(run_id, ":events"), self._key(run_id, ":history"))
        pipe.zrem(f"{self.namespace}:runs", run_id)
        pipe.srem(f"{self.namespace}:runs:open", run_id)
        return bool(pipe.execute()[0])

    # Reads ------------------------------------------------------------------------------------

    def events_after(self, run_id: str, last_id: int, limit: int = 500) -> list[StoredEvent]:
        """Events with id > ``last_id``, oldest first, at most ``limit``."""
        entries = cast(
            list[tuple[str, dict[str, str]]],
            self.redis.xrange(
                self._key(run_id, ":events"), min=f"0-{last_id + 1}", max="+", count=limit
            ),
        )
        return [
            StoredEvent(int(f["id"]), f["type"], f["data"], float(f["created_at"]))
            for _, f in entries
        ]

    def get_run(self, run_id: str, *, history: bool = True) -> RunRecord | None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(self._key(run_id))
        if history:
            pipe.lrange(self._key(run_id, ":history"), 0, -1)
        fields, *rest = pipe.execute()
        if not fields:
            return None
        record = _record(fields)
        if history:
            record.history = [json.loads(summary) for summary in rest[0]]
        return record

    def list_runs(self, limit: int = 50, offset: int = 0) -> list[RunRecord]:
        """Runs newest first, without their history."""
        ids = cast(
            list[str], self.redis.zrevrange(f"{self.namespace}:runs", offset, offset + limit - 1)
        )
        pipe = self.redis.pipeline(transaction=False)
        for run_id in ids:
            pipe.hgetall(self._key(run_id))
        return [_record(fields) for fields in pipe.execute() if fields]

    def open_runs(self) -> list[str]:
        """Ids of the runs still queued or running."""
        return sorted(cast(set[str], self.redis.smembers(f"{self.namespace}:runs:open")))


def _record(fields: dict[str, str]) -> RunRecord:
    def number(name: str) -> float | None:
        value = fields.get(name)
        return float(value) if value else None

    return RunRecord(
        id=fields["id"],
        status=status_as_logged(fields["status"], fields.get("closed")),
        config=json.loads(fields["config"]),
        created_at=float(fields["created_at"]),
        started_at=number("started_at"),
        finished_at=number("finished_at"),
        error=fields.get("error") or None,
        metrics=json.loads(fields["metrics"]) if fields.get("metrics") else None,
        last_event_id=int(fields.get("last_event_id", 0)),
    )
