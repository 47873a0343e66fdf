"""Redis clients for scale-out mode that ride out a Redis restart instead of failing at once.

Every command is retried with a growing pause (50 ms doubling to 1 s, about 20 s in all) on a
dropped or refused connection: a Redis that restarts with its append-only file comes back within
that time with everything it had acknowledged, so workers and web replicas carry on unnoticed.
"""

from __future__ import annotations

import redis
import redis.asyncio
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

# 0.05, 0.1, 0.2, 0.4, 0.8, then 1 s per try: about 20 s before a command gives up.
RETRIES = 25
RETRY_ON = [RedisConnectionError, RedisTimeoutError]
# No command of ours takes long; a wait past this means the connection is gone.
SOCKET_TIMEOUT_S = 10.0


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=1.0, base=0.05), RETRIES)


def sync_client(url: str) -> redis.Redis:
    """A thread-safe client (its own connection pool) that returns ``str``, not bytes."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        retry=_retry(),
        retry_on_error=RETRY_ON,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=2.0,
        health_check_interval=30,
    )


def async_client(url: str, *, decode: bool = True) -> redis.asyncio.Redis:
    """An asyncio client; no socket timeout, since pub/sub readers wait for as long as it takes."""
    from redis.asyncio.retry import Retry as AsyncRetry

    return redis.asyncio.Redis.from_url(
        url,
        decode_responses=decode,
        retry=AsyncRetry(ExponentialBackoff(cap=1.0, base=0.05), RETRIES),
        retry_on_error=RETRY_ON,
        socket_connect_timeout=2.0,
        health_check_interval=30,
    )
