"""Trace benchmark: what ``"trace": true`` costs, and that without it nothing got slower.

Three measurements, each a median over ``--repeat`` runs, interleaved so that a loaded machine
slows both sides alike (CPU time of this process, ``time.process_time``):

1. tracing cost: the worker's job (``run_graph_job``: run the program, walk the graph, encode the
   body; no SVG) with and without a trace, for the seed programs with a backward pass and two
   1000-node graphs (a chain of 1000 multiplications, a 250-layer MLP). Targets: <= 2x for the
   seeds, <= 3x for the 1000-node graphs; the traced 1000-node body <= 2 MB.
2. no trace, this branch against ``main``: the same untraced job, timed in two child
   processes, one running this tree and one a ``git archive`` of ``--baseline`` (default
   ``main``), alternately. Target: ratio ~1.0.

Usage::

    python bench/trace_bench.py [--repeat 9] [--baseline main] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ROOT / "app" / "examples"

CHAIN_1000 = """\
x = torch.ones(4, requires_grad=True)
y = x
for i in range(999):
    y = y * 1.001
loss = y.sum()
loss.backward()
"""
MLP_250 = """\
torch.manual_seed(0)
model = nn.Sequential(*[nn.Linear(4, 4) for _ in range(250)])
x = torch.randn(8, 4)
loss = model(x).pow(2).mean()
loss.backward()
"""


def programs() -> dict[str, str]:
    found = {}
    for path in sorted(EXAMPLES.glob("seed*.py")):
        source = path.read_text()
        if "error" not in path.name and ".backward(" in source:
            found[path.stem] = source
    found["chain_1000_nodes"] = CHAIN_1000
    found["mlp_250_layers_1000_nodes"] = MLP_250
    return found


def job(source: str, trace: bool) -> tuple[float, int, int]:
    """(CPU seconds, body bytes, graph nodes) of one worker job as POST /api/graph runs it
    (run_graph_job's work: run, walk, encode), without the cleanup after it (a gc.collect()
    of the whole worker, the same with or without a trace)."""
    from app.config import ProgramLimits
    from app.jobs.worker import graph_jobs

    extra: tuple[object, ...] = ()
    if trace:  # (the baseline's app.config has no TraceLimits)
        from app.config import TraceLimits

        extra = (graph_jobs._program_trace(TraceLimits()),)
    started = time.process_time()
    result = graph_jobs._graph_job(
        source, "cpu", False, ProgramLimits(), 1_000, 5_000, False, time.perf_counter(), *extra
    )
    seconds = time.process_time() - started
    graph_jobs.reset_process_state()
    body = result["body"]
    nodes = len(json.loads(body)["graph"]["nodes"])
    return seconds, len(body.encode()), nodes


def tracing_cost(repeat: int) -> list[dict[str, object]]:
    rows = []
    for name, source in programs().items():
        job(source, False)
        job(source, True)  # warm both paths
        plain, traced = [], []
        size = nodes = 0
        for _ in range(repeat):
            plain.append(job(source, False)[0])
            seconds, size, nodes = job(source, True)
            traced.append(seconds)
        p, t = statistics.median(plain), statistics.median(traced)
        print("  ", name, round(p * 1000, 1), round(t * 1000, 1), flush=True)
        rows.append(
            {
                "program": name,
                "nodes": nodes,
                "plain_ms": round(p * 1000, 1),
                "traced_ms": round(t * 1000, 1),
                "ratio": round(t / p, 2),
                "traced_body_kb": round(size / 1024, 1),
            }
        )
    return rows


def untraced_times(repeat: int) -> dict[str, float]:
    """Child-process side of measurement 2: the median untraced job per program, in ms."""
    out = {}
    for name, source in programs().items():
        job(source, False)
        out[name] = statistics.median(job(source, False)[0] for _ in range(repeat)) * 1000
    return out


def against_baseline(repeat: int, baseline: str) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "baseline.tar"
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", "-o", str(archive), baseline], check=True
        )
        other = Path(tmp) / "baseline"
        other.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(other, filter="data")
        script = ROOT / "bench" / "trace_bench.py"
        runs: dict[str, list[dict[str, float]]] = {"branch": [], "baseline": []}
        for _ in range(3):  # alternate, so load drifts hit both
            for side, root in (("branch", ROOT), ("baseline", other)):
                env = {**os.environ, "PYTHONPATH": str(root), "TRACE_BENCH_ROOT": str(root)}
                done = subprocess.run(
                    [sys.executable, str(script), "--child", "--repeat", str(repeat)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = []
    for name in runs["branch"][0]:
        b = statistics.median(r[name] for r in runs["branch"])
        m = statistics.median(r[name] for r in runs["baseline"] if name in r)
        rows.append(
            {
                "program": name,
                "main_ms": round(m, 1),
                "branch_ms": round(b, 1),
                "ratio": round(b / m, 2),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root = os.environ.get("TRACE_BENCH_ROOT")
        if root:  # time the tree under test, not this file's own
            sys.path.insert(0, root)
        print(json.dumps(untraced_times(args.repeat)))
        return
    print("1. tracing cost (CPU ms, medians; ratio = traced / plain)")
    for row in tracing_cost(args.repeat):
        print("  ", row)
    if not args.skip_baseline:
        print(f"2. without trace: this branch against {args.baseline} (CPU ms, medians)")
        for row in against_baseline(args.repeat, args.baseline):
            print("  ", row)


if __name__ == "__main__":
    main()
