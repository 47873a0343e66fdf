"""Walk the grad_fn chains behind a program's named tensors and build a :class:`Graph`.

The walk is an iterative breadth-first search over ``next_functions``, so a chain of 10,000 ops
is as easy as a short one (torchviz recurses and stops near Python's recursion limit).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import torch

from app.graph.model import Edge, Graph, Node, SavedValue, Topology, shape_text
from app.graph.modules import ModuleIndex
from app.graph.values import is_stale_view, safe_grad_fn, safe_numel, safe_shape

# Backward nodes of view-producing ops: "TransposeBackward0", "SqueezeBackward1", ...
_VIEW_OP = re.compile(
    r"(Alias|AsStrided|Diagonal|Expand|Imag|Indices|Narrow|NegView|Permute|Real|ReshapeAlias"
    r"|Select|Slice|Split|SplitWithSizes|Squeeze|T|Transpose|Unbind|Unfold|Unsqueeze|Values"
    r"|View|ViewAsComplex|ViewAsReal)Backward\d*"
)
_SAVED_PREFIX = "_saved_"
_MAX_LABEL_NAMES = 3  # a leaf bound to many names lists a few in its label; vars has them all
_MAX_REPR = 120
_MAX_REPR_ELEMENTS = 16  # saved tensors up to this size show their values, bigger ones a summary
# Past max_nodes the walk goes on counting (not keeping) nodes, up to this many times max_nodes,
# so the truncation message can say how much was cut.
_COUNT_BEYOND = 20

# (node id, grad_fn or leaf tensor) -> extra fields for that node (a trace's line, column...)
Annotate = Callable[[str, Any], dict[str, Any] | None]
_Meta = tuple[list[int] | None, str | None, str | None]


_VIEW_OPS: dict[str, bool] = {}


def is_view_op(op: str) -> bool:
    """Whether a backward node's class name belongs to an op whose output is a view."""
    found = _VIEW_OPS.get(op)
    if found is None:
        found = _VIEW_OPS[op] = _VIEW_OP.fullmatch(op) is not None
    return found


def _short(text: str) -> str:
    text = " ".join(text.split())  # tensors print over several lines; labels want one
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 1] + "…"


def _value_repr(value: Any, depth: int = 0) -> str:
    """Short text for a saved value; tensors are summarised rather than printed in full."""
    if isinstance(value, torch.Tensor):
        if value.layout == torch.strided and safe_numel(value) <= _MAX_REPR_ELEMENTS:
            try:
                return _short(str(value.detach()))
            except Exception:  # meta and other data-less tensors cannot print values
                pass
        return f"tensor{shape_text(safe_shape(value))} {str(value.dtype).removeprefix('torch.')}"
    if isinstance(value, list | tuple) and depth < 2:
        inner = ", ".join(_value_repr(v, depth + 1) for v in value)
        return _short(f"[{inner}]" if isinstance(value, list) else f"({inner})")
    return _short(repr(value))


def _saved_value(name: str, value: Any) -> SavedValue:
    if isinstance(value, torch.Tensor):
        return SavedValue(
            name=name,
            repr=_value_repr(value),
            shape=safe_shape(value),
            dtype=str(value.dtype),
        )
    return SavedValue(name=name, repr=_value_repr(value))


def saved_values(fn: Any) -> list[SavedValue]:
    """What a backward node saved for the backward pass, read from its ``_saved_*`` attributes.

    A saved tensor that ``backward()`` already released cannot be read (PyTorch raises); it is
    reported with ``freed=True`` and no shape. Custom ``autograd.Function`` nodes report their
    ``saved_tensors`` the same way.
    """
    names = [a for a in dir(fn) if a.startswith(_SAVED_PREFIX)]
    if isinstance(fn, torch.autograd.function.BackwardCFunction):
        names.append("saved_tensors")
    out: list[SavedValue] = []
    for attr in names:
        name = attr.removeprefix(_SAVED_PREFIX)
        try:
            value = getattr(fn, attr)
        except RuntimeError as exc:
            message = str(exc)
            if "freed" in message or "second time" in message:
                out.append(SavedValue(name=name, repr="freed by backward()", freed=True))
            else:
                out.append(SavedValue(name=name, repr=_short(f"unavailable: {message}")))
            continue
        except Exception as exc:  # a saved value PyTorch cannot convert to Python
            out.append(SavedValue(name=name, repr=f"unavailable: {type(exc).__name__}"))
            continue
        out.append(_saved_value(name, value))
    return out


_TEXTS: dict[Any, str] = {}


