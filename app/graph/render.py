"""Draw a :class:`Graph` as DOT text (built with the graphviz package) and lay it out as SVG.

Every node keeps its JSON id as its DOT name and ``id`` attribute, so the SVG says
``<g id="n3" class="node">`` and the page can link what it shows to the JSON. Edges get the id
``e_<source>_<target>``; saved tensors (``show_saved``) are extra orange nodes ``<op id>_s<i>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from typing import Literal

import graphviz
from graphviz.quoting import quote

from app.graph import gvlib
from app.graph.fold import heights
from app.graph.model import Graph, Node, SavedValue, shape_text

RenderFailure = Literal["missing", "timeout", "failed"]

# torchviz's palette: leaves light blue, ops light grey, named outputs green, saved orange.
_LEAF_COLOR = "lightblue"
_OP_COLOR = "lightgrey"
_NAMED_COLOR = "darkolivegreen1"
_SAVED_COLOR = "orange"
_DASHED = '"filled,dashed"'
_MAX_STDERR = 2_000


class RenderError(RuntimeError):
    """Graphviz could not draw the graph; ``reason`` is "missing", "timeout" or "failed"."""

    def __init__(self, message: str, *, reason: RenderFailure) -> None:
        super().__init__(message)
        self.reason: RenderFailure = reason


def _label(lines: list[str]) -> str:
    """A DOT label whose user text is literal: no ``\\N``-style escapes, entities or HTML."""
    # Backslashes are doubled (graphviz.escape) so a name cannot smuggle in DOT escapes, "&" is
    # written as an entity because dot decodes entities even in plain labels, and control
    # characters would break the one-line-per-part layout, so they become spaces.
    parts = [graphviz.escape(_printable(line).replace("&", "&amp;")) for line in lines]
    label: str = graphviz.nohtml("\\n".join(parts))
    return label  # "\n" in DOT: centred line break


def _printable(line: str) -> str:
    if line.isprintable():  # the common case, checked whole first
        return line
    return "".join(c if c.isprintable() else " " for c in line)


def _node_line(node: Node, is_root: bool, labels: dict[str, str]) -> str:
    fill = _LEAF_COLOR if node.kind == "leaf" else _NAMED_COLOR if node.vars else _OP_COLOR
    style = _DASHED if node.is_view else "filled"
    root = " penwidth=2.5" if is_root else ""
    # a big graph repeats a few captions thousands of times: each is quoted once
    label = labels.get(node.label)
    if label is None:
        label = labels[node.label] = quote(_label(node.label.split("\n")))
    return f"\t{node.id} [label={label} fillcolor={fill} id={node.id}{root} style={style}]\n"


def _saved_label(saved: SavedValue) -> list[str]:
    if saved.freed:
        return [saved.name, "(freed)"]
    if saved.shape is not None:
        return [saved.name, shape_text(saved.shape)]
    return [saved.name, saved.repr]


def to_dot(graph: Graph) -> str:
    """DOT source for the graph: node names and ``id`` attributes are the JSON node ids.

    Leaves are light blue, ops light grey, ops whose output the program named green, views
    dashed, the root drawn with a thick border, saved values orange boxes linked by dotted
    edges to the op that saved them. A truncated graph says so in its caption.
    """
    dot = graphviz.Digraph(
        name="gradtrace",
        graph_attr={"ranksep": "0.25", "nodesep": "0.3"},
        node_attr={
            "shape": "box",
            "style": "filled",
            "fontname": "Courier",  # a font Graphviz has metrics for (gvlib)
            "fontsize": "10",
            "height": "0.2",
        },
        edge_attr={"arrowsize": "0.7"},
    )
    if graph.truncated:
        note = f"graph truncated: showing the first {len(graph.nodes)} nodes"
        if graph.dropped_nodes:
            note += f"; {graph.dropped_nodes} more were cut (limit max_graph_nodes)"
        dot.attr(label=_label([note]), labelloc="t")
    # Lines are written here rather than through dot.node()/dot.edge(), which quote every
    # attribute name and value (~20 µs a node): only labels carry text from the program, and
    # they go through the package's own quote(); ids (n3, e_n1_n2) and colours are our names.
    lines = dot.body
    labels: dict[str, str] = {}
    for node in graph.nodes:
        lines.append(_node_line(node, node.id == graph.root_id, labels))
        for i, saved in enumerate(node.saved):
            saved_id = f"{node.id}_s{i}"
            style = _DASHED if saved.freed else "filled"
            label = quote(_label(_saved_label(saved)))
            lines.append(
                f"\t{saved_id} [label={label} fillcolor={_SAVED_COLOR} id={saved_id} "
                f"style={style}]\n"
            )
            lines.append(
                f"\t{saved_id} -> {node.id} [dir=none id=e_{saved_id}_{node.id} style=dotted]\n"
            )
    for edge in graph.edges:
        count = f" label={quote(f'×{edge.count}')}" if edge.count > 1 else ""
        lines.append(f"\t{edge.source} -> {edge.target} [id={edge.id}{count}]\n")
    source: str = dot.source
    return source


# Graphviz's dot threads an edge through one "virtual node" per rank it crosses, and its
# crossing minimisation grows about quadratically with them: a 200-step loop whose weight feeds
# every step (9,900 crossed ranks) takes ~1 s, 300 steps (22,350) ~3 s and 500 steps over a
# minute, on 600 to 1,000 nodes only. Past this many, the server draws no SVG (the page lays the
# graph out itself; GET /api/graph.svg still asks dot, under dot_timeout_s).
MAX_CROSSED_RANKS = 5_000


def crossed_ranks(graph: Graph) -> int:
    """About how many ranks dot's edges must cross: each node placed as low as it can go (its
    height above the loss), the ranks each edge spans beyond one, summed."""
    height = heights(graph)
    position = {node.id: k for k, node in enumerate(graph.nodes)}
    crossed = 0
    for edge in graph.edges:
        source, target = position.get(edge.source), position.get(edge.target)
        if source is not None and target is not None:
            crossed += max(0, height[source] - height[target] - 1)
    return crossed


def slow_layout(graph: Graph) -> str | None:
    """Why Graphviz would take too long on this graph (None: it will be quick enough)."""
    crossed = crossed_ranks(graph)
    if crossed <= MAX_CROSSED_RANKS:
        return None
    return (
        f"the graph's edges cross {crossed} ranks (a tensor used all along a long loop), more "
        f"than Graphviz lays out quickly ({MAX_CROSSED_RANKS}): the page lays it out; "
        "GET /api/graph.svg draws it"
    )


def strip_prolog(svg: str) -> str:
    """Drop the XML declaration, DOCTYPE and comments before ``<svg`` so it can be inlined."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _failed(returncode: int | None, stderr: bytes) -> RenderError:
    detail = stderr.decode("utf-8", "replace").strip()[-_MAX_STDERR:]
    return RenderError(f"Graphviz failed (exit status {returncode}): {detail}", reason="failed")


