"""Wake this web process's SSE readers when any process, on any machine, appends to a run.

``RedisRunStore`` publishes each run id on ``{ns}:appended`` after every append. One task per web
process listens and calls ``AppendNotifier.notify``, so ``run_events`` (stream.py) works as is:
it wakes on the message and reads the store, which holds the truth. A message lost while Redis
restarts costs nothing but latency, since readers also poll every ``sse_poll_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.runs.redis_client import async_client
from app.runs.stream import AppendNotifier

log = logging.getLogger("gradtrace.runs")

RECONNECT_PAUSE_S = (0.05, 0.2, 0.5, 1.0)


async def relay_appends(url: str, channel: str, notifier: AppendNotifier) -> None:
    """Forward every published run id to ``notifier`` until cancelled; reconnects on its own."""
    failures = 0
    while True:
        client = async_client(url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                failures = 0
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        notifier.notify(message["data"])
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Redis went away: wait a little and subscribe again
            pause = RECONNECT_PAUSE_S[min(failures, len(RECONNECT_PAUSE_S) - 1)]
            failures += 1
            log.warning("run event relay lost Redis (%s); retrying in %.2f s", error, pause)
            await asyncio.sleep(pause)
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()
