"""Graph benchmark: gradtrace's POST /api/graph against torchviz + dot on the same tensors.

For each program (seed programs, an MLP of depth 10 and 100, a 4-layer TransformerEncoder) this
measures, in one run on one machine:

- service JSON: ``POST /api/graph`` with ``render_svg: false`` (run the program in a warm worker,
  walk the graph, describe every tensor), end to end over HTTP;
- service JSON+SVG: the same with the SVG rendered by ``dot``;
- baseline "walk+dot": the same program run as plain Python in this process (not timed), then
  torchviz's ``make_dot`` on its result plus ``dot -Tsvg`` (timed): a bare grad_fn walk and
  render of the same tensors;
- baseline "script": the whole bare script timed - running the program under CPython, then
  ``make_dot`` and ``dot -Tsvg`` - which is the work the service does for a request.

It prints medians and the ratios (targets: JSON p50 under 5 ms for seed programs; JSON+SVG
within 1.3x of walk+dot). walk+dot does not run the program; for programs that train in a loop
(seeds 000 and 004) CPython alone takes longer than 1.3x of it, so "script" is the baseline
that compares like with like there. Usage::

    python bench/graph_bench.py [--url http://127.0.0.1:8000] [--repeat 20]

Without --url it starts a server of its own on a free port. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import torch

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "app" / "examples"

MLP = """\
import torch
from torch import nn
torch.manual_seed(0)
layers = []
for i in range({depth}):
    layers.append(nn.Linear(16, 16))
    layers.append(nn.ReLU())