def _missing(executable: str) -> RenderError:
    return RenderError(
        f"Graphviz is not installed: the {executable!r} program was not found", reason="missing"
    )


def _timed_out(timeout: float) -> RenderError:
    return RenderError(
        f"Graphviz took longer than {timeout:g} s to lay out the graph", reason="timeout"
    )


def render_svg(dot: str, *, timeout: float = 10.0, executable: str = "dot") -> str:
    """Lay out DOT source with ``dot -Tsvg`` and return inline-ready SVG (no XML prolog).

    Raises :class:`RenderError`: when Graphviz is not installed, when the layout takes longer
    than ``timeout`` seconds (the process is killed), or when ``dot`` rejects the input.
    """
    path = shutil.which(executable)
    if path is None:
        raise _missing(executable)
    try:
        # subprocess.run kills the child itself when the timeout expires.
        proc = subprocess.run(
            [path, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise _timed_out(timeout) from None
    except FileNotFoundError:
        raise _missing(executable) from None
    if proc.returncode != 0:
        raise _failed(proc.returncode, proc.stderr)
    return strip_prolog(proc.stdout.decode("utf-8", "replace"))


def render_svg_in_process(dot: str) -> str | None:
    """Lay out DOT with Graphviz's library in this process, or None when it is not installed.

    Starting a ``dot`` process costs about 10 ms, most of the time a small graph takes; the
    library call takes about 1 ms. Callers use it for small graphs in disposable worker
    processes (a Graphviz crash then costs a worker, not the server) and keep ``dot`` with its
    timeout for large ones. The bundled libraries are called directly where they load
    (app.graph.gvlib: no pango, ~40% faster), else through pygraphviz.
    """
    if gvlib.available():
        try:
            return strip_prolog(gvlib.layout_svg(dot))
        except gvlib.LayoutFailed as error:
            raise RenderError(str(error), reason="failed") from None
    try:
        import pygraphviz
    except ImportError:
        return None
    try:
        svg = pygraphviz.AGraph(string=dot).draw(format="svg", prog="dot")
    except (OSError, ValueError, pygraphviz.DotError) as error:
        message = f"Graphviz could not lay out the graph: {error}"
        raise RenderError(message, reason="failed") from None
    return strip_prolog(svg.decode("utf-8", "replace") if isinstance(svg, bytes) else svg)


async def render_svg_async(dot: str, *, timeout: float = 10.0, executable: str = "dot") -> str:
    """Like :func:`render_svg`, with an asyncio subprocess so the event loop keeps running.

    The ``dot`` process is killed on timeout and also when the awaiting task is cancelled
    (a client that went away), so no layout outlives its request.
    """
    path = shutil.which(executable)
    if path is None:
        raise _missing(executable)
    try:
        proc = await asyncio.create_subprocess_exec(
            path,
            "-Tsvg",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise _missing(executable) from None
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(dot.encode("utf-8")), timeout)
    except TimeoutError:
        await _kill(proc)
        raise _timed_out(timeout) from None
    except BaseException:  # cancelled: do not leave dot running for nobody
        await _kill(proc)
        raise
    if proc.returncode != 0:
        raise _failed(proc.returncode, stderr)
    return strip_prolog(stdout.decode("utf-8", "replace"))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it may have just finished
            proc.kill()
        await proc.wait()
