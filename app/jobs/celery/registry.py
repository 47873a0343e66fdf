"""Which ``gradtrace worker`` processes are alive, with their device and size.

Each worker's main process keeps ``{ns}:worker:{node}`` alive (a key with a short TTL, refreshed
from a thread); web replicas read the live set to report ``workers`` in /health and to know
whether any worker has CUDA (a run asking for ``device: "cuda"`` is refused with a 400 when
none has, as an embedded server without a GPU refuses it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, cast

import redis

log = logging.getLogger("gradtrace.jobs")

TTL_S = 15.0


class WorkerRegistry:
    """Heartbeats of worker processes in Redis (``client`` is a sync client).

    Each worker's info is a key that expires; a sorted set of node names, scored by when their
    heartbeat runs out, lists them without scanning the keyspace (which holds every run).
    """

    def __init__(self, client: redis.Redis, namespace: str = "gradtrace") -> None:
        self.client = client
        self.prefix = f"{namespace}:worker:"
        self.index = f"{namespace}:workers"

    def beat(self, node: str, info: dict[str, Any]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.prefix + node, json.dumps(info), px=int(TTL_S * 1000))
        pipe.zadd(self.index, {node: time.time() + TTL_S})
        pipe.execute()

    def forget(self, node: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self.prefix + node)
        pipe.zrem(self.index, node)
        pipe.execute()

    def keep_alive(self, node: str, info: dict[str, Any]) -> threading.Event:
        """Beat now and every TTL/3 from a daemon thread; set the returned event to stop."""
        stop = threading.Event()
        self.beat(node, info)

        def loop() -> None:
            while not stop.wait(TTL_S / 3):
                try:
                    self.beat(node, info)
                except redis.RedisError as error:
                    log.warning("worker heartbeat failed: %s", error)

        threading.Thread(target=loop, name="gradtrace-heartbeat", daemon=True).start()
        return stop

    def nodes(self) -> list[str]:
        """Names of the workers whose heartbeat has not run out."""
        self.client.zremrangebyscore(self.index, "-inf", time.time())
        return cast(list[str], self.client.zrange(self.index, 0, -1))  # decoded: str

    def live(self) -> list[dict[str, Any]]:
        """The live workers' info dicts (each with ``node``, ``device``, ``concurrency``)."""
        keys = [self.prefix + node for node in self.nodes()]
        values = self.client.mget(keys) if keys else []
        return [json.loads(value) for value in values if value]
