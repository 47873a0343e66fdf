"""The autograd graph as data: the one description the JSON API, the DOT text and the page share.

Edges follow the data flow, as torchviz draws them: ``source`` is the input side (an entry of
``fn.next_functions``), ``target`` the node that consumes it, so leaves sit at the top of the
picture and the loss at the bottom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

# The wire format also reserves "tensor" for plain tensor nodes; walk() emits only these two
# (a named leaf that requires grad but was never used is a lone "leaf" node).
NodeKind = Literal["op", "leaf"]


def shape_text(shape: Iterable[int] | None) -> str:
    """A shape as torchviz writes it: ``(2, 3)``, ``(3)``, ``()`` for a scalar."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


@dataclass
class SavedValue:
    """One ``_saved_*`` attribute of a backward node (what autograd kept for the backward pass).

    ``shape`` and ``dtype`` are set for tensors; ``repr`` is a short text for every value.
    ``freed`` is True when the saved tensor was already released by ``backward()``.
    """

    name: str
    repr: str
    shape: list[int] | None = None
    dtype: str | None = None
    freed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this saved value."""
        return {
            "name": self.name,
            "shape": self.shape,
            "dtype": self.dtype,
            "repr": self.repr,
            "freed": self.freed,
        }


@dataclass
class Node:
    """A backward function (``kind="op"``) or a leaf tensor's ``AccumulateGrad`` (``"leaf"``).

    ``vars`` lists the program's names for this node's tensor: for a leaf, the names bound to the
    leaf tensor itself; for an op, the names of the tensors it produced (``t.grad_fn is fn``).
    ``label`` is the plain-text caption, lines separated by ``"\\n"``.
    """

    id: str
    kind: NodeKind
    op: str
    label: str
    vars: list[str] = field(default_factory=list)
    shape: list[int] | None = None
    dtype: str | None = None
    device: str | None = None
    is_view: bool = False
    saved: list[SavedValue] = field(default_factory=list)
    module: str | None = None  # path of the nn.Module call that made it (a leaf: its owner)

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this node."""
        return {
            "id": self.id,
            "kind": self.kind,
            "op": self.op,
            "vars": list(self.vars),
            "label": self.label,
            "shape": None if self.shape is None else list(self.shape),
            "dtype": self.dtype,
            "device": self.device,
            "is_view": self.is_view,
            "saved": [s.to_json() for s in self.saved],
            "module": self.module,
        }


@dataclass
class Edge:
    """Data flows from ``source`` (an input of the op) into ``target`` (the op using it).

    ``count`` says how many of the target's inputs are this source (2 for ``x * x``); the pair
    appears once in ``Graph.edges`` whatever the count. ``id`` is the id this edge carries in
    DOT and SVG, ``e_<source>_<target>``; the fields are in the JSON
    object's order, so ``app.encoding.dumps`` writes an edge as it is.
    """

    id: str
    source: str
    target: str
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this edge."""
        return {"id": self.id, "source": self.source, "target": self.target, "count": self.count}


@dataclass
class Topology:
    """A walked graph by node position (``nodes[k]`` has id ``n<k>``), as the walk found it:
    ``inputs[t]`` lists (source position, edge count) for target ``t``, in ``edges`` order.
    ``nodes`` and ``edges`` are the graph's counts when it was made; app.graph.fold uses it
    instead of indexing the edges again while those counts still hold."""

    inputs: dict[int, list[tuple[int, int]]]
    nodes: int
    edges: int

    def fits(self, graph: Graph) -> bool:
        """Whether this still describes ``graph`` (no node or edge added or removed)."""
        return self.nodes == len(graph.nodes) and self.edges == len(graph.edges)


@dataclass
class Graph:
    """A whole autograd graph.

    ``root`` is the program's name for the tensor the picture is about (usually the loss) and
    ``root_id`` the id of its node, when it has one. ``truncated`` is True when nodes were left
    out because the graph had more than the allowed number.
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    root: str | None = None
    root_id: str | None = None
    truncated: bool = False
    max_nodes: int | None = None
    # nodes the walk found beyond max_nodes (counted, not kept), when truncated
    dropped_nodes: int = 0
    # module clusters (app.graph.modules.ModuleInfo) and folded repeats (app.graph.fold.Fold)
    modules: list[Any] = field(default_factory=list)
    folds: list[Any] = field(default_factory=list)
    # node id -> fields a walk's ``annotate`` added to that node (a trace's line, column...)
    annotations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the walk's index of the graph by position (not part of the JSON)
    topology: Topology | None = field(default=None, repr=False, compare=False)

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError when there is none)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def to_json(self) -> dict[str, Any]:
        """The JSON object the API returns: root, root_id, nodes, edges, truncated, max_nodes,
        dropped_nodes, modules, folds."""
        notes = self.annotations
        nodes = [n.to_json() | notes.get(n.id, {}) for n in self.nodes]
        return self._body(nodes, [e.to_json() for e in self.edges])

    def to_wire(self) -> dict[str, Any]:
        """:meth:`to_json` with the nodes and edges left as dataclasses, which
        ``app.encoding.dumps`` writes as the same objects without building a dict for each
        (big graphs). Annotated nodes (a trace) are written as :meth:`to_json` has them."""
        if self.annotations:
            return self.to_json()
        return self._body(list(self.nodes), list(self.edges))

    def _body(self, nodes: list[Any], edges: list[Any]) -> dict[str, Any]:
        return {
            "root": self.root,
            "root_id": self.root_id,
            "nodes": nodes,
            "edges": edges,
            "truncated": self.truncated,
            "max_nodes": self.max_nodes,
            "dropped_nodes": self.dropped_nodes,
            "modules": [m.to_json() for m in self.modules],
            "folds": [f.to_json() for f in self.folds],
        }
