"""The big-graph view's pan/zoom (pan-zoom.js: the <svg> moved as one CSS transform), its canvas
minimap and the incremental count behind the default clusters, in a real browser: dragging and
the wheel move the picture, nodes stay clickable and clusters open around the clicked spot."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_big_graph import run

pytestmark = pytest.mark.browser


# 20 groups of ten Linear+activation layers (~1000 nodes), widths varying so nothing folds:
# the default view shows more than 40 boxes, so it has a minimap.
LAYERS = """\
import torch
from torch import nn
groups = []
for g in range(20):
    layers = []
    for i in range(10):
        layers.append(nn.Linear(4 + (g + i) % 3, 4 + (g + i + 1) % 3))
        layers.append(nn.Tanh() if i % 2 else nn.ReLU())
    groups.append(nn.Sequential(*layers))
model = nn.Sequential(*groups)
loss = model(torch.randn(2, 4)).sum()
"""

VIEW = """() => {
  const pz = window.gradtrace.canvas.panZoom;
  return { pan: pz.getPan(), zoom: pz.getSizes().realZoom,
           transform: window.gradtrace.canvas.svg.style.transform };
}"""

SHOWN = "[...document.querySelectorAll('#graph-canvas svg g.node')].map(g => g.id)"

CENTRE = """(id) => {
  const el = document.querySelector(`#graph-canvas [id="${id}"]`);
  if (!el) return null;
  const b = el.getBoundingClientRect();
  return [b.left + b.width / 2, b.top + b.height / 2];
}"""


# The collapsed cluster nearest the centre of the canvas's visible part: one the pointer can
# reach (a big picture starts at a readable zoom, so most of it is off screen).
ON_SCREEN_CLUSTER = """() => {
  const f = document.querySelector('#graph-canvas').getBoundingClientRect();
  // the part of the canvas inside the window: a click there needs no scroll of the page
  const [top, bottom] = [Math.max(f.top, 0), Math.min(f.bottom, window.innerHeight)];
  const [fx, fy] = [f.left + f.width / 2, (top + bottom) / 2];
  const distance = (g) => {
    const b = g.getBoundingClientRect();
    return Math.hypot(b.left + b.width / 2 - fx, b.top + b.height / 2 - fy);
  };
  const all = [...document.querySelectorAll('#graph-canvas g.gt-cluster-node')];
  return all.sort((a, b) => distance(a) - distance(b))[0].id;
}"""


def run_layers(page: Any) -> dict[str, Any]:
    return run(page, LAYERS)


def canvas_box(page: Any) -> dict[str, float]:
    box: dict[str, float] = page.locator("#graph-canvas").bounding_box()
    return box


def test_drag_and_wheel_move_the_picture_and_nodes_stay_clickable(ui) -> None:
    ui.goto("/")
    page = ui.page
    run_layers(page)
    assert page.evaluate("() => window.gradtrace.canvas.svg.classList.contains('gt-fast-pz')")
    box = canvas_box(page)
    start = page.evaluate(VIEW)
    first = page.evaluate(SHOWN)
    # a drag from an empty corner pans by the distance dragged, and opens nothing
    x, y = box["x"] + 6, box["y"] + 6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=6)
    page.mouse.up()
    moved = page.evaluate(VIEW)
    assert abs(moved["pan"]["x"] - start["pan"]["x"] - 60) < 1.5
    assert abs(moved["pan"]["y"] - start["pan"]["y"] - 40) < 1.5
    assert moved["transform"] != start["transform"]
    assert page.evaluate("() => window.__laid") == 0
    # the wheel zooms in around the pointer: the cluster under it stays under it
    cluster = page.evaluate(ON_SCREEN_CLUSTER)
    # in the middle of the canvas, so what opens there stays in view (a focused node partly
    # out of view would scroll the canvas, which pan-zoom.js turns into a pan)
    page.evaluate("(id) => window.gradtrace.canvas.centerOn(id)", cluster)
    cx, cy = page.evaluate(CENTRE, cluster)
    page.mouse.move(cx, cy)
    page.mouse.wheel(0, -100)
    page.wait_for_function(f"() => window.gradtrace.canvas.panZoom.getZoom() > {moved['zoom']}")
    after = page.evaluate(CENTRE, cluster)
    assert abs(after[0] - cx) < 2 and abs(after[1] - cy) < 2
    # a click on the moved, zoomed cluster opens it, around the spot that was clicked
    zoom = page.evaluate("() => window.gradtrace.canvas.panZoom.getZoom()")
    page.click(f'#graph-canvas g.node[id="{cluster}"]')
    page.wait_for_function("() => window.__laid === 1")
    shown = page.evaluate(SHOWN)
    assert cluster not in shown
    assert abs(page.evaluate("() => window.gradtrace.canvas.panZoom.getZoom()") - zoom) < 1e-9
    # the first node the cluster held is drawn (itself or its sub-module) where the box was
    kept_id = page.evaluate("(id) => window.gradtrace.canvas.big.anchorAfter(id)()", cluster)
    kept = page.evaluate(CENTRE, kept_id)
    assert abs(kept[0] - after[0]) < 3 and abs(kept[1] - after[1]) < 3
    # a real node in the opened cluster is still a click target: it is selected
    real = page.evaluate(
        "() => [...document.querySelectorAll('#graph-canvas g.node.gt-op')].map(g => g.id)"
    )
    assert real
    page.click(f'#graph-canvas g.node[id="{real[0]}"]', force=True)
    page.wait_for_function(f"() => window.gradtrace.canvas.selectedId === '{real[0]}'")
    # closing it again shows the picture laid out before, without asking the layout worker
    posted = page.evaluate(
        """async (id) => {
          let posted = 0;
          const send = Worker.prototype.postMessage;
          Worker.prototype.postMessage = function (m) { posted += 1; return send.call(this, m); };
          try { await window.gradtrace.canvas.big.toggle(`k_${id}`); }
          finally { Worker.prototype.postMessage = send; }
          return posted;
        }""",
        cluster,
    )
    assert posted == 0
    assert sorted(page.evaluate(SHOWN)) == sorted(first)
    assert not ui.errors, ui.errors


def test_keyboard_focus_on_a_node_out_of_view_pans_to_it(ui) -> None:
    ui.goto("/")
    page = ui.page
    run_layers(page)
    page.evaluate("() => window.gradtrace.canvas.panZoom.zoom(1.5)")
    frame = canvas_box(page)
    outside = page.evaluate(
        """(f) => [...document.querySelectorAll('#graph-canvas g.node')].find((g) => {
          const b = g.getBoundingClientRect();
          return b.top > f.y + f.height || b.bottom < f.y
            || b.left > f.x + f.width || b.right < f.x;
        })?.id""",
        frame,
    )
    assert outside
    pan = page.evaluate("() => window.gradtrace.canvas.panZoom.getPan()")
    page.evaluate(f"() => document.getElementById('{outside}').focus()")
    # the browser scrolls the container to the node; the view turns that into a pan
    page.wait_for_function(
        "(p) => { const c = document.querySelector('#graph-canvas');"
        " const now = window.gradtrace.canvas.panZoom.getPan();"
        " return c.scrollLeft === 0 && c.scrollTop === 0 && (now.x !== p.x || now.y !== p.y); }",
        arg=pan,
    )
    box = page.locator(f'#graph-canvas g.node[id="{outside}"]').bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert frame["x"] < cx < frame["x"] + frame["width"]
    assert frame["y"] < cy < frame["y"] + frame["height"]
    assert not ui.errors, ui.errors


def test_the_minimap_draws_the_picture_and_moves_the_view(ui) -> None:
    ui.goto("/")
    page = ui.page
    run_layers(page)
    page.wait_for_selector("#graph-canvas .gt-minimap canvas")
    # the canvas holds drawn boxes, not a blank rectangle
    inked = page.evaluate(
        "() => { const c = document.querySelector('#graph-canvas .gt-minimap canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n; }"
    )
    assert inked > 20
    for _ in range(8):  # 1.25 ** 8: about 6x the fitted zoom
        page.click("#zoom-in")
    rect = """() => { const r = document.querySelector('#graph-canvas .gt-minimap-view')
      .getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"""
    page.wait_for_timeout(300)  # the frame follows the view within 100 ms
    framed = page.evaluate(rect)
    before = page.evaluate("() => window.gradtrace.canvas.visibleFraction()")
    frame = page.locator("#graph-canvas .gt-minimap").bounding_box()
    assert framed[2] < frame["width"] * 0.9 or framed[3] < frame["height"] * 0.9  # zoomed in
    page.mouse.click(frame["x"] + 3, frame["y"] + 3)  # the top left corner of the picture
    after = page.evaluate("() => window.gradtrace.canvas.visibleFraction()")
    assert after["x"] <= before["x"] and after["y"] <= before["y"]
    assert after["x"] < before["x"] - 0.01 or after["y"] < before["y"] - 0.01
    # the red frame follows the view to that corner
    page.wait_for_function(
        f"(old) => ({rect})().some((v, i) => Math.abs(v - old[i]) > 1)", arg=framed
    )
    moved = page.evaluate(rect)
    assert moved[0] <= framed[0] + 0.5 and moved[1] <= framed[1] + 0.5
    assert moved[0] < frame["x"] + frame["width"] * 0.1 + 2
    assert moved[1] < frame["y"] + frame["height"] * 0.1 + 2
    assert not ui.errors, ui.errors


TALLY = """async () => {
  const { ClusterModel } = await import('/static/js/graph-clusters.js');
  const graph = window.gradtrace.result.graph;
  const model = new ClusterModel(graph);
  const tally = model.tally();
  const out = [];
  // open and close modules in a fixed, scrambled order; the tally must agree with a full count
  const paths = graph.modules.map((m) => m.path);
  for (let k = 0; k < 60; k++) {
    const path = paths[(k * 37) % paths.length];
    const opening = !model.expanded.has(path);
    const counted = tally.change(path, () => opening ? model.open(path) : model.collapse(path));
    out.push([counted, model.visibleCount()]);
  }
  model.initialState();
  return { steps: out, start: model.visibleCount(), expanded: model.expanded.size };
}"""


def test_the_incremental_count_agrees_with_a_full_count(ui) -> None:
    ui.goto("/")
    page = ui.page
    run_layers(page)
    found = page.evaluate(TALLY)
    assert all(counted == full for counted, full in found["steps"]), found["steps"]
    assert len({full for _, full in found["steps"]}) > 5  # the count really moved
    assert 40 < found["start"] <= 50 and found["expanded"] > 1
    assert not ui.errors, ui.errors
