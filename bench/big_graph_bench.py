"""Big-graph benchmark: walk, fold, DOT and JSON in the worker's code path, 1k to 50k nodes.

For each graph (a loop of N steps ``y = y * w + 1``, 2 nodes a step; a stack of identical
Linear+Tanh layers, three modules for five nodes; and a deep TransformerEncoder, seven modules
for 52 nodes; both under a ModuleTracker) this measures, in one run on one machine:

- "job": what a graph job does once the program has run: the walk with module paths, then
  ``graph_jobs.graph_result`` (fold, DOT text, the variables' values, the JSON body), with the
  cycle collector paused as the worker pauses it;
- the stages on their own: "walk", "fold", "json" (the graph's: ``Graph.to_wire`` +
  ``app.encoding.dumps``), "dot" (``to_dot``, the response's ``dot`` field) and "values"
  (``describe_all``: the response's variables, every named tensor, a model's parameters too);
- "w+f+json": walk + fold + json, the issue's figure (target: under 300 ms at 20k nodes);
- "backward": ``torch.autograd.grad`` over the same graph, a yardstick of what PyTorch itself
  spends touching every node once.

It prints medians of ``--repeat`` runs in wall-clock ms. On a shared machine the numbers drift
with the neighbours' load: compare stages and graphs within one run.
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
from app.graph import Graph, to_dot
from app.graph.fold import fold
from app.graph.modules import ModuleIndex, ModuleTracker
from app.graph.release import release
from app.graph.walk import walk
from app.jobs.worker.graph_jobs import describe_all, graph_result, paused_gc

MAX_VALUES = 1_000  # max_value_elements, the setting's default

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


Row = dict[str, float]


def measure(build: Callable[[int], Case], size: int, repeat: int) -> Row:
    """Median milliseconds of each stage for ``build(size)``, and the graph's numbers."""
    named, modules, root, inputs = build(size)
    case: dict[str, Any] = {"named": named, "modules": modules, "root": root, "inputs": inputs}
    del named, modules, root, inputs  # held by `case` alone, so that they can be let go below

    def walked() -> Graph:
        return walk(case["named"], max_nodes=200_000, modules=case["modules"])

    def job() -> None:  # what a graph job does after the program ran (graph_jobs.run_graph)
        with paused_gc():
            graph_result(case["named"], walked(), MAX_VALUES, render_svg=True)

    def values() -> None:  # the response's "variables" (a model's every parameter)
        describe_all(case["named"], MAX_VALUES)

    def backward() -> None:
        torch.autograd.grad(case["root"], case["inputs"], retain_graph=True)

    keep: list[Any] = []
    case["graph"] = walk(case["named"], max_nodes=200_000, modules=case["modules"], keep=keep)
    case["graph"].folds = fold(case["graph"])
    with paused_gc():
        row = {
            "nodes": len(case["graph"].nodes),
            "job": median_ms(job, repeat),
            "walk": median_ms(walked, repeat),
            "fold": median_ms(lambda: fold(case["graph"]), repeat),
            "dot": median_ms(lambda: to_dot(case["graph"]), repeat),
            "json": median_ms(lambda: dumps({"graph": case["graph"].to_wire()}), repeat),
            "values": median_ms(values, repeat),
            "backward": median_ms(backward, repeat),
            "folded": max((f.count for f in case["graph"].folds), default=0),
        }
    # freed as a worker frees it, node by node: a walked 50k chain let go at once overflows the
    # C stack (app/graph/release.py)
    case.clear()
    gc.collect()
    release(keep)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1000,5000,20000,50000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    columns = ("job", "walk", "fold", "json", "w+f+json", "dot", "values", "backward")
    print(f"{'graph':<12}{'nodes':>7}" + "".join(f"{c:>10}" for c in columns) + f"{'folded x':>10}")
    cases = (("loop", loop_case), ("layers", layers_case), ("transformer", transformer_case))
    for name, build in cases:
        for size in sizes:
            row = measure(build, size, args.repeat)
            row["w+f+json"] = row["walk"] + row["fold"] + row["json"]
            cells = "".join(f"{row[c]:>10.1f}" for c in columns)
            print(f"{name:<12}{row['nodes']:>7.0f}{cells}{row['folded']:>10.0f}")


if __name__ == "__main__":
    main()