def _text(value: Any) -> str:
    """``str()`` of a dtype or device, remembered (a graph has few of them, thousands of ops)."""
    text = _TEXTS.get(value)
    if text is None:
        text = str(value)
        if len(_TEXTS) < 256:
            _TEXTS[value] = text
    return text


def _tensor_meta(t: torch.Tensor) -> _Meta:
    return safe_shape(t), _text(t.dtype), _text(t.device)


def _fn_meta(fn: Any) -> _Meta:
    """Output shape/dtype/device of an op from the metadata of its backward inputs.

    Ops with several outputs of different shapes (an uneven split) get no shape; dtype and device
    are kept when all outputs agree.
    """
    try:
        raw = fn._input_metadata
        if len(raw) == 1:  # the common case, made cheap: big graphs have tens of thousands
            m = raw[0]
            return list(m.shape), _text(m.dtype), _text(m.device)
        metas = [(list(m.shape), _text(m.dtype), _text(m.device)) for m in raw]
    except Exception:  # attribute missing (older torch, Python nodes) or nested tensors
        return None, None, None
    if not metas:
        return None, None, None
    first = metas[0]
    return (
        first[0] if all(m[0] == first[0] for m in metas) else None,
        first[1] if all(m[1] == first[1] for m in metas) else None,
        first[2] if all(m[2] == first[2] for m in metas) else None,
    )


def _names_text(names: list[str]) -> str:
    # Names are user text; a control character must not split the label's lines.
    shown = ", ".join(names[:_MAX_LABEL_NAMES])
    if not shown.isprintable():  # rare: checked whole first, character by character only then
        shown = "".join(c if c.isprintable() else " " for c in shown)
    more = len(names) - _MAX_LABEL_NAMES
    return f"{shown} +{more} more" if more > 0 else shown


def _meta_lines(meta: _Meta) -> list[str]:
    shape, dtype, device = meta
    lines = [shape_text(shape)] if shape is not None else []
    kind = " ".join(p for p in ((dtype or "").removeprefix("torch."), device or "") if p)
    return [*lines, kind] if kind else lines


# Captions of unnamed nodes, by what they are made of: a big graph repeats a few of them
# thousands of times (an op and its shape; a leaf's shape, dtype and device).
_LABELS: dict[tuple[Any, ...], str] = {}
_MAX_LABELS = 4096


def _remembered(key: tuple[Any, ...], make: Callable[[], str]) -> str:
    label = _LABELS.get(key)
    if label is None:
        label = make()
        if len(_LABELS) < _MAX_LABELS:
            _LABELS[key] = label
    return label


def _op_label(op: str, shape: list[int] | None) -> str:
    """``op`` and its shape on two lines (the op alone when the shape is unknown)."""
    if shape is None:
        return op
    return _remembered((op, *shape), lambda: f"{op}\n{shape_text(shape)}")


def _meta_text(meta: _Meta) -> str:
    """A leaf's shape, then dtype and device, on lines of their own (its whole caption when
    no name of the program's is bound to it)."""
    shape, dtype, device = meta
    key = ("", dtype, device, None if shape is None else tuple(shape))  # "": no op is named so
    return _remembered(key, lambda: "\n".join(_meta_lines(meta)))


