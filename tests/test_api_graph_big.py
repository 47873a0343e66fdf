"""Big graphs over the API: module clusters and folds in POST /api/graph's JSON, the server's
layout skipped past svg_max_nodes, and the truncation count (live servers, real workers)."""

from __future__ import annotations

import sys

import httpx

from tests.conftest import ServeFactory

MODULES = """\
import torch
from torch import nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        return torch.tanh(self.lin(x)) + x

model = nn.Sequential(Block(), nn.ReLU(), nn.Linear(4, 1))
x = torch.randn(3, 4)
loss = model(x).pow(2).mean()
loss.backward()
"""

LOOP = """\
import torch
x = torch.tensor(1.0, requires_grad=True)
w = torch.tensor(0.999, requires_grad=True)
y = x
for i in range({steps}):
    y = y * w + 1
y.backward()
"""


def test_nodes_carry_their_module_and_the_graph_its_module_tree(client: httpx.Client) -> None:
    response = client.post("/api/graph", json={"source": MODULES})
    assert response.status_code == 200, response.text
    graph = response.json()["graph"]
    by_var = {v: n for n in graph["nodes"] for v in n["vars"]}
    assert by_var["model.0.lin.weight"]["module"] == "model.0.lin"
    assert by_var["model.2.bias"]["module"] == "model.2"
    ops = {n["op"]: n["module"] for n in graph["nodes"] if n["kind"] == "op"}
    assert ops["TanhBackward0"] == "model.0"
    assert ops["ReluBackward0"] == "model.1"
    assert ops["MeanBackward0"] is None
    tree = {m["path"]: m for m in graph["modules"]}
    assert list(tree) == ["model", "model.0", "model.0.lin", "model.1", "model.2"]
    assert tree["model.0"]["class"] == "Block"
    assert tree["model.0"]["children"] == ["model.0.lin"]
    assert tree["model"]["total_nodes"] == sum(1 for n in graph["nodes"] if n["module"])
    assert response.json()["svg"].lstrip().startswith("<svg")  # a small graph: Graphviz


def test_a_2000_step_loop_comes_folded(client: httpx.Client) -> None:
    response = client.post("/api/graph", json={"source": LOOP.format(steps=2000)})
    assert response.status_code == 200, response.text
    body = response.json()
    graph = body["graph"]
    assert len(graph["nodes"]) == 4002 and not graph["truncated"]
    (fold,) = graph["folds"]
    assert fold["count"] == 2000 and fold["size"] == 2
    assert len(fold["members"]) == 2000 and fold["template"] == fold["members"][0]
    # more than svg_max_nodes (2000): the page lays it out
    assert body["svg"] is None and body["svg_error"]["reason"] == "skipped"


def test_a_loop_whose_weight_spans_it_is_left_to_the_page_not_to_dot(
    client: httpx.Client,
) -> None:
    # 602 nodes only, but the weight feeds all 300 steps: dot took ~19 s, past job_timeout_s,
    # and the person got a timeout for an ordinary loop
    response = client.post("/api/graph", json={"source": LOOP.format(steps=300)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["graph"]["nodes"]) == 602 and body["graph"]["folds"]
    assert body["svg"] is None and body["svg_error"]["reason"] == "skipped"
    assert "89700 ranks" in body["svg_error"]["message"]
    short = client.post("/api/graph", json={"source": LOOP.format(steps=30)}).json()
    assert short["svg"] is not None and short["svg_error"] is None  # dot is quick on it


def test_svg_limit_and_truncation_count(serve: ServeFactory) -> None:
    env = {"GRADTRACE_SVG_MAX_NODES": "20", "GRADTRACE_MAX_GRAPH_NODES": "100"}
    base_url, _, _ = serve([sys.executable, "-m", "app", "serve", "--workers", "1"], env)
    with httpx.Client(base_url=base_url, timeout=60) as http:
        small = http.post("/api/graph", json={"source": LOOP.format(steps=5)}).json()
        assert small["svg"] is not None  # 12 nodes
        big = http.post("/api/graph", json={"source": LOOP.format(steps=500)}).json()
        assert big["svg"] is None and "svg_max_nodes" in big["svg_error"]["message"]
        assert big["graph"]["truncated"] and len(big["graph"]["nodes"]) == 100
        assert big["graph"]["dropped_nodes"] == 1002 - 100
        assert "902 more were cut" in big["dot"]
        svg = http.get("/api/graph.svg", params={"source": LOOP.format(steps=15)})
        assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg")  # export: any size


def test_a_50000_node_chain_is_walked_and_freed_without_crashing_the_worker(
    serve: ServeFactory,
) -> None:
    # Freeing a long chain that a walk has held recursed in PyTorch's C++ and killed the worker
    # with SIGSEGV, answered as a 422 "crash" (app/graph/release.py).
    env = {"GRADTRACE_JOB_TIMEOUT_S": "60"}
    base_url, _, _ = serve([sys.executable, "-m", "app", "serve", "--workers", "1"], env)
    with httpx.Client(base_url=base_url, timeout=120) as http:
        response = http.post("/api/graph", json={"source": LOOP.format(steps=25_000)})
        assert response.status_code == 200, response.text
        graph = response.json()["graph"]
        assert len(graph["nodes"]) == 50_000 and graph["truncated"]
        assert graph["dropped_nodes"] == 2
        again = http.post("/api/graph", json={"source": LOOP.format(steps=24_000)})
        assert again.status_code == 200, again.text
        assert len(again.json()["graph"]["nodes"]) == 48_002
