"""Fold repeated blocks of a graph (loop iterations, repeated layers) into "x N" groups.

The unfolded graph is never changed: a :class:`Fold` only lists which nodes form each copy, so a
client may draw the copies as one node and open them on request.

Repeated layers come first: sibling modules of one class (``layers.0`` ... ``layers.5``, from the
graph's module tree) whose nodes, put in a canonical order (height above the copy's lowest node,
signature, discovery order), have the same description as below fold as whole modules.

Then loop iterations, on what is left (all steps linear in the graph's size but the scan, which
is bounded by a budget):

1. **Levels.** Every node gets its *height*, the longest path from it to a sink (the loss sits at
   0, data flows towards it). Heights place a node right above its first consumer in chain
   order, so a parameter used by one layer sits inside that layer and a tensor used by every
   iteration (shared weights) sits above all of them.
2. **Tokens.** A node's *signature* is ``(kind, op, shape)``; a level's *token* is the sorted
   tuple of its nodes' signatures. Reading the levels from the top gives a sequence of tokens;
   a loop of N iterations, each p levels deep, is a *tandem repeat* of it: p tokens, N times.
3. **Runs.** A left-to-right scan looks for the tandem repeat covering the most levels that
   starts at each position; candidate periods are the distances to the next few occurrences of
   the same token (found from a next-occurrence table), and the scan skips past a run it takes.
4. **Proof.** Equal tokens are only a hint. Each block of p levels is put in a canonical order
   (level within the block, signature, discovery order of the walk) and the blocks are checked
   node by node against the first one: same signature, same edges inside the block (source and
   target by canonical position, with their counts), same number of inputs from outside.
   Only blocks that pass are folded, so every copy in a fold is the same labelled subgraph up to
   the node mapping given by ``members`` (positions line up). ``hash`` is the blake2b digest of
   that canonical description (signatures and internal edges), equal for equal templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.graph.model import Graph, Node

_CANDIDATE_PERIODS = 24  # next occurrences of a token tried as the period
_MAX_PERIOD = 4_000  # levels of one repeated block
_SCAN_BUDGET = 3_000_000  # token comparisons for the whole scan
_PHASE_BUDGET = 2_000_000  # node visits to align one stretch's copies with modules
MIN_COUNT = 2  # copies
MIN_FOLDED_NODES = 8  # nodes in all copies together: folding fewer hides more than it saves


@dataclass
class Fold:
    """``count`` copies of one subgraph; ``members[k]`` lists copy k's node ids in canonical
    order (``members[k][j]`` plays the part of ``members[0][j]``, the template)."""

    id: str
    members: list[list[str]]
    label: str
    hash: str
    modules: list[str | None] = field(default_factory=list)  # innermost module of each copy
    inputs: list[str] = field(default_factory=list)  # nodes outside that feed some copy
    outputs: list[str] = field(default_factory=list)  # nodes outside that some copy feeds

    @property
    def count(self) -> int:
        return len(self.members)

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this fold."""
        return {
            "id": self.id,
            "count": self.count,
            "size": len(self.members[0]),
            "label": self.label,
            "hash": self.hash,
            "template": list(self.members[0]),
            "members": [list(m) for m in self.members],
            "modules": list(self.modules),
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
        }


