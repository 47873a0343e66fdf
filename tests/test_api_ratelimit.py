"""Per-client rate limit: POSTs past the burst get 429 with Retry-After; reads never do."""

from __future__ import annotations

import sys

import httpx

from app.api.ratelimit import TokenBuckets
from tests.conftest import ServeFactory

PROGRAM = "import torch\nx = torch.ones(2, requires_grad=True)\nx.sum().backward()\n"


def test_bucket_refills_at_the_rate():
    buckets = TokenBuckets(per_minute=60, burst=2)
    assert buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) == 1.0  # empty: one token a second
    assert buckets.take("b", now=0.0) == 0  # clients do not share buckets
    assert buckets.take("a", now=1.0) == 0


def test_server_refuses_a_flood_with_429_and_keeps_serving_reads(serve: ServeFactory):
    env = {"GRADTRACE_RATE_LIMIT_PER_MINUTE": "6", "GRADTRACE_RATE_LIMIT_BURST": "3"}
    base_url, _, _ = serve([sys.executable, "-m", "app", "serve", "--workers", "1"], env)
    with httpx.Client(base_url=base_url, timeout=60) as client:
        codes = [
            client.post("/api/graph", json={"source": PROGRAM, "render_svg": False}).status_code
            for _ in range(5)
        ]
        assert codes[:3] == [200, 200, 200]
        refused = client.post("/api/graph", json={"source": PROGRAM})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["limit"] == "rate_limit_per_minute"
        assert client.get("/health").status_code == 200
