"""Folding repeats (app.graph.fold): loops and repeated layers fold into "x N" groups whose copies
are checked here, independently of the fold's own proof, to be the same labelled subgraph."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from app.graph.fold import Fold, fold
from app.graph.model import Graph
from app.graph.modules import ModuleTracker
from app.graph.walk import walk


def assert_copies_identical(graph: Graph, f: Fold) -> None:
    """Every copy matches the template position by position: op, kind, shape, inner edges."""
    nodes = {n.id: n for n in graph.nodes}
    edges = {(e.source, e.target): e.count for e in graph.edges}

    def inner(member: list[str]) -> set[tuple[int, int, int]]:
        where = {node_id: k for k, node_id in enumerate(member)}
        return {(where[s], where[t], c) for (s, t), c in edges.items() if s in where and t in where}

    template = f.members[0]
    for member in f.members:
        assert len(member) == len(template)
        for a, b in zip(template, member, strict=True):
            assert (nodes[a].op, nodes[a].kind, nodes[a].shape) == (
                nodes[b].op,
                nodes[b].kind,
                nodes[b].shape,
            )
        assert inner(member) == inner(template)
    folded = [node_id for member in f.members for node_id in member]
    assert len(folded) == len(set(folded))  # no node in two copies


def loop_graph(steps: int) -> Graph:
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(0.999, requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * w + 1
    return walk({"x": x, "w": w, "y": y}, max_nodes=50_000)


def test_a_2000_step_loop_folds_into_one_group() -> None:
    graph = loop_graph(2000)
    assert len(graph.nodes) == 4002
    folds = fold(graph)
    assert len(folds) == 1
    f = folds[0]
    assert f.count == 2000 and len(f.members[0]) == 2
    assert sorted(graph.node(i).op for i in f.members[0]) == ["AddBackward0", "MulBackward0"]
    assert_copies_identical(graph, f)
    # what is left outside the fold: the two leaves, feeding it
    outside = {n.id for n in graph.nodes} - {i for m in f.members for i in m}
    assert {graph.node(i).kind for i in outside} == {"leaf"} and set(f.inputs) == outside
    assert f.to_json()["count"] == 2000 and f.to_json()["template"] == f.members[0]


def test_fold_hash_is_the_same_for_the_same_template() -> None:
    a, b = fold(loop_graph(30))[0], fold(loop_graph(50))[0]
    assert a.hash == b.hash and (a.count, b.count) == (30, 50)
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(30):
        y = y * 2 - 1  # another op: another template
    other = fold(walk({"x": x, "y": y}))[0]
    assert other.hash != a.hash


def test_repeated_layers_fold_by_module() -> None:
    torch.manual_seed(0)
    with ModuleTracker() as tracker:
        model = nn.Sequential(*[nn.Sequential(nn.Linear(6, 6), nn.Tanh()) for _ in range(8)])
        x = torch.randn(4, 6, requires_grad=True)
        loss = model(x).sum()
    named = {"x": x, **{f"model.{n}": p for n, p in model.named_parameters()}, "loss": loss}
    graph = walk(named, modules=tracker.index({"model": model}))
    folds = fold(graph)
    assert len(folds) == 1
    f = folds[0]
    assert f.count == 8
    assert f.modules == [f"model.{k}" for k in range(8)]
    assert f.label.startswith("Sequential")
    assert_copies_identical(graph, f)
    for k, member in enumerate(f.members):  # each copy is one whole layer with its parameters
        assert {graph.node(i).module.split(".")[1] for i in member} == {str(k)}  # type: ignore[union-attr]
        layer_nodes = [n.id for n in graph.nodes if (n.module or "").startswith(f"model.{k}.")]
        assert sorted(member) == sorted(layer_nodes)


def test_a_transformer_encoder_folds_its_identical_layers() -> None:
    torch.manual_seed(3)
    with ModuleTracker() as tracker:
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        model = nn.TransformerEncoder(layer, 6, enable_nested_tensor=False)
        x = torch.randn(2, 5, 16)
        out = model(x).sum()
    named = {"x": x, **{f"model.{n}": p for n, p in model.named_parameters()}, "out": out}
    graph = walk(named, modules=tracker.index({"model": model}))
    (f,) = fold(graph)
    # layer 0 takes an input without grad, so its graph is smaller: layers 1-5 fold
    assert f.modules == [f"model.layers.{k}" for k in range(1, 6)]
    assert f.label.startswith("TransformerEncoderLayer")
    assert_copies_identical(graph, f)


def test_graphs_without_repeats_do_not_fold() -> None:
    x = torch.ones(3, requires_grad=True)
    y = (x.exp() * 2).sin().sum() + x.cos().mean()
    assert fold(walk({"x": x, "y": y})) == []
    tiny = torch.ones(2, requires_grad=True)
    assert fold(walk({"y": (tiny + 1) + 1})) == []  # too few nodes to be worth a fold


def test_two_different_loops_fold_separately() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(10):
        y = y * 1.5
    for _ in range(10):
        y = torch.sin(y) + 1
    graph = walk({"x": x, "y": y})
    folds = fold(graph)
    counts = sorted((f.count, len(f.members[0])) for f in folds)
    assert counts == [(10, 1), (10, 2)]
    for f in folds:
        assert_copies_identical(graph, f)


def test_fold_of_20k_nodes_leaves_the_graph_unchanged() -> None:
    graph = loop_graph(10_000)
    before: list[Any] = [n.to_json() for n in graph.nodes]
    (f,) = fold(graph)
    assert f.count == 10_000
    assert [n.to_json() for n in graph.nodes] == before


def test_folds_never_cut_across_module_clusters() -> None:
    """Layers whose widths cycle with period 3 repeat every 3 layers, across the groups of ten
    that hold them: such copies would hide the groups, so they are not folded."""
    torch.manual_seed(0)
    with ModuleTracker() as tracker:
        groups = []
        for g in range(6):
            layers: list[nn.Module] = []
            for i in range(10):
                layers += [nn.Linear(4 + (g + i) % 3, 4 + (g + i + 1) % 3), nn.Tanh()]
            groups.append(nn.Sequential(*layers))
        model = nn.Sequential(*groups)
        loss = model(torch.randn(2, 4)).sum()
    named = {**{f"model.{n}": p for n, p in model.named_parameters()}, "loss": loss}
    graph = walk(named, modules=tracker.index({"model": model}))
    for f in fold(graph):
        assert len(set(f.modules)) in (1, f.count), f.modules
        assert_copies_identical(graph, f)


def test_the_walks_topology_gives_the_folds_the_edges_give() -> None:
    """fold() reads a walked graph through the walk's own index (Graph.topology); a graph whose
    index is gone, or no longer fits its edges, is indexed from its edges: same folds."""
    torch.manual_seed(1)
    with ModuleTracker() as tracker:
        model = nn.Sequential(*[nn.Sequential(nn.Linear(3, 3), nn.Tanh()) for _ in range(6)])
        x = torch.randn(2, 3, requires_grad=True)
        y = model(x)
        for _ in range(5):  # a loop after the layers, with an x * x-style double edge
            y = y * y + 1
    named = {"x": x, **{f"model.{n}": p for n, p in model.named_parameters()}, "y": y}
    graph = walk(named, modules=tracker.index({"model": model}))
    assert graph.topology is not None and graph.topology.fits(graph)
    assert any(e.count == 2 for e in graph.edges)
    folds = fold(graph)
    assert sorted(f.count for f in folds) == [5, 6]
    graph.topology = None
    assert fold(graph) == folds
    graph.topology = walk(named, modules=tracker.index({"model": model})).topology
    graph.edges.pop()  # the walk's index no longer fits: fold indexes the edges it has
    assert graph.topology is not None and not graph.topology.fits(graph)
    edges_only = fold(graph)
    graph.topology = None
    assert fold(graph) == edges_only
