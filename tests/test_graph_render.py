"""DOT and SVG from app.graph.render, laid out by the real Graphviz ``dot``."""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
import xml.etree.ElementTree as ET

import graphviz
import pytest
import torch

from app.graph.model import Graph
from app.graph.render import (
    MAX_CROSSED_RANKS,
    RenderError,
    crossed_ranks,
    render_svg,
    render_svg_async,
    render_svg_in_process,
    slow_layout,
    to_dot,
)
from app.graph.walk import walk
from tests.test_graph_fold import loop_graph

SVG_NS = "{http://www.w3.org/2000/svg}"


def seed_graph(*, show_saved: bool = False, **extra: torch.Tensor) -> Graph:
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x + 1
    z = 2 * y
    m = torch.mean(z * z.t().t())
    return walk({"x": x, "y": y, "z": z, **extra, "m": m}, show_saved=show_saved)


def heavy_dot() -> str:
    """A dense random graph that takes ``dot`` far longer than a second to lay out."""
    rng = random.Random(0)
    g = graphviz.Digraph()
    for _ in range(3000):
        g.edge(f"a{rng.randrange(300)}", f"a{rng.randrange(300)}")
    return g.source


def svg_groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id", ""): g for g in root.iter(f"{SVG_NS}g")}


def svg_texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG_NS}text")]


def test_dot_and_svg_carry_every_node_and_edge_id() -> None:
    graph = seed_graph()
    dot = to_dot(graph)
    for node in graph.nodes:
        assert re.search(rf"\b{node.id} \[.*\bid={node.id}\b", dot)
    svg = render_svg(dot)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    for node in graph.nodes:
        assert f'<g id="{node.id}" class="node">' in svg
    groups = svg_groups(svg)
    for edge in graph.edges:
        assert groups[edge.id].get("class") == "edge"
    assert svg_texts(groups[graph.nodes[0].id]) == ["x", "(2, 3)", "float32 cpu"]


def test_styles_follow_the_node_kinds() -> None:
    graph = seed_graph()
    groups = svg_groups(render_svg(to_dot(graph)))

    def shape_of(node_id: str) -> ET.Element:
        return next(iter(groups[node_id].iter(f"{SVG_NS}polygon")))

    leaf = next(n for n in graph.nodes if n.kind == "leaf")
    named_op = next(n for n in graph.nodes if n.vars == ["z"])
    plain_op = next(n for n in graph.nodes if n.kind == "op" and not n.vars and not n.is_view)
    view = next(n for n in graph.nodes if n.is_view)
    assert shape_of(leaf.id).get("fill") == "lightblue"
    assert shape_of(plain_op.id).get("fill") == "lightgrey"
    assert shape_of(named_op.id).get("fill") not in {"lightblue", "lightgrey"}
    assert shape_of(view.id).get("stroke-dasharray")
    assert not shape_of(plain_op.id).get("stroke-dasharray")
    assert shape_of(graph.root_id or "").get("stroke-width")  # the root is drawn thicker


def test_saved_values_are_drawn_as_separate_nodes() -> None:
    graph = seed_graph(show_saved=True)
    groups = svg_groups(render_svg(to_dot(graph)))
    mul = next(n for n in graph.nodes if n.op == "MulBackward0" and not n.vars)
    for i, saved in enumerate(mul.saved):
        group = groups[f"{mul.id}_s{i}"]
        assert next(iter(group.iter(f"{SVG_NS}polygon"))).get("fill") == "orange"
        assert svg_texts(group)[0] == saved.name
        assert groups[f"e_{mul.id}_s{i}_{mul.id}"].get("class") == "edge"


def test_user_text_is_escaped() -> None:
    nasty = 'a"b\\N<i>&amp;\\l\nx\\'
    graph = seed_graph(**{nasty: torch.ones(1, requires_grad=True)})
    svg = render_svg(to_dot(graph))
    texts = [t for g in svg_groups(svg).values() for t in svg_texts(g)]
    # Literal text: no \N expansion, no entity decoding, no HTML label, no extra line.
    assert 'a"b\\N<i>&amp;\\l x\\' in texts
    html = "<b>bold</b>"
    y = torch.ones(1, requires_grad=True)
    svg = render_svg(to_dot(walk({html: y, "<": y * 2})))
    texts = [t for g in svg_groups(svg).values() for t in svg_texts(g)]
    assert html in texts and "<" in texts


def test_repeated_input_edge_is_labelled() -> None:
    x = torch.ones(2, requires_grad=True)
    graph = walk({"x": x, "sq": x * x})
    groups = svg_groups(render_svg(to_dot(graph)))
    assert svg_texts(groups[graph.edges[0].id]) == ["×2"]


def test_truncated_graph_says_so() -> None:
    x = torch.ones(2, requires_grad=True)
    y = x
    for _ in range(20):
        y = y + 1
    graph = walk({"x": x, "y": y}, max_nodes=5)
    svg = render_svg(to_dot(graph))
    assert "graph truncated: showing the first 5 nodes" in svg
    assert "truncated" not in render_svg(to_dot(walk({"x": x, "y": y})))