model = nn.Sequential(*layers)
x = torch.randn(8, 16)
loss = model(x).pow(2).mean()
loss.backward()
"""

TRANSFORMER = """\
import torch
from torch import nn
torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
model = nn.TransformerEncoder(layer, num_layers=4, enable_nested_tensor=False)
x = torch.randn(2, 5, 32)
loss = model(x).pow(2).mean()
loss.backward()
"""

BLOCK = 5  # back-to-back samples per turn (see main)

SEED_EXAMPLES = ["seed001_mean_backward", "seed002_dynamic_graph", "seed003_scalar_grad",
                 "seed004_linear_model", "seed000_backprop_linear"]  # fmt: skip


def programs() -> dict[str, str]:
    found = {name: (EXAMPLES / f"{name}.py").read_text() for name in SEED_EXAMPLES
             if (EXAMPLES / f"{name}.py").exists()}  # fmt: skip
    found["mlp_depth_10"] = MLP.format(depth=10)
    found["mlp_depth_100"] = MLP.format(depth=100)
    found["transformer_4_layers"] = TRANSFORMER
    return found


def baseline_root(source: str) -> torch.Tensor:
    """Run a bench program as plain Python (trusted input); return the tensor it differentiated."""
    namespace: dict[str, Any] = {"__name__": "__bench__"}
    code = "\n".join(
        line for line in source.splitlines() if "matplotlib" not in line and "plt." not in line
    )
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<bench>", "exec"), namespace)  # the benchmark's own programs
    for name in ("loss", "l", "m", "y", "out"):
        value = namespace.get(name)
        if isinstance(value, torch.Tensor) and value.grad_fn is not None:
            return value
    tensors = [v for v in namespace.values() if isinstance(v, torch.Tensor) and v.grad_fn]
    if not tensors:
        raise ValueError("program has no tensor with a grad_fn")
    return tensors[-1]


def time_baseline(root: torch.Tensor, params: dict[str, torch.Tensor], repeat: int) -> list[float]:
    from torchviz import make_dot

    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        dot = make_dot(root, params=params)
        dot.pipe(format="svg")
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_script(source: str, repeat: int) -> list[float]:
    from torchviz import make_dot

    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        make_dot(baseline_root(source)).pipe(format="svg")
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_program(source: str, repeat: int) -> list[float]:
    """The program alone under CPython: a floor no service that runs it can go below."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        baseline_root(source)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_service(client: httpx.Client, source: str, svg: bool, repeat: int) -> list[float]:
    body = {"source": source, "device": "cpu", "render_svg": svg}
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.post("/api/graph", json=body)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"service answered {response.status_code}: {response.text[:300]}")
    return samples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(url: str | None, workers: int):
    if url:
        yield url
        return
    port = free_port()
    env = dict(
        os.environ,
        GRADTRACE_JOB_TIMEOUT_S="60",
        GRADTRACE_RATE_LIMIT_PER_MINUTE="100000",
        GRADTRACE_WORKER_MAX_JOBS="100000",  # steady state: no worker replaced mid-measurement
    )
    cmd = [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # like a worker, so both sides compute alike

    rows = []
    with server(args.url, args.workers) as base, httpx.Client(base_url=base, timeout=120) as client:
        client.post("/api/graph", json={"source": "import torch\n", "render_svg": True})
        for name, source in programs().items():
            root = baseline_root(source)
            measure: dict[str, Callable[[int], list[float]]] = {
                "json": lambda n, s=source: time_service(client, s, False, n),
                "svg": lambda n, s=source: time_service(client, s, True, n),
                "base": lambda n, r=root: time_baseline(r, {}, n),
                "script": lambda n, s=source: time_script(s, n),
                "program": lambda n, s=source: time_program(s, n),
            }
            # Blocks of back-to-back samples (as a load generator sends them; the first of each
            # block is a warm-up and dropped), the columns taking turns block by block, so a
            # noisy moment on a shared machine lands on every column alike. Samples taken after
            # an idle gap measure the machine waking up (about 2x slower here), not the code.
            samples: dict[str, list[float]] = {key: [] for key in measure}
            for _ in range(max(1, args.repeat // BLOCK)):
                for key, run in measure.items():
                    samples[key] += run(BLOCK + 1)[1:]
            times = {key: median(values) for key, values in samples.items()}
            rows.append((name, times))

    print(f"{'program':24s} {'json p50':>10s} {'json+svg p50':>13s} {'walk+dot':>10s} "
          f"{'script':>10s} {'CPython':>10s} {'svg/walk+dot':>13s} "
          f"{'svg/script':>11s}")  # fmt: skip
    for name, t in rows:
        print(f"{name:24s} {t['json']:8.1f}ms {t['svg']:11.1f}ms {t['base']:8.1f}ms "
              f"{t['script']:8.1f}ms {t['program']:8.1f}ms {t['svg'] / t['base']:12.2f}x "
              f"{t['svg'] / t['script']:10.2f}x")  # fmt: skip
    print("\n(walk+dot: torchviz make_dot + dot -Tsvg on the program's tensors; script: the bare "
          "program under CPython, then walk+dot; CPython: the program alone)")  # fmt: skip
    summarise(rows)


def summarise(rows: list[tuple[str, dict[str, float]]]) -> None:
    """The targets, each over the programs it can apply to.

    A program whose bare CPython run alone takes longer than a target (the seed tutorials that
    train for 100 epochs) cannot meet it however fast the service is; for those the line
    compares with the whole bare script instead.
    """
    fits = [(name, t) for name, t in rows if t["program"] < 5.0]
    loops = [(name, t) for name, t in rows if t["program"] >= 5.0 and name.startswith("seed")]
    seeds = [(name, t) for name, t in fits if name.startswith("seed")]
    if seeds:
        worst = max(seeds, key=lambda row: row[1]["json"])
        print(f"seed programs that build a graph: JSON-only p50 worst {worst[1]['json']:.1f} ms "
              f"({worst[0]}; target < 5 ms)")  # fmt: skip
    ratios = [(t["svg"] / t["base"], name) for name, t in rows if t["program"] < t["base"]]
    if ratios:
        worst_ratio, worst_name = max(ratios)
        print(f"JSON+SVG / (walk + dot), programs that run in less time than walk+dot: worst "
              f"{worst_ratio:.2f}x ({worst_name}; target <= 1.3x)")  # fmt: skip
    for name, t in loops:
        print(
            f"{name}: the program alone takes {t['program']:.1f} ms under CPython; service "
            f"JSON {t['json']:.1f} ms, JSON+SVG / bare script {t['svg'] / t['script']:.2f}x"
        )


if __name__ == "__main__":
    main()
