"""Big graphs laid out by the page (graph-big.js) in a real browser: module clusters that open
and close again, a folded 2000-step loop that opens on click, search that opens what hides a
match, the path to the root; small graphs keep the server's SVG."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 90_000  # a cold worker on a busy 2-core machine

TRANSFORMER = """\
import torch
from torch import nn
torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
model = nn.TransformerEncoder(layer, 6, enable_nested_tensor=False)
x = torch.randn(2, 8, 32)
loss = model(x).pow(2).mean()
loss.backward()
"""

LOOP = """\
import torch
x = torch.tensor(1.0, requires_grad=True)
w = torch.tensor(0.999, requires_grad=True)
y = x
for i in range(2000):
    y = y * w + 1
y.backward()
"""

SHOWN = "[...document.querySelectorAll('#graph-canvas svg g.node')].map(g => g.id)"


def run(page: Any, source: str) -> dict[str, Any]:
    page.wait_for_function("() => window.gradtrace && window.gradtrace.result", timeout=60_000)
    page.evaluate("(s) => window.gradtrace.editor.setValue(s)", source)
    page.evaluate("() => { window.__laid = 0; window.gradtrace.run(); }")
    page.wait_for_function(
        "() => window.gradtrace.canvas.big && document.querySelector('#graph-canvas svg g.node')"
        " && window.gradtrace.result.graph.nodes.length > 300",
        timeout=RUN_TIMEOUT_MS,
    )
    page.evaluate(
        "() => document.querySelector('#graph-canvas')"
        ".addEventListener('gt-layout', () => { window.__laid += 1; })"
    )
    graph: dict[str, Any] = page.evaluate("() => window.gradtrace.result.graph")
    return graph


def click_and_wait(page: Any, selector: str) -> list[str]:
    before = page.evaluate("() => window.__laid")
    page.click(selector)
    page.wait_for_function(f"() => window.__laid > {before}", timeout=30_000)
    shown: list[str] = page.evaluate(SHOWN)
    return shown


def check_picture(graph: dict[str, Any], shown: list[str], edges: list[str]) -> None:
    """Every drawn node is a real node, a cluster (c<k>) or a fold; edges join drawn nodes."""
    real = {n["id"] for n in graph["nodes"]}
    folds = {f["id"] for f in graph["folds"]}
    clusters = {f"c{k}" for k in range(len(graph["modules"]))}
    assert set(shown) <= real | folds | clusters
    assert len(shown) == len(set(shown))
    drawn = set(shown)
    for edge in edges:
        source, target = edge.removeprefix("e_").split("_")
        assert source in drawn and target in drawn, edge


def test_transformer_clusters_open_and_close_again(ui) -> None:
    ui.goto("/")
    page = ui.page
    graph = run(page, TRANSFORMER)
    modules = graph["modules"]
    start = page.evaluate(SHOWN)
    assert len(start) < 80 < len(graph["nodes"])  # collapsed by default
    check_picture(graph, start, page.evaluate(EDGES))
    # the five identical layers are one fold, named after their class
    (fold,) = graph["folds"]
    assert fold["modules"] == [f"model.layers.{k}" for k in range(1, 6)]
    assert fold["id"] in start
    # open a collapsed module: its own nodes or sub-modules show, and only those are new
    collapsed = [i for i in start if i.startswith("c")]
    assert collapsed, start
    target = collapsed[0]
    path = modules[int(target[1:])]["path"]
    opened = click_and_wait(page, f'#graph-canvas g.node[id="{target}"]')
    assert target not in opened
    new = set(opened) - set(start)
    by_id = {n["id"]: n for n in graph["nodes"]}
    for node_id in new:
        inside = by_id[node_id]["module"] if node_id in by_id else modules[int(node_id[1:])]["path"]
        assert inside == path or inside.startswith(path + "."), (node_id, inside)
    check_picture(graph, opened, page.evaluate(EDGES))
    # its cluster box closes it again: the same picture as before
    closed = click_and_wait(page, f'#graph-canvas g.cluster[id="k_{target}"] > text')
    assert sorted(closed) == sorted(start)
    # the fold opens from both ends: layer 1 and layer 5 as boxes, "x 3 more" between them
    layers = click_and_wait(page, f'#graph-canvas g.node[id="{fold["id"]}"]')
    ids = {m["path"]: f"c{k}" for k, m in enumerate(modules)}
    assert {ids["model.layers.1"], ids["model.layers.5"], fold["id"]} <= set(layers)
    assert "× 3 more" in page.text_content(f'#graph-canvas g.node[id="{fold["id"]}"]')
    assert not ui.errors, ui.errors


EDGES = "[...document.querySelectorAll('#graph-canvas svg g.edge')].map(g => g.id)"


def test_a_folded_2000_step_loop_opens_on_click_and_shows_the_path_to_root(ui) -> None:
    ui.goto("/")
    page = ui.page
    graph = run(page, LOOP)
    (fold,) = graph["folds"]
    shown = page.evaluate(SHOWN)
    assert sorted(shown) == sorted(["n0", "n1", fold["id"]])  # x, w and the fold
    assert "× 2000" in page.text_content(f'#graph-canvas g.node[id="{fold["id"]}"]')
    assert page.evaluate("() => window.gradtrace.result.svg") is None  # 4002 nodes: the page
    first, last = fold["members"][0], fold["members"][-1]
    opened = click_and_wait(page, f'#graph-canvas g.node[id="{fold["id"]}"]')
    assert set(first) | set(last) <= set(opened)
    assert "× 1998 more" in page.text_content(f'#graph-canvas g.node[id="{fold["id"]}"]')
    check_picture(graph, opened, page.evaluate(EDGES))
    more = click_and_wait(page, f'#graph-canvas g.node[id="{fold["id"]}"]')
    assert len(more) > len(opened)
    # path to root from x: x, the copies it flows through and the fold are marked
    page.evaluate("() => window.gradtrace.canvas.select('n0')")  # x may be out of view now
    page.click("#path-root")
    marked = page.evaluate(
        "() => [...document.querySelectorAll('#graph-canvas .gt-path')].map(g => g.id)"
    )
    assert {"n0", fold["id"], *first, graph["root_id"]} <= set(marked)
    assert f"e_n0_{first[0]}" in marked or any(m.startswith("e_n0_") for m in marked)
    assert not ui.errors, ui.errors


def test_search_opens_the_cluster_that_hides_a_match(ui) -> None:
    ui.goto("/")
    page = ui.page
    graph = run(page, TRANSFORMER)
    name = "model.layers.3.linear1.weight"  # inside the fold of layers 1-5
    node = next(n for n in graph["nodes"] if name in n["vars"])
    assert node["id"] not in page.evaluate(SHOWN)
    page.fill("#graph-search", name)
    page.wait_for_function("() => document.querySelector('#search-count').textContent")
    assert page.text_content("#search-count") == "1 match"
    page.press("#graph-search", "Enter")
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === '{node['id']}'"
    )
    assert node["id"] in page.evaluate(SHOWN)
    assert not ui.errors, ui.errors


def test_small_graphs_keep_the_servers_svg(ui) -> None:
    ui.goto("/")
    page = ui.page
    page.wait_for_function("() => window.gradtrace && window.gradtrace.result", timeout=60_000)
    result = page.evaluate("() => window.gradtrace.result")
    assert result["svg"] and page.evaluate("() => window.gradtrace.canvas.big") is None
    shown = page.evaluate(SHOWN)
    assert sorted(shown) == sorted(n["id"] for n in result["graph"]["nodes"])


PAGED = """async () => {
  const { ClusterModel } = await import('/static/js/graph-clusters.js');
  const nodes = [], edges = [], modules = [{ path: 'm', class: 'Sequential', parent: null,
    children: [], calls: 1, nodes: 0, total_nodes: 180, params: [] }];
  for (let k = 0; k < 60; k++) {
    modules[0].children.push(`m.${k}`);
    modules.push({ path: `m.${k}`, class: 'Linear', parent: 'm', children: [], calls: 1,
                   nodes: 3, total_nodes: 3, params: [] });
    for (let j = 0; j < 3; j++) {
      const id = `n${k * 3 + j}`;
      nodes.push({ id, kind: 'op', op: 'Op', label: 'Op', vars: [], module: `m.${k}` });
      if (k * 3 + j > 0) edges.push({ id: `e`, source: `n${k * 3 + j - 1}`, target: id, count: 1 });
    }
  }
  const model = new ClusterModel({ nodes, edges, modules, folds: [], root_id: 'n179' });
  model.initialState();
  const drawn = () => new Set(nodes.map((n) => model.repOf(n.id)));
  const start = drawn();
  model.collapse('m');
  const closed = drawn();
  model.toggle('c0');
  const opened = drawn();
  const dot = model.toDot().dot;
  model.toggle('p0');
  const more = drawn();
  model.reveal('n90');  // in m.30, still hidden
  const revealed = drawn();
  return { start: [...start], closed: [...closed], opened: [...opened], more: [...more],
           revealed: [...revealed], dot: dot.includes('p0 [id=p0') && dot.includes('36 more') };
}"""


def test_a_module_with_many_children_opens_them_a_few_at_a_time(ui) -> None:
    ui.goto("/")
    page = ui.page
    page.wait_for_function("() => window.gradtrace")
    found = page.evaluate(PAGED)
    # opening m shows 25 boxes: under the budget of 50, so the page opens it
    assert "p0" in found["start"] and len(found["start"]) <= 50
    assert found["closed"] == ["c0"]
    opened = set(found["opened"])
    # the first and last 12 children as boxes, the 36 between them as one box
    assert opened == {f"c{k + 1}" for k in [*range(12), *range(48, 60)]} | {"p0"}
    assert found["dot"]
    more = set(found["more"])
    assert "p0" not in more and len(more) == 60  # 4 x 12 at each end covers all 60
    assert "n90" in set(found["revealed"])
    assert not ui.errors, ui.errors
