"""Run leases: a worker proves a run is alive by refreshing a Redis key that expires.

In scale-out mode a run can outlive the web replica that started it, and the machine running
it can vanish without anyone reporting it (power, network, the whole worker killed). So the
worker holds ``{ns}:run:{id}:lease`` (a key with a TTL of ``run_lease_s``) while it trains and
refreshes it from a thread; any web replica that finds a "running" run without a lease ends it
as failed (``CeleryRunManager.reap_runs``). A run therefore never stays "running" for longer
than its lease after its worker is gone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import redis

log = logging.getLogger("gradtrace.jobs")


class RunLease:
    """Take, refresh and inspect run leases in ``client`` (a sync Redis client)."""

    def __init__(self, client: redis.Redis, namespace: str, ttl_s: float) -> None:
        self.client = client
        self.namespace = namespace
        self.ttl_ms = max(1_000, int(ttl_s * 1000))
        # Delete the lease only if it is still ours: never another holder's.
        self._release = client.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"
        )

    def key(self, run_id: str) -> str:
        return f"{self.namespace}:run:{run_id}:lease"

    @contextlib.contextmanager
    def hold(self, run_id: str, holder: dict[str, Any]) -> Iterator[None]:
        """Hold the lease for the duration of the block, refreshed three times per TTL."""
        key, value = self.key(run_id), json.dumps(holder)
        self.client.set(key, value, px=self.ttl_ms)
        done = threading.Event()

        def refresh() -> None:
            while not done.wait(self.ttl_ms / 3000):
                try:
                    self.client.set(key, value, px=self.ttl_ms)
                except redis.RedisError as error:  # Redis down: keep trying while we run
                    log.warning("could not refresh the lease of run %s: %s", run_id, error)

        thread = threading.Thread(target=refresh, name=f"lease-{run_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            with contextlib.suppress(redis.RedisError):
                self._release(keys=[key], args=[value])

    def holder(self, run_id: str) -> dict[str, Any] | None:
        """Who holds the lease (``pid``, ``node``), or None when nobody does."""
        value = self.client.get(self.key(run_id))
        return json.loads(value) if value else None
