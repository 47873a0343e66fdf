"""app.graph.walk on real autograd graphs, checked against a direct grad_fn walk."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from app.graph.model import Graph, Node
from app.graph.values import describe_tensor
from app.graph.walk import walk

Program = dict[str, Any]


def seed_program(backward: bool = True) -> Program:
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x + 1
    z = 2 * y
    m = torch.mean(z)
    if backward:
        m.backward()
    return {"x": x, "y": y, "z": z, "m": m}


def diamond_program() -> Program:
    x = torch.ones(3, requires_grad=True)
    a = x * 2
    b = a + 1
    c = a * 3
    d = (b * c).sum()
    return {"x": x, "a": a, "b": b, "c": c, "d": d}


def mlp_program() -> Program:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    inputs = torch.randn(5, 4)
    target = torch.tensor([0, 1, 2, 1, 0])
    logits = model(inputs)
    loss = nn.functional.cross_entropy(logits, target)
    named: Program = {"inputs": inputs, "target": target}
    named |= {f"model.{n}": p for n, p in model.named_parameters()}
    return named | {"logits": logits, "loss": loss}


def views_program() -> Program:
    x = torch.arange(6.0, requires_grad=True)
    v = x.view(2, 3)
    t = v.t()
    r, s = (t * 1).unbind(1)
    out = (r * s).sum() + x[1:].sum()
    return {"x": x, "v": v, "t": t, "r": r, "s": s, "out": out}


def direct_walk(named: Program) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Op-name multisets of nodes and (input, consumer) edges, by a plain DFS over grad_fn."""
    nodes: Counter[str] = Counter()
    edges: set[tuple[int, int]] = set()
    names: dict[int, str] = {}
    seen: set[int] = set()

    def key(fn: Any) -> int:  # one node per leaf tensor, whatever its AccumulateGrad object
        return id(fn.variable) if hasattr(fn, "variable") else id(fn)

    stack: list[Any] = []
    for t in named.values():
        if not isinstance(t, torch.Tensor):
            continue
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad and id(t) not in seen:
            seen.add(id(t))
            names[id(t)] = "AccumulateGrad"
            nodes["AccumulateGrad"] += 1
    while stack:
        fn = stack.pop()
        if key(fn) in seen:
            continue
        seen.add(key(fn))
        names[key(fn)] = type(fn).__name__
        nodes[type(fn).__name__] += 1
        for child, _ in fn.next_functions:
            if child is not None:
                edges.add((key(child), key(fn)))
                stack.append(child)
    return nodes, Counter((names[s], names[t]) for s, t in edges)


def by_var(graph: Graph, name: str) -> Node:
    (node,) = [n for n in graph.nodes if name in n.vars]
    return node


def edge_pairs(graph: Graph) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in graph.edges}


def test_seed_program() -> None:
    named = seed_program()
    g = walk(named)
    assert sorted(n.op for n in g.nodes) == sorted(
        ["AccumulateGrad", "AddBackward0", "MulBackward0", "MeanBackward0"]
    )
    x, y, z, m = (by_var(g, v) for v in "xyzm")
    assert (x.kind, x.op, x.vars) == ("leaf", "AccumulateGrad", ["x"])
    assert (y.op, z.op, m.op) == ("AddBackward0", "MulBackward0", "MeanBackward0")
    assert all(n.kind == "op" for n in (y, z, m))
    assert x.shape == y.shape == z.shape == [2, 3] and m.shape == []
    assert x.dtype == "torch.float32" and x.device == "cpu"
    # Data flows from the input side into the consumer.
    assert edge_pairs(g) == {(x.id, y.id), (y.id, z.id), (z.id, m.id)}
    assert (g.root, g.root_id, g.truncated) == ("m", m.id, False)
    assert [n.id for n in g.nodes] == ["n0", "n1", "n2", "n3"]  # named order: x, y, z, m
    assert x.label.splitlines() == ["x", "(2, 3)", "float32 cpu"]
    assert z.label.splitlines() == ["MulBackward0", "z", "(2, 3)"]


def test_json_shape() -> None:
    data = json.loads(json.dumps(walk(seed_program()).to_json(), allow_nan=False))
    assert {"root", "nodes", "edges", "truncated"} <= set(data)
    for node in data["nodes"]:
        assert {"id", "kind", "op", "vars", "label", "shape", "dtype", "device", "is_view"} <= set(
            node
        )
        assert node["kind"] in {"op", "leaf", "tensor"} and node["saved"] == []
    ids = {n["id"] for n in data["nodes"]}
    assert all({e["source"], e["target"]} <= ids for e in data["edges"])