class _Index:
    """The graph as integer arrays: inputs and outputs per node position, with edge counts."""

    def __init__(self, graph: Graph) -> None:
        self.nodes: list[Node] = graph.nodes
        n = len(graph.nodes)
        self.ins: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.outs: list[list[int]] = [[] for _ in range(n)]
        ins, outs = self.ins, self.outs
        topology = graph.topology
        if topology is not None and topology.fits(graph):  # the walk's own index
            for target, sources in topology.inputs.items():
                ins[target] = sources
                for source, _ in sources:
                    outs[source].append(target)
        else:
            pos = {node.id: i for i, node in enumerate(graph.nodes)}
            for e in graph.edges:
                s, t = pos.get(e.source), pos.get(e.target)
                if s is None or t is None:
                    continue
                ins[t].append((s, e.count))
                outs[s].append(t)
        self.ids = [node.id for node in graph.nodes]
        self.module_of = [node.module for node in graph.nodes]
        self.has_modules = any(module is not None for module in self.module_of)
        self._parts: dict[str, list[str]] = {}
        interned: dict[tuple[Any, ...], int] = {}
        self.sig = [
            interned.setdefault(
                (node.kind, node.op, tuple(node.shape) if node.shape is not None else None),
                len(interned),
            )
            for node in graph.nodes
        ]
        self.signatures = list(interned)  # spelled out, by number

    def path_parts(self, module: str) -> list[str]:
        """A module path's parts, ``a.b.c`` -> ``[a, b, c]`` (the same list for the same path:
        callers must not change it)."""
        parts = self._parts.get(module)
        if parts is None:
            parts = self._parts[module] = module.split(".")
        return parts

    def canonical_order(self, height: list[int]) -> list[int]:
        """Node positions sorted by (height, signature, position): read in this order, the
        nodes of any block of levels or of any module come in the block's canonical order."""
        n, kinds = len(self.sig), len(self.signatures)
        sig = self.sig
        keys = sorted([(h * kinds + sig[v]) * n + v for v, h in enumerate(height)])
        return [key % n for key in keys]  # one sort of ints instead of one per block

    def heights(self) -> list[int]:
        """Longest path from each node to a sink (nodes on a cycle, impossible in autograd,
        stay at 0)."""
        n = len(self.nodes)
        height = [0] * n
        pending = [len(o) for o in self.outs]
        ready = [i for i in range(n) if pending[i] == 0]  # any order of the ready ones will do
        ins = self.ins
        while ready:
            v = ready.pop()
            hv = height[v] + 1
            for u, _ in ins[v]:
                if height[u] < hv:
                    height[u] = hv
                pending[u] -= 1
                if pending[u] == 0:
                    ready.append(u)
        return height


def _runs(tokens: Sequence[int]) -> list[tuple[int, int, int]]:
    """Tandem repeats ``(start, period, length)`` of the token sequence, left to right: from
    ``start`` on, ``length`` tokens (at least two periods) repeat with that period."""
    n = len(tokens)
    nxt = [n] * n
    last: dict[int, int] = {}
    for i in range(n - 1, -1, -1):
        nxt[i] = last.get(tokens[i], n)
        last[tokens[i]] = i
    runs: list[tuple[int, int, int]] = []
    budget = _SCAN_BUDGET
    i = 0
    while i < n and budget > 0:
        best = (0, 0, 0)  # (levels covered, -period, copies)
        j = nxt[i]
        for _ in range(_CANDIDATE_PERIODS):
            p = j - i
            if j >= n or p > _MAX_PERIOD or p * 2 > n - i:
                break
            m = 0
            while i + m + p < n and tokens[i + m] == tokens[i + m + p]:
                m += 1
            budget -= m + 1
            copies = 1 + m // p
            if copies >= MIN_COUNT and (copies * p, -p) > best[:2]:
                best = (copies * p, -p, copies)
            if best[0] + p >= n - i:  # no longer period can cover more
                break
            j = nxt[j]
        if best[2]:
            period = -best[1]
            length = period * best[2]
            while i + length < n and tokens[i + length] == tokens[i + length - period]:
                length += 1  # the periodic stretch goes on past the last whole copy
            runs.append((i, period, length))
            i += period * best[2]
        else:
            i += 1
    return runs


def _phase(idx: _Index, levels: list[list[int]], start: int, period: int, length: int) -> int:
    """Where in a periodic stretch the copies should begin: the shift that puts the most copies
    each inside a module of its own (``layers.3``), so a fold of layers holds whole layers
    rather than the second half of one and the first half of the next. 0 without modules."""
    if not idx.has_modules:
        return 0
    nodes = sum(len(levels[start + d]) for d in range(length))
    if period == 1 or nodes * period > _PHASE_BUDGET:
        return 0
    if not any(idx.nodes[v].module for d in range(length) for v in levels[start + d]):
        return 0
    best = (0, 0)  # (score, -shift)
    for shift in range(period):
        copies = (length - shift) // period
        if copies < MIN_COUNT:
            break
        owners = set()
        for k in range(copies):
            first = start + shift + k * period
            common = _common_module(idx, [v for d in range(period) for v in levels[first + d]])
            if common:
                owners.add(common)
        score = (len(owners) * copies, -shift)
        if score > best:
            best = score
    return -best[1]