class _Walker:
    """State of one walk: nodes by identity, ids in discovery order, deduplicated edges.

    The per-node code is written flat (few calls, positional dataclass arguments): a big graph
    runs it tens of thousands of times, and each Python call costs as much as the work.
    """

    def __init__(
        self,
        named: list[tuple[str, torch.Tensor, Any]],
        show_saved: bool,
        max_nodes: int,
        annotate: Annotate | None = None,
        modules: ModuleIndex | None = None,
    ):
        self.show_saved = show_saved
        self.annotate = annotate
        self.modules = modules
        # Keys are id()s of leaf tensors and backward nodes (an AccumulateGrad counts as its
        # leaf); holding the objects in `alive` keeps those ids from being reused mid-walk.
        self.dropped: set[int] = set()
        self.count_limit = max(1, max_nodes) * _COUNT_BEYOND
        self.max_nodes = max(0, max_nodes)
        self.graph = Graph(max_nodes=max_nodes)
        self.ids: dict[int, str] = {}
        # backward nodes to expand, with their node's position (-1: past the limit, counted)
        self.queue: deque[tuple[Any, int]] = deque()
        # node position -> its inputs' (position, count), for Graph.topology
        self.inputs: dict[int, list[tuple[int, int]]] = {}
        self.alive: list[Any] = []
        self.leaf_names: dict[int, list[str]] = {}
        self.op_names: dict[int, list[str]] = {}
        self.op_tensors: dict[int, list[torch.Tensor]] = {}
        for name, t, fn in named:  # fn: t's grad_fn
            if fn is not None:
                self.op_names.setdefault(id(fn), []).append(name)
                self.op_tensors.setdefault(id(fn), []).append(t)
            elif t.requires_grad:
                self.leaf_names.setdefault(id(t), []).append(name)

    def node_for(self, obj: Any) -> str | None:
        """Id of the node for a backward function or leaf tensor, created on first sight.

        Returns None (and marks the graph truncated) when the node limit is reached.
        """
        if isinstance(obj, torch.Tensor):
            leaf = True
        elif hasattr(obj, "variable"):  # AccumulateGrad: one node per leaf tensor
            obj = obj.variable
            leaf = True
        else:
            leaf = False
        key = id(obj)
        found = self.ids.get(key)
        if found is not None:
            return found
        nodes = self.graph.nodes
        if len(nodes) >= self.max_nodes:
            self.graph.truncated = True
            if key not in self.dropped and len(self.dropped) < self.count_limit:
                self.dropped.add(key)
                self.alive.append(obj)
                if not leaf:
                    self.queue.append((obj, -1))
            return None
        position = len(nodes)
        node_id = f"n{position}"
        self.ids[key] = node_id
        self.alive.append(obj)
        if leaf:
            nodes.append(self._leaf_node(node_id, obj))
        else:
            nodes.append(self._op_node(node_id, obj))
            self.queue.append((obj, position))
        if self.annotate is not None:
            fields = self.annotate(node_id, obj)
            if fields:
                self.graph.annotations[node_id] = fields
        return node_id

    def _leaf_node(self, node_id: str, t: torch.Tensor) -> Node:
        names = self.leaf_names.get(id(t))
        meta = _tensor_meta(t)
        label = _meta_text(meta)
        if names:
            label = f"{_names_text(names)}\n{label}" if label else _names_text(names)
        module = self.modules.leaf_path(t) if self.modules is not None else None
        # positional: Node(id, kind, op, label, vars, shape, dtype, device, is_view, saved, module)
        return Node(
            node_id, "leaf", "AccumulateGrad", label, list(names) if names else [],
            meta[0], meta[1], meta[2], bool(t._is_view()), [], module,
        )  # fmt: skip

    def _op_node(self, node_id: str, fn: Any) -> Node:
        op = type(fn).__name__
        key = id(fn)
        view = _VIEW_OPS.get(op)
        if view is None:
            view = is_view_op(op)
        names = self.op_names.get(key)
        tensors = self.op_tensors.get(key)
        if tensors:
            shape, dtype, device = _tensor_meta(tensors[0])
            view = view or any(t._is_view() for t in tensors)
        else:  # most nodes of a big graph: no name of the program's points at them
            try:
                raw = fn._input_metadata
            except Exception:  # attribute missing (older torch, Python nodes)
                raw = None
            if raw is not None and len(raw) == 1:  # the common case, inline
                m = raw[0]
                shape = list(m.shape)
                dtype = _TEXTS.get(m.dtype) or _text(m.dtype)
                device = _TEXTS.get(m.device) or _text(m.device)
            else:
                shape, dtype, device = _fn_meta(fn)
        if names:
            lines = [op, _names_text(names)]
            if shape is not None:
                lines.append(shape_text(shape))
            label = "\n".join(lines)
        elif shape is None:
            label = op
        else:
            label = _LABELS.get((op, *shape)) or _op_label(op, shape)
        module = self.modules.op_path(fn) if self.modules is not None else None
        saved = saved_values(fn) if self.show_saved else []
        return Node(
            node_id, "op", op, label, list(names) if names else [],
            shape, dtype, device, view, saved, module,
        )  # fmt: skip

    def run(self, starts: list[Any]) -> None:
        """Breadth-first search from the start objects, in order, over ``next_functions``."""
        for obj in starts:
            self.node_for(obj)
        # Node positions (ids are n<position>) by id() of the objects next_functions hands out,
        # kept alive in `seen`: most lookups of a big graph hit here and skip node_for's tests.
        known: dict[int, int] = {}
        seen: list[Any] = []
        nodes, edges, inputs = self.graph.nodes, self.graph.edges, self.inputs
        ids, queue, alive = self.ids, self.queue, self.alive
        node_for, op_node, max_nodes = self.node_for, self._op_node, self.max_nodes
        # node_for's work for a new op node, done in the loop (the common case of a big graph)
        # when no per-node hook runs
        inline = self.annotate is None
        while queue:
            fn, target = queue.popleft()
            # A node is taken from the queue once, so its incoming edges are all made here:
            # a pair seen twice (x * x) is counted on the edge made the first time.
            here: dict[int, Edge] = {}
            for child, _input_nr in fn.next_functions:
                if child is None:  # an input that does not require grad
                    continue
                key = id(child)
                source = known.get(key)
                if source is None:
                    name = ids.get(key)  # a start
                    if name is not None:
                        source = int(name[1:])
                    elif inline and len(nodes) < max_nodes and not hasattr(child, "variable"):
                        source = len(nodes)
                        name = f"n{source}"
                        ids[key] = name
                        alive.append(child)
                        nodes.append(op_node(name, child))
                        queue.append((child, source))
                    else:
                        name = node_for(child)
                        if name is None:
                            continue
                        source = int(name[1:])
                    known[key] = source
                    seen.append(child)
                if target < 0:  # past the limit: only counted
                    continue
                edge = here.get(source)
                if edge is None:
                    source_id, target_id = nodes[source].id, nodes[target].id
                    edge = Edge(f"e_{source_id}_{target_id}", source_id, target_id)
                    here[source] = edge
                    edges.append(edge)
                else:
                    edge.count += 1
            if here:
                inputs[target] = [(s, edge.count) for s, edge in here.items()]
        self.graph.topology = Topology(inputs, len(nodes), len(edges))
        self.graph.dropped_nodes = len(self.dropped)
        if self.modules is not None:
            self.graph.modules = self.modules.tree(
                (n.id, n.module, n.kind == "leaf") for n in self.graph.nodes
            )