def test_render_times_out_and_kills_dot() -> None:
    start = time.monotonic()
    with pytest.raises(RenderError, match=r"longer than 0\.5 s") as info:
        render_svg(heavy_dot(), timeout=0.5)
    assert info.value.reason == "timeout"
    assert time.monotonic() - start < 10


def test_async_render_times_out_without_blocking_theloop_graph() -> None:
    async def scenario() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.02)

        task = asyncio.create_task(ticker())
        try:
            with pytest.raises(RenderError) as info:
                await render_svg_async(heavy_dot(), timeout=0.5)
            assert info.value.reason == "timeout"
        finally:
            task.cancel()
        return ticks

    assert asyncio.run(scenario()) >= 5  # the loop kept running while dot worked


def dot_children() -> list[int]:
    """Pids of running ``dot`` processes started by this test process (read from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except (OSError, IndexError):  # not a process, or it just ended
            continue
        if comm == "dot" and int(fields[1]) == os.getpid() and fields[0] != "Z":
            pids.append(int(entry))
    return pids


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_cancelled_async_render_kills_dot() -> None:
    async def scenario() -> list[int]:
        task = asyncio.create_task(render_svg_async(heavy_dot(), timeout=60))
        await asyncio.sleep(0.3)
        running = dot_children()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return running

    assert asyncio.run(scenario())  # dot was running before the cancel...
    assert dot_children() == []  # ...and is gone after it


def test_async_render_matches_sync() -> None:
    dot = to_dot(seed_graph(show_saved=True))
    assert asyncio.run(render_svg_async(dot, timeout=10)) == render_svg(dot)


def test_missing_graphviz_is_reported() -> None:
    with pytest.raises(RenderError, match="Graphviz is not installed") as info:
        render_svg("digraph {}", executable="gradtrace-no-such-dot")
    assert info.value.reason == "missing"
    with pytest.raises(RenderError, match="not installed"):
        asyncio.run(render_svg_async("digraph {}", executable="gradtrace-no-such-dot"))


def test_invalid_dot_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="syntax error") as info:
        render_svg("digraph { a -> }")
    assert info.value.reason == "failed"
    with pytest.raises(RenderError, match="syntax error"):
        asyncio.run(render_svg_async("digraph { a -> }"))


def test_in_process_layout_matches_dot_structure() -> None:
    """Graphviz's library (app.graph.gvlib) draws the same nodes, edges, ids and texts."""
    from app.graph import gvlib

    assert gvlib.available(), "pygraphviz's bundled Graphviz libraries should load here"
    graph = seed_graph(show_saved=True)
    dot = to_dot(graph)
    inside = svg_groups(render_svg_in_process(dot) or "")
    outside = svg_groups(render_svg(dot))
    assert inside.keys() == outside.keys()
    for group_id, group in outside.items():
        assert svg_texts(inside[group_id]) == svg_texts(group)


def test_in_process_layout_runs_without_the_gil() -> None:
    """A layout on its own thread lets this thread keep computing (the worker encodes its
    response meanwhile): this thread's count must move while the layout is under way."""
    from app.graph import gvlib

    dot = to_dot(walk({"loss": deep_chain(400)}))  # a layout of ~200 ms: the count has room
    future = gvlib.start_layout(dot)
    steps = 0
    while not future.done():
        steps += 1
    svg, milliseconds = future.result()
    assert "<svg" in svg and milliseconds > 0
    assert steps > 50_000  # a held GIL would allow a few thousand at most


def test_in_process_layout_reports_bad_dot() -> None:
    from app.graph import gvlib

    with pytest.raises(gvlib.LayoutFailed):
        gvlib.layout_svg("digraph { a -> }")
    with pytest.raises(RenderError) as info:
        render_svg_in_process("digraph { a -> }")
    assert info.value.reason == "failed"
    assert "<svg" in gvlib.layout_svg("digraph { a -> b }")  # still usable afterwards


def deep_chain(depth: int) -> torch.Tensor:
    t = torch.ones(2, requires_grad=True)
    for _ in range(depth):
        t = t * 1.0001 + 0.5
    return t.sum()


def test_crossed_ranks_count_a_shared_weights_long_edges() -> None:
    # y = ((x*w + 1)*w + 1)*w + 1: heights above the loss are Add 0, Mul 1, Add 2, Mul 3, Add 4,
    # Mul 5; x and w sit at 6. w's edges to the Muls at 5, 3 and 1 cross 0, 2 and 4 ranks.
    assert crossed_ranks(loop_graph(3)) == 6
    assert crossed_ranks(loop_graph(100)) == 100 * 99  # 2(k-1) for step k
    chain = torch.ones(3, requires_grad=True)
    out = chain
    for _ in range(50):
        out = out.sin() * 2  # constants only: every edge spans one rank
    assert crossed_ranks(walk({"x": chain, "out": out})) == 0


def test_slow_layout_names_graphs_dot_would_take_seconds_over() -> None:
    assert slow_layout(loop_graph(40)) is None  # 1,560 crossed ranks: dot is quick
    reason = slow_layout(loop_graph(300))
    assert reason is not None and "89700 ranks" in reason and str(MAX_CROSSED_RANKS) in reason
    assert "GET /api/graph.svg" in reason  # where the picture can still be had