def _shape(idx: _Index, members: list[int]) -> tuple[Any, ...]:
    """The canonical description of a block: per node its signature, inputs inside the block
    (canonical position, count) and the number of inputs from outside."""
    where = dict(zip(members, range(len(members)), strict=True)).get
    described = []
    sig, ins = idx.sig, idx.ins
    for v in members:
        inside = []
        outside_in = 0  # edges out of the block are left out: a loop's last copy feeds nothing
        for u, c in ins[v]:
            k = where(u)
            if k is None:
                outside_in += 1
            else:
                inside.append((k, c))
        inside.sort()
        described.append((sig[v], tuple(inside), outside_in))
    return tuple(described)


def _common_module(idx: _Index, block: list[int]) -> str | None:
    """The innermost module holding every node of the block (None: some node has none)."""
    if not idx.has_modules:
        return None
    module_of = idx.module_of
    distinct = {module_of[v] for v in block}  # a block holds a few modules, many nodes
    if None in distinct or not distinct:
        return None
    common: list[str] | None = None
    for module in distinct:
        assert module is not None
        parts = idx.path_parts(module)
        if common is None:
            common = parts
            continue
        m = 0
        while m < len(common) and m < len(parts) and common[m] == parts[m]:
            m += 1
        common = common[:m]
    return ".".join(common) if common else None


def _label(idx: _Index, template: list[int], module_class: str | None) -> str:
    nodes = [idx.nodes[v] for v in template]
    ops = [n.op for n in nodes if n.kind == "op"] or [n.op for n in nodes]
    if module_class is not None:
        return f"{module_class} ({len(ops)} ops)"
    if len(ops) == 1:
        return ops[0]
    return f"{ops[0]} … {ops[-1]} ({len(ops)} ops)"


def heights(graph: Graph) -> list[int]:
    """Each node's height, by position in ``graph.nodes``: the longest path from it to a sink
    (the loss sits at 0)."""
    return _Index(graph).heights()


def fold(graph: Graph) -> list[Fold]:
    """The folds of ``graph`` (see the module's docstring); the graph itself is not changed."""
    if len(graph.nodes) < MIN_FOLDED_NODES:
        return []
    idx = _Index(graph)
    classes = {m.path: m.cls for m in graph.modules}
    height = idx.heights()
    order = idx.canonical_order(height)
    groups = _module_groups(idx, graph.modules, order)
    taken = {v for group, _, _ in groups for block in group for v in block}
    groups += _level_groups(height, order, taken, idx)
    return [_make(idx, f"f{k}", group, classes) for k, group in enumerate(groups)]


# the copies (canonical order), their description, and each copy's innermost module
_Group = tuple[list[list[int]], Any, list[str | None]]


def _runs_of_equal(idx: _Index, blocks: list[list[int]], shapes: list[Any]) -> list[_Group]:
    """Consecutive blocks with the same description, grouped where there are enough of them."""
    groups: list[_Group] = []
    k = 0
    while k < len(blocks):
        end = k + 1
        while end < len(blocks) and shapes[end] is not None and shapes[end] == shapes[k]:
            end += 1
        group = blocks[k:end]
        if len(group) >= MIN_COUNT and len(group) * len(group[0]) >= MIN_FOLDED_NODES:
            groups.append((group, shapes[k], [_common_module(idx, b) for b in group]))
        k = end
    return groups


def _module_groups(idx: _Index, modules: list[Any], order: list[int]) -> list[_Group]:
    """Repeated layers: consecutive sibling modules of one class whose nodes form the same
    subgraph (``layers.1`` ... ``layers.5``). A folded module is not looked into further."""
    if not modules:
        return []
    inside: dict[str, list[int]] = {}
    ancestors: dict[str | None, list[list[int]]] = {None: []}  # a path's lists in `inside`
    module_of = idx.module_of
    for v in order:  # so each module's list is in canonical order
        module = module_of[v]
        lists = ancestors.get(module)
        if lists is None:
            lists = ancestors[module] = []
            path = module or ""
            while path:
                lists.append(inside.setdefault(path, []))
                path = path.rsplit(".", 1)[0] if "." in path else ""
        for members in lists:
            members.append(v)
    by_path = {m.path: m for m in modules}
    groups: list[_Group] = []
    todo = [m.path for m in modules if m.parent is None]
    while todo:
        children = by_path[todo.pop()].children
        blocks: list[list[int]] = []
        shapes: list[Any] = []
        for child in children:
            block = inside.get(child, [])
            blocks.append(block)
            shape = (by_path[child].cls, _shape(idx, block)) if block else None
            shapes.append(shape)
        found = _runs_of_equal(idx, blocks, shapes)
        folded = {id(b) for group, _, _ in found for b in group}
        groups += found
        todo += [c for c, b in zip(children, blocks, strict=True) if id(b) not in folded]
    return groups


