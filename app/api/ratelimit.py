"""Per-client rate limit on the requests that start work (POST /api/*): a token bucket each.

One bucket per client address holds up to ``rate_limit_burst`` tokens and refills at
``rate_limit_per_minute``; a request that finds it empty gets 429 with Retry-After at once,
never a wait. Reads (GET: pages, static files, health, SSE) are not limited: they start no job.
Buckets live in this process; behind several replicas each replica limits on its own.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.envelope import error_response

MAX_CLIENTS = 10_000  # buckets kept; the least recently seen are forgotten first


class TokenBuckets:
    """Token buckets by key, with a bounded number of keys."""

    def __init__(self, per_minute: int, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token; return 0 when granted, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self.buckets[key] = (tokens, now)
        if len(self.buckets) > MAX_CLIENTS:
            self.buckets.popitem(last=False)
        return wait


class RateLimit:
    """ASGI middleware applying :class:`TokenBuckets` to POST requests under /api/."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int, trust_forwarded: bool):
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst)
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        starts_work = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith("/api/")
        )
        wait = self.buckets.take(self.client(scope)) if starts_work else 0.0
        if wait > 0:
            response = error_response(
                429,
                "rate_limited",
                f"too many requests from this client (rate_limit_per_minute); retry in "
                f"{math.ceil(wait)} s",
                limit="rate_limit_per_minute",
                headers={"Retry-After": str(math.ceil(wait))},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def client(self, scope: Scope) -> str:
        if self.trust_forwarded:  # behind our own proxy, the first hop is the real client
            for name, value in scope.get("headers", []):
                if name == b"x-forwarded-for":
                    first: str = value.decode("latin-1").split(",")[0].strip()
                    return first
        client = scope.get("client")
        return str(client[0]) if client else "unknown"
