"""Module clusters: app.graph.modules tags each backward node with the nn.Module call that made
it; checked against which grad_fns each module's forward creates, found independently by
comparing the autograd graph before and after running the module alone."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

import torch
from torch import nn

from app.graph.model import Graph
from app.graph.modules import ModuleTracker
from app.graph.walk import walk


def traced(build: Any) -> tuple[Graph, dict[str, Any]]:
    """Run ``build()`` (returns the program's variables) under a tracker and walk its graph."""
    with ModuleTracker() as tracker:
        values = build()
    named: dict[str, torch.Tensor] = {}
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            named[name] = value
        elif isinstance(value, nn.Module):
            named |= {f"{name}.{n}": p for n, p in value.named_parameters()}
    return walk(named, modules=tracker.index(values), max_nodes=50_000), values


def modules_of(graph: Graph) -> Counter[str | None]:
    return Counter(n.module for n in graph.nodes if n.kind == "op")


def ops_in(fn: Any, stop: set[int]) -> Counter[str]:
    """Backward op names reachable from ``fn`` without passing a node in ``stop`` (ids)."""
    seen: set[int] = set()
    todo = [fn]
    found: Counter[str] = Counter()
    while todo:
        f = todo.pop()
        if f is None or id(f) in seen or id(f) in stop or hasattr(f, "variable"):
            continue
        seen.add(id(f))
        found[type(f).__name__] += 1
        todo.extend(c for c, _ in f.next_functions)
    return found


def test_sequential_tags_each_layer_and_its_parameters() -> None:
    def build() -> dict[str, Any]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        x = torch.randn(3, 4)
        loss = model(x).pow(2).mean()
        return {"model": model, "x": x, "loss": loss}

    graph, values = traced(build)
    model = values["model"]
    # The same layers alone, on a fresh input: the ops each layer makes, independently.
    h = torch.randn(3, 4, requires_grad=True)
    first = model[0](h)
    second = model[2](model[1](first).detach().requires_grad_())
    found = modules_of(graph)
    assert found["model.0"] == sum(ops_in(first.grad_fn, set()).values())
    assert found["model.2"] == sum(ops_in(second.grad_fn, set()).values())
    assert found["model.1"] == 1  # ReluBackward0
    assert found[None] == 2  # pow and mean, outside the model
    by_var = {v: n for n in graph.nodes for v in n.vars}
    assert by_var["model.0.weight"].module == "model.0"
    assert by_var["model.2.bias"].module == "model.2"
    tree = {m.path: m for m in graph.modules}
    assert list(tree) == ["model", "model.0", "model.1", "model.2"]
    assert tree["model"].cls == "Sequential" and tree["model"].children == [
        "model.0",
        "model.1",
        "model.2",
    ]
    assert tree["model.0"].cls == "Linear" and tree["model.0"].parent == "model"
    assert sorted(tree["model.0"].params) == sorted(
        [by_var["model.0.weight"].id, by_var["model.0.bias"].id]
    )
    assert (
        tree["model"].total_nodes
        == sum(1 for n in graph.nodes if n.module)
        == sum(tree[p].nodes for p in tree)
    )


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(3, 3)
        self.scale = nn.Parameter(torch.tensor(2.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.inner(x)) * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(x) + x)


def test_nested_modules_tag_the_innermost_call() -> None:
    def build() -> dict[str, Any]:
        torch.manual_seed(1)
        net = Net()
        x = torch.randn(2, 3, requires_grad=True)
        out = net(x).sum()
        return {"net": net, "x": x, "out": out}

    graph, _ = traced(build)
    found = modules_of(graph)
    assert found["net.block"] == 2  # tanh, mul by scale
    assert found["net"] == 1  # the residual add
    assert found["net.block.inner"] >= 1 and found["net.head"] >= 1
    assert found[None] == 1  # sum
    by_var = {v: n for n in graph.nodes for v in n.vars}
    assert by_var["net.block.scale"].module == "net.block"
    assert by_var["x"].module is None
    tree = {m.path: m for m in graph.modules}
    assert tree["net"].children == ["net.block", "net.head"]
    assert tree["net.block"].children == ["net.block.inner"]
    assert tree["net.block"].cls == "Block" and tree["net.block.inner"].parent == "net.block"


def test_shared_module_called_twice_tags_both_calls() -> None:
    def build() -> dict[str, Any]:
        torch.manual_seed(2)
        lin = nn.Linear(3, 3)
        x = torch.randn(2, 3)
        y = lin(torch.relu(lin(x)))
        return {"lin": lin, "x": x, "y": y}

    graph, _ = traced(build)
    found = modules_of(graph)
    ops = [n for n in graph.nodes if n.kind == "op"]
    assert found["lin"] == len(ops) - 1 and found[None] == 1  # relu between the calls
    assert next(n for n in ops if n.op == "ReluBackward0").module is None
    tree = {m.path: m for m in graph.modules}
    assert tree["lin"].calls == 2


def test_functional_code_has_no_modules() -> None:
    def build() -> dict[str, Any]:
        w = torch.randn(3, 3, requires_grad=True)
        x = torch.randn(2, 3)
        y = torch.nn.functional.relu(x @ w).sum()
        return {"w": w, "x": x, "y": y}

    graph, _ = traced(build)
    assert all(n.module is None for n in graph.nodes)
    assert graph.modules == []
    assert graph.to_json()["modules"] == []


def test_a_module_the_program_never_stored_is_named_by_its_class() -> None:
    def build() -> dict[str, Any]:
        x = torch.randn(2, 3)
        y = nn.Sequential(nn.Linear(3, 2), nn.Tanh())(x).sum()
        return {"x": x, "y": y}

    graph, _ = traced(build)
    assert set(modules_of(graph)) == {"Sequential#1.0", "Sequential#1.1", None}
    # its parameters are leaves of the graph (unnamed), owned by the module that was called
    leaves = [n for n in graph.nodes if n.kind == "leaf"]
    assert len(leaves) == 2 and {n.module for n in leaves} == {"Sequential#1.0"}
    assert [m.path for m in graph.modules] == ["Sequential#1", "Sequential#1.0", "Sequential#1.1"]


def test_transformer_encoder_layers_are_clusters() -> None:
    def build() -> dict[str, Any]:
        torch.manual_seed(3)
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        model = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
        x = torch.randn(2, 5, 16)
        out = model(x).sum()
        return {"model": model, "x": x, "out": out}

    graph, _ = traced(build)
    found = modules_of(graph)
    for k in range(3):
        assert found[f"model.layers.{k}.self_attn"] > 10
        assert found[f"model.layers.{k}.linear1"] >= 1
        assert found[f"model.layers.{k}.norm2"] >= 1
    tree = {m.path: m for m in graph.modules}
    assert tree["model.layers"].cls == "ModuleList"
    assert tree["model.layers"].children == [f"model.layers.{k}" for k in range(3)]
    assert tree["model.layers.1"].cls == "TransformerEncoderLayer"
    # every node of layer k lies under model.layers.k
    assert tree["model.layers.2"].total_nodes == sum(
        1 for n in graph.nodes if (n.module or "").startswith("model.layers.2")
    )
    # layers 1 and 2 take a grad-requiring input, so their graphs are the same size
    assert tree["model.layers.1"].total_nodes == tree["model.layers.2"].total_nodes


def test_hooks_are_removed_after_the_run() -> None:
    tracker = ModuleTracker()
    with tracker:
        nn.Linear(2, 2)(torch.randn(1, 2))
    calls = len(tracker.calls)
    nn.Linear(2, 2)(torch.randn(1, 2))
    assert calls == 1 and len(tracker.calls) == 1


def test_a_forward_that_raises_keeps_the_stack_true() -> None:
    class Boom(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise ValueError("boom")

    outer = nn.Linear(2, 2)
    with ModuleTracker() as tracker:
        with contextlib.suppress(ValueError):
            Boom()(torch.randn(1, 2))
        y = outer(torch.randn(1, 2, requires_grad=True))
    assert tracker.stack == []
    graph = walk({"y": y}, modules=tracker.index({"outer": outer}))
    assert {n.module for n in graph.nodes if n.kind == "op"} == {"outer"}


def test_a_program_that_fails_leaves_no_hook_behind() -> None:
    from torch.nn.modules import module as nn_module

    before = (len(nn_module._global_forward_pre_hooks), len(nn_module._global_forward_hooks))
    with contextlib.suppress(RuntimeError), ModuleTracker():
        nn.Linear(2, 2)(torch.randn(1, 3))  # a shape error inside the module call
    after = (len(nn_module._global_forward_pre_hooks), len(nn_module._global_forward_hooks))
    assert after == before


def test_a_training_steps_graph_names_the_model_it_built() -> None:
    """The model of a training step is gone once the step's loss is made; the tracker holds
    the first top-level modules, so the clusters are model.0, model.1... all the same."""
    import json

    from app.jobs.worker.training_jobs import run_graph_step_job
    from app.training.presets import presets

    preset = next(p for p in presets() if p.get("id") == "moons-mlp")
    result = run_graph_step_job(preset.get("config", preset), False, 100, 5000)
    graph = json.loads(result["body"])["graph"]
    paths = [m["path"] for m in graph["modules"]]
    assert paths[:3] == ["model", "model.0", "model.1"]
    ops = [n for n in graph["nodes"] if n["kind"] == "op"]
    assert {n["module"] for n in ops} >= {"model.0", "model.1"}