def walk(
    named: Mapping[str, torch.Tensor],
    *,
    root: str | None = None,
    show_saved: bool = False,
    max_nodes: int = 5000,
    annotate: Annotate | None = None,
    modules: ModuleIndex | None = None,
    keep: list[Any] | None = None,
) -> Graph:
    """Build the autograd graph behind the program's named tensors.

    ``named`` maps the program's names (in first-assignment order, dotted names such as
    ``model.linear.weight`` included) to tensors; other values are ignored. The walk starts from
    every named tensor with a ``grad_fn`` and every named leaf that requires grad, in ``named``
    order, so node ids ``n0, n1, ...`` follow that breadth-first order and the same program always
    gives the same graph. A named leaf that requires grad but was never used is a lone node of
    kind ``"leaf"`` (op ``"AccumulateGrad"``); tensors that neither have a ``grad_fn`` nor require
    grad are not nodes.

    ``root`` names the tensor the graph is about; when it is not a named tensor, the last named
    tensor with a ``grad_fn`` is used (or None). ``show_saved`` fills each op node's ``saved``
    list. At most ``max_nodes`` nodes are kept; the graph says ``truncated`` when some were not,
    and ``dropped_nodes`` how many (counted up to 20 times ``max_nodes``).
    ``annotate(node_id, grad_fn_or_leaf)`` may add fields to each node (a trace's ``line``...).

    ``modules`` (from :class:`app.graph.modules.ModuleTracker`, active while the program ran)
    gives each node its ``module`` path and the graph its ``modules`` tree.

    ``keep`` receives every backward node and leaf the walk saw, for
    :func:`app.graph.release.release`: a walked graph of tens of thousands of nodes must be
    freed through it, or freeing it can overflow the C stack.
    """
    # (name, tensor, grad_fn), read once: a model's parameters can be thousands of names. A
    # stale view, whose grad_fn cannot be read, is neither an op's output nor a leaf.
    tensors = [
        (n, t, safe_grad_fn(t))
        for n, t in named.items()
        if isinstance(t, torch.Tensor) and not is_stale_view(t)
    ]
    walker = _Walker(tensors, show_saved, max_nodes, annotate, modules)
    starts: list[Any] = []
    for _name, t, fn in tensors:
        if fn is not None:
            starts.append(fn)
        elif t.requires_grad:
            starts.append(t)
    walker.run(starts)
    if keep is not None:
        keep.extend(walker.alive)

    by_name = {n: (t, fn) for n, t, fn in tensors}
    if root is None or root not in by_name:
        with_fn = [n for n, _t, fn in tensors if fn is not None]
        root = with_fn[-1] if with_fn else None
    graph = walker.graph
    graph.root = root
    if root is not None:
        t, fn = by_name[root]
        # None for a tensor outside the graph
        graph.root_id = walker.ids.get(id(fn) if fn is not None else id(t))
    return graph
