"""Load test: do hostile programs slow down everyone else?

Two phases against one server, each ``--duration`` seconds:

- baseline: ``--clients`` (20) concurrent clients POST the example programs that succeed
  (app/examples, rotating) to /api/graph;
- attack: the same clients, while 2 clients send the hostile catalogue
  (tests/security/hostile_programs.py) and 1 client sends a runaway computation that only the
  job time limit stops (its worker is killed and replaced each time).

It prints the requests served, the 5xx count (must be 0), the p50/p99 latency of the normal
clients in each phase and their ratio (target: p99 attack/baseline <= 2), and the peak resident
memory of the server's process tree (read from /proc every half second). It starts its own
server (``python -m app serve --port <free> --workers N``, rate limit raised) unless ``--url``
is given (then pass ``--pid`` for the memory figure). Usage::

    python bench/load_test.py [--duration 60] [--clients 20] [--workers 2] [--url URL --pid PID]

Exit status 1 when any response was a 5xx or a request failed outright. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.security.hostile_programs import HOSTILE, RUNAWAY  # noqa: E402

START_DEADLINE_S = 180.0
HOSTILE_CLIENTS = 2
RUNAWAY_CLIENTS = 1


@dataclass
class Tally:
    """What one group of clients saw in one phase."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # no HTTP response at all (connection refused, reset, client timeout)

    def add(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def served(self) -> int:
        return len(self.latencies)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def normal_programs() -> list[str]:
    """The example programs that are expected to succeed."""
    index = json.loads((ROOT / "app" / "examples" / "index.json").read_text())
    return [
        (ROOT / "app" / "examples" / f"{entry['id']}.py").read_text()
        for entry in index
        if not entry["expects_error"]
    ]


async def client_loop(
    http: httpx.AsyncClient, programs: Iterator[str], tally: Tally, stop_at: float
) -> None:
    while time.monotonic() < stop_at:
        source = next(programs)
        started = time.perf_counter()
        try:
            response = await http.post("/api/graph", json={"source": source, "render_svg": False})
        except httpx.HTTPError:
            tally.failures += 1
            continue
        tally.add(response.status_code, time.perf_counter() - started)


async def phase(url: str, clients: int, duration: float, attack: bool) -> tuple[Tally, Tally]:
    """Run one phase; return the normal clients' tally and the attackers'."""
    normal, hostile = Tally(), Tally()
    stop_at = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        programs = normal_programs()
        tasks = [
            client_loop(http, itertools.cycle(programs[i:] + programs[:i]), normal, stop_at)
            for i in range(clients)
        ]
        if attack:
            sources = [h.source for h in HOSTILE]
            tasks += [
                client_loop(http, itertools.cycle(sources[i::HOSTILE_CLIENTS]), hostile, stop_at)
                for i in range(HOSTILE_CLIENTS)
            ]
            tasks += [
                client_loop(http, itertools.repeat(RUNAWAY), hostile, stop_at)
                for _ in range(RUNAWAY_CLIENTS)
            ]
        await asyncio.gather(*tasks)
    return normal, hostile


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total_kb, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


async def watch_memory(pid: int | None, peak: list[float], stop: asyncio.Event) -> None:
    while pid is not None and not stop.is_set():
        peak[0] = max(peak[0], tree_rss_mb(pid))
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def measure(url: str, pid: int | None, args: argparse.Namespace) -> dict[str, object]:
    peak = [0.0]
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_memory(pid, peak, stop))
    await phase(url, 2, 3.0, attack=False)  # warm the workers' lazy imports (optimizers, plots)
    baseline, _ = await phase(url, args.clients, args.duration, attack=False)
    attacked, hostile = await phase(url, args.clients, args.duration, attack=True)
    stop.set()
    await watcher
    return {"baseline": baseline, "attacked": attacked, "hostile": hostile, "peak_mb": peak[0]}


def report(results: dict[str, object], args: argparse.Namespace) -> int:
    baseline: Tally = results["baseline"]  # type: ignore[assignment]
    attacked: Tally = results["attacked"]  # type: ignore[assignment]
    hostile: Tally = results["hostile"]  # type: ignore[assignment]
    tallies = (baseline, attacked, hostile)
    server_errors = sum(t.server_errors for t in tallies)
    failures = sum(t.failures for t in tallies)
    print(
        f"duration per phase: {args.duration:g} s, {args.clients} normal clients, "
        f"{HOSTILE_CLIENTS} hostile + {RUNAWAY_CLIENTS} runaway clients in the attack phase"
    )
    for name, tally in (("baseline", baseline), ("with attackers", attacked)):
        print(
            f"normal clients, {name:<15}: {tally.served:5d} served, "
            f"{tally.served / args.duration:6.1f}/s, p50 {tally.percentile(0.5) * 1000:7.0f} ms, "
            f"p99 {tally.percentile(0.99) * 1000:7.0f} ms, statuses {_statuses(tally)}"
        )
    print(f"hostile clients: {hostile.served} served, statuses {_statuses(hostile)}")
    ratio50 = attacked.percentile(0.5) / baseline.percentile(0.5)
    ratio99 = attacked.percentile(0.99) / baseline.percentile(0.99)
    print(
        f"latency ratio with/without attackers: p50 {ratio50:.2f}, p99 {ratio99:.2f} "
        f"(target <= 2: {'met' if ratio99 <= 2 else 'NOT met'})"
    )
    print(
        f"requests served: {sum(t.served for t in tallies)}, 5xx: {server_errors}, "
        f"failed without a response: {failures}"
    )
    if results["peak_mb"]:
        print(f"peak server memory (RSS of its process tree): {results['peak_mb']:.0f} MB")
    return 1 if server_errors or failures else 0


def _statuses(tally: Tally) -> dict[int, int]:
    return dict(sorted(tally.statuses.items()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def own_server(workers: int) -> Iterator[tuple[str, int]]:
    """``python -m app serve`` on a free port, rate limit raised; yields (url, pid)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gradtrace-load-") as tmp:
        env = {
            **os.environ,
            "GRADTRACE_DATA_DIR": str(Path(tmp) / "data"),
            "GRADTRACE_RATE_LIMIT_PER_MINUTE": "1000000",
            "GRADTRACE_RATE_LIMIT_BURST": "100000",
        }
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below
        command = [sys.executable, "-m", "app", "serve", "--port", str(port),
                   "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, Path(tmp) / "server.log")
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit(f"the server was not healthy after {START_DEADLINE_S:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (60)")
    parser.add_argument("--clients", type=int, default=20, help="normal clients (20)")
    parser.add_argument("--workers", type=int, default=2, help="workers of our server (2)")
    parser.add_argument("--url", help="an already running server (then no server is started)")
    parser.add_argument("--pid", type=int, help="that server's pid, for the memory figure")
    args = parser.parse_args()
    if args.url:
        results = asyncio.run(measure(args.url.rstrip("/"), args.pid, args))
    else:
        with own_server(args.workers) as (url, pid):
            results = asyncio.run(measure(url, pid, args))
    return report(results, args)


if __name__ == "__main__":
    sys.exit(main())