@pytest.mark.parametrize(
    "build", [seed_program, diamond_program, mlp_program, views_program], ids=lambda f: f.__name__
)
def test_matches_direct_grad_fn_walk(build: Callable[[], Program]) -> None:
    named = build()
    g = walk(named)
    nodes, edges = direct_walk(named)
    assert Counter(n.op for n in g.nodes) == nodes
    ops = {n.id: n.op for n in g.nodes}
    assert Counter((ops[e.source], ops[e.target]) for e in g.edges) == edges
    assert len({(e.source, e.target) for e in g.edges}) == len(g.edges)


def test_deep_chain_is_walked_without_recursion() -> None:
    x = torch.ones(2, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    assert sys.getrecursionlimit() < 10_000  # a recursive walk would fail here
    g = walk({"x": x, "y": y}, max_nodes=20_000)
    assert not g.truncated
    assert len(g.nodes) == 10_001 and len(g.edges) == 10_000
    assert Counter(n.op for n in g.nodes) == {"MulBackward0": 10_000, "AccumulateGrad": 1}
    assert g.root == "y" and g.node(g.root_id).vars == ["y"]


def test_shared_subgraph_appears_once() -> None:
    named = diamond_program()
    g = walk(named)
    a = by_var(g, "a")
    assert [n.op for n in g.nodes].count("AccumulateGrad") == 1
    consumers = [e.target for e in g.edges if e.source == a.id]
    assert sorted(consumers) == sorted([by_var(g, "b").id, by_var(g, "c").id])
    assert [e.source for e in g.edges if e.target == a.id] == [by_var(g, "x").id]


def test_input_used_twice_is_one_edge_with_a_count() -> None:
    x = torch.ones(2, requires_grad=True)
    sq = x * x
    g = walk({"x": x, "sq": sq})
    (edge,) = g.edges
    assert (edge.source, edge.target, edge.count) == (by_var(g, "x").id, by_var(g, "sq").id, 2)


def test_views_are_marked() -> None:
    g = walk(views_program())
    for name in ("v", "t", "r", "s"):
        assert by_var(g, name).is_view, name
    r = by_var(g, "r")
    assert r.vars == ["r", "s"] and r.op == "UnbindBackward0"  # one op, two outputs
    assert by_var(g, "v").op == "ViewBackward0" and by_var(g, "t").op == "TBackward0"
    unnamed_slice = [n for n in g.nodes if n.op == "SliceBackward0"]
    assert len(unnamed_slice) == 1 and unnamed_slice[0].is_view
    assert unnamed_slice[0].shape == [5]  # from the backward node's input metadata
    assert not by_var(g, "x").is_view
    assert not any(n.is_view for n in g.nodes if n.op in {"MulBackward0", "SumBackward0"})


def test_show_saved_before_and_after_backward() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    h = (x * w).exp()
    out = h.sum()
    named = {"x": x, "w": w, "h": h, "out": out}

    before = walk(named, show_saved=True)
    mul = next(n for n in before.nodes if n.op == "MulBackward0")
    saved = {s.name: s for s in mul.saved}
    assert set(saved) == {"self", "other"}
    assert saved["self"].shape == [2] and saved["self"].dtype == "torch.float32"
    assert not saved["self"].freed
    exp_saved = by_var(before, "h").saved
    assert [s.name for s in exp_saved] == ["result"] and exp_saved[0].shape == [2]
    assert walk(named).node(mul.id).saved == []  # off by default

    out.backward()
    after = walk(named, show_saved=True)
    result = by_var(after, "h").saved[0]
    assert result.freed and result.shape is None and "freed" in result.repr
    strict = json.dumps(after.to_json(), allow_nan=False)
    assert '"freed": true' in strict


def test_show_saved_reports_non_tensor_values() -> None:
    x = torch.ones(2, 3, requires_grad=True)
    m = (x + 1).mean()
    g = walk({"x": x, "m": m}, show_saved=True)
    add = next(n for n in g.nodes if n.op == "AddBackward0")
    assert [(s.name, s.repr, s.shape) for s in add.saved] == [("alpha", "1", None)]
    sizes = {s.name: s.repr for s in by_var(g, "m").saved}
    assert sizes["self_sym_sizes"] == "(2, 3)"


def test_walk_is_deterministic() -> None:
    for build in (seed_program, mlp_program, views_program):
        first = json.dumps(walk(build(), show_saved=True).to_json())
        second = json.dumps(walk(build(), show_saved=True).to_json())
        assert first == second


def test_truncation_is_flagged() -> None:
    named = mlp_program()
    full = walk(named)
    assert not full.truncated and full.max_nodes == 5000
    cut = walk(named, max_nodes=4)
    assert cut.truncated and len(cut.nodes) == 4
    assert [n.to_json() for n in cut.nodes] == [n.to_json() for n in full.nodes[:4]]
    ids = {n.id for n in cut.nodes}
    assert all(e.source in ids and e.target in ids for e in cut.edges)
    assert walk(named, max_nodes=len(full.nodes)).truncated is False


def test_model_parameters_are_named_leaves() -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    loss = model(x).pow(2).mean()
    named = {"model.weight": model.weight, "model.bias": model.bias, "x": x, "loss": loss}
    g = walk(named)
    weight, bias = by_var(g, "model.weight"), by_var(g, "model.bias")
    assert weight.kind == bias.kind == "leaf"
    assert weight.shape == [2, 3] and bias.shape == [2]
    assert weight.label.splitlines()[0] == "model.weight"
    assert not [n for n in g.nodes if "x" in n.vars]  # x does not require grad: no node
    addmm = next(n for n in g.nodes if n.op == "AddmmBackward0")
    assert {e.source for e in g.edges if e.target == addmm.id} >= {bias.id}
    assert g.root == "loss"


def test_lone_leaf_aliases_and_non_tensors() -> None:
    x = torch.ones(2, requires_grad=True)
    alias = x
    unused = torch.zeros(3, requires_grad=True)
    plain = torch.ones(4)
    y = (x * 2).sum()
    named = {"x": x, "alias": alias, "unused": unused, "plain": plain, "n": 3, "y": y}
    g = walk(named)
    assert by_var(g, "x").vars == ["x", "alias"]
    lone = by_var(g, "unused")
    assert (lone.kind, lone.op, lone.shape) == ("leaf", "AccumulateGrad", [3])
    assert not [e for e in g.edges if lone.id in (e.source, e.target)]
    assert not any("plain" in n.vars for n in g.nodes)
    unnamed = next(n for n in g.nodes if n.op == "MulBackward0")
    assert unnamed.vars == [] and unnamed.shape == [2]
    assert unnamed.label.splitlines() == ["MulBackward0", "(2)"]


def test_unnamed_leaf_is_labelled_by_shape() -> None:
    hidden = torch.ones(2, 2, requires_grad=True)
    y = hidden * 3
    g = walk({"y": y})
    leaf = next(n for n in g.nodes if n.kind == "leaf")
    assert leaf.vars == [] and leaf.label.splitlines()[0] == "(2, 2)"


def test_root_selection() -> None:
    named = seed_program(backward=False)
    assert walk(named, root="z").root == "z"
    assert walk(named, root="z").root_id == by_var(walk(named), "z").id
    assert walk(named, root="nope").root == "m"
    leaf_root = walk(named, root="x")
    assert leaf_root.root == "x" and leaf_root.root_id == by_var(leaf_root, "x").id
    assert walk({"a": torch.ones(2)}).root is None
    empty = walk({})
    assert empty.to_json() == {
        "root": None,
        "root_id": None,
        "nodes": [],
        "edges": [],
        "truncated": False,
        "max_nodes": 5000,
        "dropped_nodes": 0,
        "modules": [],
        "folds": [],
    }


def test_a_view_whose_grad_fn_cannot_be_read_is_a_tensor_without_one() -> None:
    """unbind's views go stale once their base changes in place: reading their grad_fn raises
    (Deep Learning with PyTorch's optimizer chapter: ``model(t_u, *params)``, then a step)."""
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    w, b = params.unbind()  # what *params does
    with torch.no_grad():
        params.add_(1.0)
    with pytest.raises(RuntimeError):
        _ = w.grad_fn
    graph = walk({"params": params, "w": w, "b": b})
    assert [n.op for n in graph.nodes] == ["AccumulateGrad"]
    assert describe_tensor(w, max_elements=100)["grad_fn"] is None
