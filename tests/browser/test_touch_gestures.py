"""Touch on the graph, in a real browser with a touch screen: real touches sent through the
DevTools protocol (Input.dispatchTouchEvent) pinch-zoom the picture about the fingers' midpoint
and a one-finger drag pans it, on the big-graph view (pan-zoom.js) and on a small graph
(svg-pan-zoom), where a tap still selects a node and the page itself never scrolls or zooms."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.test_big_graph_view import CENTRE, ON_SCREEN_CLUSTER, SHOWN, run_layers

pytestmark = pytest.mark.browser

STEPS = 8  # touchMove events per gesture

VIEW = """() => {
  const pz = window.gradtrace.canvas.panZoom;
  return { pan: pz.getPan(), zoom: pz.getZoom() };
}"""

PAGE = "() => [window.scrollX, window.scrollY, window.visualViewport.scale]"


class Fingers:
    """Touches on the page through CDP: points in CSS pixels of the viewport, one event every
    16 ms of the events' own clock."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.clock = 0.0

    def send(self, kind: str, points: list[tuple[float, float]], after: float = 0.016) -> None:
        self.clock = max(self.clock + after, time.time())
        touches = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        self.cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": touches, "timestamp": self.clock},
        )

    def gesture(self, start: list[tuple[float, float]], end: list[tuple[float, float]]) -> None:
        """Put fingers down at `start`, move them in STEPS straight to `end`, lift them. They
        rest there a moment first, as after a deliberate move: a finger lifted while moving
        starts a fling, and Chromium spends the next tap on stopping it."""
        self.send("touchStart", start)
        for k in range(1, STEPS + 1):
            t = k / STEPS
            self.send(
                "touchMove",
                [
                    (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
                    for (x0, y0), (x1, y1) in zip(start, end, strict=True)
                ],
            )
        self.send("touchMove", end, after=0.3)
        self.send("touchEnd", [])

    def tap(self, x: float, y: float) -> None:
        self.send("touchStart", [(x, y)])
        self.send("touchEnd", [], after=0.05)


def pinch_and_drag(page: Any, node: str) -> None:
    """Pinch out about `node`'s centre (it stays there), then drag the picture with one finger."""
    fingers = Fingers(page)
    cx, cy = page.evaluate(CENTRE, node)
    before = page.evaluate(VIEW)
    # two fingers about the node's centre move apart, 2.5 times as far, along a slant
    fingers.gesture(
        [(cx - 40, cy - 10), (cx + 40, cy + 10)], [(cx - 100, cy - 25), (cx + 100, cy + 25)]
    )
    after = page.evaluate(VIEW)
    assert after["zoom"] / before["zoom"] == pytest.approx(2.5, rel=0.02)
    # the node under the fingers' midpoint stays under it
    now = page.evaluate(CENTRE, node)
    assert abs(now[0] - cx) < 3 and abs(now[1] - cy) < 3

    # one finger drags: the picture moves by as much, and does not zoom
    fingers.gesture([(cx + 30, cy + 30)], [(cx + 90, cy + 70)])
    dragged = page.evaluate(VIEW)
    assert dragged["pan"]["x"] - after["pan"]["x"] == pytest.approx(60, abs=1.5)
    assert dragged["pan"]["y"] - after["pan"]["y"] == pytest.approx(40, abs=1.5)
    assert dragged["zoom"] == pytest.approx(after["zoom"])


def test_pinch_and_drag_the_big_graph_view(touch_ui) -> None:
    ui = touch_ui
    ui.goto("/")
    page = ui.page
    run_layers(page)
    assert page.evaluate("() => window.gradtrace.canvas.svg.classList.contains('gt-fast-pz')")
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('#graph-canvas')).touchAction")
        == "none"
    )
    cluster = page.evaluate(ON_SCREEN_CLUSTER)
    page.evaluate("(id) => window.gradtrace.canvas.centerOn(id)", cluster)
    scrolled = page.evaluate(PAGE)
    pinch_and_drag(page, cluster)
    assert page.evaluate(PAGE) == scrolled  # the page stayed put
    assert page.evaluate("() => window.__laid") == 0  # no gesture opened a cluster
    ui.screenshot("touch_big_graph_pinched")
    # a tap on the cluster opens it, as a click does
    cx, cy = page.evaluate(CENTRE, cluster)
    Fingers(page).tap(cx, cy)
    page.wait_for_function("() => window.__laid === 1")
    assert cluster not in page.evaluate(SHOWN)
    assert not ui.errors, ui.errors


def test_pinch_drag_and_tap_a_small_graph(touch_ui) -> None:
    ui = touch_ui
    ui.goto("/")
    page = ui.page
    page.wait_for_function(
        "() => window.gradtrace && window.gradtrace.result"
        " && document.querySelector('#graph-canvas svg g.node')",
        timeout=60_000,
    )
    assert not page.evaluate("() => window.gradtrace.canvas.big")  # seed 001: svg-pan-zoom
    x = page.evaluate(
        "() => window.gradtrace.result.graph.nodes.find(n => n.vars.includes('x')).id"
    )
    scrolled = page.evaluate(PAGE)
    pinch_and_drag(page, x)
    assert page.evaluate(PAGE) == scrolled
    # a tap on a node selects it, as a click does
    cx, cy = page.evaluate(CENTRE, x)
    Fingers(page).tap(cx, cy)
    page.wait_for_selector("#node-panel:not([hidden])")
    assert page.evaluate("() => window.gradtrace.canvas.selectedId") == x
    ui.screenshot("touch_small_graph_pinched")
    assert not ui.errors, ui.errors
