"""Big-graph benchmark: walk + fold + JSON in the worker's code path, 1k to 50k nodes.

For each graph (a loop of N steps ``y = y * w + 1``, 2 nodes a step; a stack of identical
Linear+Tanh layers, three modules for five nodes; and a deep TransformerEncoder, seven modules
for 52 nodes; both under a ModuleTracker) this measures, in one run on one machine:

- "new": what a worker does now: walk with module paths, fold, encode (``Graph.to_wire`` +
  ``app.encoding.dumps``), with the cycle collector paused as the worker pauses it;
- "walk": the walk alone (the part that existed before folding and clusters), as the baseline;
- "backward": ``torch.autograd.grad`` over the same graph, a yardstick of what PyTorch itself
  spends touching every node once.

It prints medians of ``--repeat`` runs in wall-clock ms and the ratio new / walk (target: new
under 300 ms at 20k nodes). On a shared machine read the ratios, not the absolute numbers.
Usage::

    python bench/big_graph_bench.py [--repeat 5] [--sizes 1000,5000,20000,50000]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from torch import nn

from app.encoding import dumps
from app.graph.fold import fold
from app.graph.modules import ModuleIndex, ModuleTracker
from app.graph.release import release
from app.graph.walk import walk
from app.jobs.worker.graph_jobs import paused_gc

Case = tuple[dict[str, torch.Tensor], ModuleIndex | None, torch.Tensor, list[torch.Tensor]]


def loop_case(nodes: int) -> Case:
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(0.999, requires_grad=True)
    y = x
    for _ in range(nodes // 2):
        y = y * w + 1
    return {"x": x, "w": w, "y": y}, None, y, [x, w]


def layers_case(nodes: int) -> Case:
    torch.manual_seed(0)
    depth = max(2, nodes // 5)  # addmm, t, weight, bias, tanh per layer
    with ModuleTracker() as tracker:
        model = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(depth)])
        x = torch.randn(2, 4, requires_grad=True)
        loss = model(x).sum()
    named = {"x": x, **{f"model.{n}": p for n, p in model.named_parameters()}, "loss": loss}
    return named, tracker.index({"model": model}), loss, [x]


def transformer_case(nodes: int) -> Case:
    """A TransformerEncoder deep enough for ``nodes`` nodes (52 a layer, seven modules)."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
    per_layer = 52
    with ModuleTracker() as tracker:
        model = nn.TransformerEncoder(
            layer, num_layers=max(1, nodes // per_layer), enable_nested_tensor=False
        )
        x = torch.randn(4, 2, 8, requires_grad=True)
        loss = model(x).pow(2).mean()
    named = {"x": x, **{f"model.{n}": p for n, p in model.named_parameters()}, "loss": loss}
    return named, tracker.index({"model": model}), loss, [x]


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(build: Callable[[int], Case], size: int, repeat: int) -> tuple[int, ...]:
    """(nodes, new ms, walk ms, backward ms, largest fold's count) for ``build(size)``."""
    named, modules, root, inputs = build(size)
    case: dict[str, Any] = {"named": named, "modules": modules, "root": root, "inputs": inputs}
    del named, modules, root, inputs  # held by `case` alone, so that they can be let go below

    def new() -> bytes:
        with paused_gc():
            graph = walk(case["named"], max_nodes=200_000, modules=case["modules"])
            graph.folds = fold(graph)
            return dumps({"graph": graph.to_wire()})

    def walk_only() -> None:
        with paused_gc():
            walk(case["named"], max_nodes=200_000, modules=case["modules"])

    def backward() -> None:
        torch.autograd.grad(case["root"], case["inputs"], retain_graph=True)

    keep: list[Any] = []
    graph = walk(case["named"], max_nodes=200_000, modules=case["modules"], keep=keep)
    folds = fold(graph)
    measured = (
        len(graph.nodes),
        round(median_ms(new, repeat), 1),
        round(median_ms(walk_only, repeat), 1),
        round(median_ms(backward, repeat), 1),
        max((f.count for f in folds), default=0),
    )
    # freed as a worker frees it, node by node: a walked 50k chain let go at once overflows the
    # C stack (app/graph/release.py)
    case.clear()
    gc.collect()
    release(keep)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1000,5000,20000,50000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'graph':<12}{'nodes':>8}{'new ms':>10}{'walk ms':>10}{'ratio':>8}"
          f"{'backward':>10}{'folded x':>10}")  # fmt: skip
    cases = (("loop", loop_case), ("layers", layers_case), ("transformer", transformer_case))
    for name, build in cases:
        for size in sizes:
            nodes, new, walked, backward, copies = measure(build, size, args.repeat)
            print(f"{name:<12}{nodes:>8}{new:>10.1f}{walked:>10.1f}{new / walked:>8.2f}"
                  f"{backward:>10.1f}{copies:>10}")  # fmt: skip


if __name__ == "__main__":
    main()