def _level_groups(
    height: list[int], order: list[int], taken: set[int], idx: _Index
) -> list[_Group]:
    """Loop iterations: tandem repeats of the level tokens, proven block by block; blocks with
    a node already folded as a layer are left alone."""
    if len(taken) == len(height):  # every node is in a folded layer
        return []
    top = max(height)
    levels: list[list[int]] = [[] for _ in range(top + 1)]
    for v in order:  # level 0 is the top of the picture; a level's nodes in canonical order
        levels[top - height[v]].append(v)
    # a level with a node folded as a layer is in no fold: its own token keeps runs out
    taken_levels = {top - height[v] for v in taken}
    sig = idx.sig
    interned: dict[tuple[int, ...], int] = {}
    tokens = [  # the level's signatures, sorted since the level is
        -1 - d
        if d in taken_levels
        else interned.setdefault(tuple([sig[v] for v in level]), len(interned))
        for d, level in enumerate(levels)
    ]
    groups: list[_Group] = []
    for start, period, length in _runs(tokens):
        shift = _phase(idx, levels, start, period, length)
        start += shift
        blocks = []
        for k in range((length - shift) // period):
            first = start + k * period
            # canonical order: level within the block, then each level's own order
            blocks.append([v for d in range(first, first + period) for v in levels[d]])
        shapes = [_shape(idx, b) for b in blocks]
        groups += [g for g in _runs_of_equal(idx, blocks, shapes) if _fits_modules(g[2])]
    return groups


def _fits_modules(modules: list[str | None]) -> bool:
    """Whether the copies (whose innermost modules these are) respect the module clusters: all
    inside one module (a loop calling ``lin`` again and again, or no module at all) or each in
    a module of its own (layers). A group that cuts across modules (copies 1 and 3 inside
    ``model``, copy 2 in ``model.1``) would hide the clusters a person reads the graph by, so
    it is not folded."""
    distinct = len(set(modules))
    return distinct == 1 or distinct == len(modules)


def _make(idx: _Index, fold_id: str, found: _Group, classes: dict[str, str]) -> Fold:
    group, shape, modules = found
    if isinstance(shape[0], str):  # a module group's description: (class, block shape)
        shape = shape[1]
    inside = {v for block in group for v in block}
    inputs: dict[int, None] = {}
    outputs: dict[int, None] = {}
    for v in inside:
        for u, _ in idx.ins[v]:
            if u not in inside:
                inputs[u] = None
        for w in idx.outs[v]:
            if w not in inside:
                outputs[w] = None
    digest = hashlib.blake2b(repr(_portable(idx, shape)).encode(), digest_size=8).hexdigest()
    ids = idx.ids
    # a copy per module instance (layers.0, layers.1...): named by that module's class
    own = len(set(modules)) == len(modules) and None not in modules
    module_class = classes.get(modules[0] or "") if own else None
    return Fold(
        id=fold_id,
        members=[[ids[v] for v in block] for block in group],
        modules=modules,
        label=_label(idx, group[0], module_class),
        hash=digest,
        inputs=[ids[u] for u in sorted(inputs)],
        outputs=[ids[w] for w in sorted(outputs)],
    )


def _portable(idx: _Index, shape: Any) -> Any:
    """The canonical description with signatures spelled out (interned numbers differ between
    graphs), so equal templates hash equal in any graph."""
    described = []
    for sig, inside, outside in shape:
        kind, op, dims = idx.signatures[sig]
        described.append(((kind, op, None if dims is None else list(dims)), inside, outside))
    return tuple(described)
