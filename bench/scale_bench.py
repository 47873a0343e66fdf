"""Scale-out benchmark: 1 web + 1 worker against 2 webs + 2 workers, on this machine.

For each layout it starts its own redis-server (append-only, temporary directory), the web
replicas (``gradtrace serve``) and the workers (``gradtrace worker --concurrency C``), then:

- programs per second: ``--clients`` concurrent clients POST a small program to /api/graph,
  spread over the replicas, for ``--seconds``;
- SSE fan-out: one training run of ``--epochs`` tiny epochs, followed live by ``--subscribers``
  SSE clients spread over the replicas; subscribers x events per second, from the run's start
  until the last subscriber has its terminal event. Every subscriber must get every event once.

It prints both layouts and the ratio (2+2 over 1+1). On a machine with few cores the processes
compete for them, so the ratio says how much the layout itself costs or gains here, not what
separate machines would give. Usage::

    python bench/scale_bench.py [--seconds 10] [--clients 8] [--subscribers 40] [--epochs 200]

Needs redis-server on PATH (scripts/test.sh installs it). This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_DEADLINE_S = 180.0

PROGRAM = """\
import torch
x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
y = x + 1
z = 2 * y
m = z.mean()
m.backward()
"""


def tiny_run(epochs: int) -> dict[str, Any]:
    """A run whose epochs take about a millisecond: the events, not the training, are measured."""
    return {
        "model": {"layers": [{"type": "linear", "in_features": 1, "out_features": 1}]},
        "data": {"x": [[1.0], [2.0], [3.0]], "y": [[2.0], [4.0], [6.0]]},
        "loss": {"type": "mse"},
        "optimizer": {"type": "sgd", "lr": 0.01},
        "epochs": epochs,
        "device": "cpu",
    }


@dataclass
class Result:
    layout: str
    programs_per_s: float
    program_errors: int
    fanout_events_per_s: float
    subscribers: int
    events: int
    run_s: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Any, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while not check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)  # polling interval while processes start


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def cluster(webs: int, workers: int, concurrency: int, tmp: Path) -> Iterator[list[str]]:
    """Redis, ``webs`` replicas and ``workers`` workers; yields the replicas' base URLs."""
    procs: list[subprocess.Popen[bytes]] = []
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise SystemExit("redis-server is not installed (scripts/test.sh installs it)")
    env = {**os.environ, "GRADTRACE_REDIS_URL": redis_url, "GRADTRACE_MAX_QUEUE": "256"}
    env["GRADTRACE_RATE_LIMIT_PER_MINUTE"] = "1000000"  # measure the service, not the limit
    env["GRADTRACE_RATE_LIMIT_BURST"] = "1000000"
    log = (tmp / "bench.log").open("ab")

    def start(args: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        procs.append(proc)
        return proc

    try:
        persistence = ["--dir", str(tmp), "--appendonly", "yes", "--save", ""]
        start([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", *persistence])
        for _ in range(workers):
            start([sys.executable, "-m", "app", "worker", "--concurrency", str(concurrency)])
        urls = []
        for _ in range(webs):
            port = free_port()
            proc = start([sys.executable, "-m", "app", "serve", "--port", str(port)])
            urls.append(f"http://127.0.0.1:{port}")
            wait_for(lambda u=urls[-1]: answers(f"{u}/health"), f"web {urls[-1]}", proc)
        expected = workers * concurrency
        for url in urls:
            wait_for(
                lambda u=url: httpx.get(f"{u}/health").json()["workers"] == expected,
                f"{expected} worker processes on {url}",
            )
        yield urls
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


async def programs_per_second(urls: list[str], clients: int, seconds: float) -> tuple[float, int]:
    """Successful POST /api/graph per second with ``clients`` in parallel; and the errors."""
    done = errors = 0
    body = {"source": PROGRAM, "device": "cpu"}

    async def client(index: int, http: httpx.AsyncClient) -> None:
        nonlocal done, errors
        url = f"{urls[index % len(urls)]}/api/graph"
        while time.monotonic() < deadline:
            response = await http.post(url, json=body)
            if response.status_code == 200:
                done += 1
            else:
                errors += 1

    async with httpx.AsyncClient(timeout=60) as http:
        for index in range(clients):  # warm every replica and worker process first
            await http.post(f"{urls[index % len(urls)]}/api/graph", json=body)
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        return done / (time.monotonic() - started), errors


async def fanout(urls: list[str], subscribers: int, epochs: int) -> tuple[float, int, float]:
    """(subscribers x events per second, events per subscriber, seconds the run took)."""
    limits = httpx.Limits(max_connections=subscribers + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        created = await http.post(f"{urls[0]}/api/runs", json=tiny_run(epochs))
        created.raise_for_status()
        run_id = created.json()["id"]
        started = time.monotonic()

        async def subscribe(index: int) -> list[int]:
            ids: list[int] = []
            url = f"{urls[index % len(urls)]}/api/runs/{run_id}/events"
            async with http.stream("GET", url) as response:
                async for line in response.aiter_lines():
                    if line.startswith("id:"):
                        ids.append(int(line[3:].strip()))
            return ids

        received = await asyncio.gather(*(subscribe(i) for i in range(subscribers)))
        elapsed = time.monotonic() - started
        run = (await http.get(f"{urls[0]}/api/runs/{run_id}")).json()
    events = run["last_event_id"]
    for ids in received:  # every subscriber, every event, once
        assert ids == list(range(1, events + 1)), f"a subscriber got {len(ids)} of {events}"
    run_s = (run["finished_at"] or time.time()) - (run["started_at"] or time.time())
    return subscribers * events / elapsed, events, run_s


def measure(layout: str, webs: int, workers: int, args: argparse.Namespace) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="gradtrace-bench-") as tmp,
        cluster(webs, workers, args.concurrency, Path(tmp)) as urls,
    ):
        rate, errors = asyncio.run(programs_per_second(urls, args.clients, args.seconds))
        events_rate, events, run_s = asyncio.run(fanout(urls, args.subscribers, args.epochs))
    return Result(layout, rate, errors, events_rate, args.subscribers, events, run_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="program load per layout")
    parser.add_argument("--clients", type=int, default=8, help="concurrent program clients")
    parser.add_argument("--subscribers", type=int, default=40, help="SSE clients on one run")
    parser.add_argument("--epochs", type=int, default=200, help="epochs of the followed run")
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()

    print(
        f"machine: {os.cpu_count()} CPUs; {args.clients} program clients for "
        f"{args.seconds:g} s; {args.subscribers} subscribers on a {args.epochs}-epoch run; "
        f"{args.concurrency} process(es) per worker",
        flush=True,
    )
    results = [measure("1 web + 1 worker", 1, 1, args), measure("2 webs + 2 workers", 2, 2, args)]
    print(
        f"{'layout':<20} {'programs/s':>11} {'errors':>7} {'SSE events/s':>13} "
        f"{'subs x events':>14} {'run s':>6}"
    )
    for r in results:
        print(
            f"{r.layout:<20} {r.programs_per_s:>11.1f} {r.program_errors:>7} "
            f"{r.fanout_events_per_s:>13.0f} {f'{r.subscribers} x {r.events}':>14} "
            f"{r.run_s:>6.2f}"
        )
    one, two = results
    print(
        f"ratio (2+2 / 1+1): programs/s {two.programs_per_s / one.programs_per_s:.2f}x, "
        f"SSE fan-out {two.fanout_events_per_s / one.fanout_events_per_s:.2f}x"
    )
    if args.json:
        print(json.dumps([r.__dict__ for r in results]))


if __name__ == "__main__":
    main()
