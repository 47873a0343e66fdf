"""Which ``nn.Module`` call made each backward node: the module clusters of a graph.

While a program runs, :class:`ModuleTracker` holds two process-wide module hooks (PyTorch's
``register_module_forward_pre_hook`` / ``register_module_forward_hook``); they are removed when
the ``with`` block ends, so nothing outside a run pays for them.

How a grad_fn is tagged, without any per-op cost: every module call is a frame on a stack. When a
call *starts*, the not-yet-tagged ancestors of its input tensors were made by the enclosing code,
so they are tagged with the enclosing frame; when it *ends*, the not-yet-tagged ancestors of its
outputs were made inside this call (its sub-calls tagged their own nodes when they ended), so they
get this frame. A walk stops at the first tagged node, so each node is visited once in the whole
run. The tag is written into the node's own ``metadata`` dict (kept by autograd with the node), so
no Python reference keeps a program's graph alive and no ``id()`` can be reused by a later node.

After the run, :meth:`ModuleTracker.index` names each frame's module by where the program keeps
it: ``model`` -> ``model.encoder.layers.3.self_attn`` through the modules' own ``_modules`` tables
(never their methods: a program's class may redefine ``named_modules``). A module the program
never stored gets its parent's attribute name when its parent was called, else ``Class#k``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as nn_module

_TAG = "gradtrace_call"  # key in a grad_fn's metadata: index of the call frame that made it
_OUTSIDE = -1  # made by code outside any module call
_MAX_CALLS = 100_000  # frames kept; later calls leave their nodes untagged (module None)
_MAX_MODULES = 100_000  # modules named from the program's variables
_MAX_TENSORS = 64  # tensors looked at in one call's inputs or outputs
_MAX_NESTING = 3  # lists/tuples/dicts looked into for tensors
_MAX_CHILDREN = 256  # children of a calling module searched for a called module's name
_MAX_PARAMS = 64  # parameters of one module remembered at its first call
_MAX_TOP = 16  # top-level modules held alive for naming (top_modules)


@dataclass
class _Call:
    module: weakref.ref[nn.Module]
    cls: str
    parent: int
    key: str | None  # the attribute name in the calling module's _modules, if found there
    # its parameters at its first call: a module the program never stored may be gone after
    # the run while its parameters live on as leaves of the graph
    params: tuple[weakref.ref[torch.Tensor], ...] = ()


def _tensors(
    value: Any, depth: int = 0, out: list[torch.Tensor] | None = None
) -> list[torch.Tensor]:
    """Tensors in a call's arguments or result (nested lists, tuples and dict values)."""
    out = [] if out is None else out
    if len(out) >= _MAX_TENSORS:
        return out
    if isinstance(value, torch.Tensor):
        out.append(value)
    elif depth < _MAX_NESTING and isinstance(value, list | tuple):
        for item in value[:_MAX_TENSORS]:
            _tensors(item, depth + 1, out)
    elif depth < _MAX_NESTING and isinstance(value, dict):
        for item in list(value.values())[:_MAX_TENSORS]:
            _tensors(item, depth + 1, out)
    return out


def _metadata(fn: Any) -> dict[str, Any] | None:
    try:
        meta = fn.metadata
    except Exception:  # a node type without metadata
        return None
    return meta if isinstance(meta, dict) else None


class ModuleTracker:
    """Context manager: tags every grad_fn made while it is active with its module call."""

    def __init__(self) -> None:
        self.calls: list[_Call] = []
        self.stack: list[int] = []
        self._handles: list[Any] = []
        self._seen: set[int] = set()  # id()s of modules called (kept alive by no one: a hint)
        # the first few modules called from outside any module, held until the index is made:
        # a training step's model may be gone by then, and it names the clusters
        self._top: list[nn.Module] = []

    def __enter__(self) -> ModuleTracker:
        self._handles = [
            nn_module.register_module_forward_pre_hook(self._pre),
            nn_module.register_module_forward_hook(self._post, always_call=True),
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _pre(self, module: nn.Module, args: Any) -> None:
        enclosing = self.stack[-1] if self.stack else _OUTSIDE
        self._claim(args, enclosing)
        if len(self.calls) >= _MAX_CALLS:
            self.stack.append(_OUTSIDE)
            return
        key = None
        parent = self.calls[enclosing].module() if enclosing != _OUTSIDE else None
        if parent is not None:  # looked up now: an unnamed parent may be gone after the run
            for k, (name, child) in enumerate(parent._modules.items()):
                if child is module or k >= _MAX_CHILDREN:
                    key = name if child is module else None
                    break
        params: tuple[weakref.ref[torch.Tensor], ...] = ()
        if id(module) not in self._seen:
            self._seen.add(id(module))
            if enclosing == _OUTSIDE and len(self._top) < _MAX_TOP:
                self._top.append(module)
            params = tuple(
                weakref.ref(p)
                for p in list(module._parameters.values())[:_MAX_PARAMS]
                if isinstance(p, torch.Tensor)
            )
        self.stack.append(len(self.calls))
        self.calls.append(_Call(weakref.ref(module), type(module).__name__, enclosing, key, params))

    def _post(self, module: nn.Module, args: Any, output: Any) -> None:
        # A forward that raised inside a sub-call may have skipped that call's hook: unwind to
        # this module's own frame so the stack stays true.
        while self.stack:
            call = self.stack.pop()
            if call == _OUTSIDE or self.calls[call].module() is module:
                break
        else:
            return
        if call != _OUTSIDE:
            self._claim(output, call)

    def _claim(self, value: Any, call: int) -> None:
        """Tag the untagged backward nodes behind the tensors in ``value`` with ``call``.

        Runs inside the program's module calls: whatever goes wrong here must not become the
        program's error, so a failure only leaves nodes untagged (module None)."""
        try:
            self._tag(value, call)
        except Exception:  # an odd tensor subclass or node type: no cluster, same program
            return

    def _tag(self, value: Any, call: int) -> None:
        todo: list[Any] = []
        for t in _tensors(value):
            try:
                fn = t.grad_fn
            except Exception:  # a stale view: its history cannot be read
                continue
            if fn is not None:
                todo.append(fn)
        while todo:
            fn = todo.pop()
            if hasattr(fn, "variable"):  # AccumulateGrad: a leaf, named by its owner instead
                continue
            meta = _metadata(fn)
            if meta is None or _TAG in meta:
                continue
            meta[_TAG] = call
            todo.extend(child for child, _ in fn.next_functions if child is not None)

    def top_modules(self) -> list[nn.Module]:
        """The first modules called from outside any module (up to 16), first call first."""
        return list(self._top)

    def index(self, roots: Mapping[str, Any]) -> ModuleIndex:
        """Name the calls' modules by the program's variables ``roots`` (name -> value)."""
        return ModuleIndex(self.calls, roots)


def _named_modules(roots: Mapping[str, Any]) -> dict[int, tuple[str, nn.Module]]:
    """id(module) -> (path, module) for every module the program's variables reach."""
    named: dict[int, tuple[str, nn.Module]] = {}
    for name, value in roots.items():
        if not isinstance(value, nn.Module):
            continue
        stack: list[tuple[str, nn.Module]] = [(name, value)]
        while stack and len(named) < _MAX_MODULES:
            path, current = stack.pop()
            if id(current) in named:
                continue
            named[id(current)] = (path, current)
            children = [(n, m) for n, m in current._modules.items() if isinstance(m, nn.Module)]
            stack.extend((f"{path}.{n}", m) for n, m in reversed(children))
    return named


@dataclass
class ModuleInfo:
    """One cluster: a module path with its class, nodes and parameter leaves."""

    path: str
    cls: str
    parent: str | None
    children: list[str] = field(default_factory=list)
    calls: int = 0
    nodes: int = 0  # nodes tagged with exactly this path
    total_nodes: int = 0  # nodes of this module and every module inside it
    params: list[str] = field(default_factory=list)  # node ids of its parameter leaves

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this module (``cls`` is written ``class``)."""
        # by hand: dataclasses.asdict deep-copies field by field, a fifth of a big graph's JSON
        return {
            "path": self.path,
            "parent": self.parent,
            "children": list(self.children),
            "calls": self.calls,
            "nodes": self.nodes,
            "total_nodes": self.total_nodes,
            "params": list(self.params),
            "class": self.cls,
        }


class ModuleIndex:
    """Module paths of backward nodes and leaves, once a run is over."""

    def __init__(self, calls: list[_Call], roots: Mapping[str, Any]) -> None:
        named = _named_modules(roots)
        self.paths: list[str] = []
        self.classes: dict[str, str] = {path: type(m).__name__ for path, m in named.values()}
        # children are listed in the program's order: as stored, then as first called
        self.calls_per_path: dict[str, int] = {}
        unnamed: dict[int, str] = {}
        per_class: dict[str, int] = {}
        for call in calls:
            module = call.module()
            path = self._path(call, module, named, unnamed, per_class)
            self.paths.append(path)
            self.classes.setdefault(path, call.cls)
            self.calls_per_path[path] = self.calls_per_path.get(path, 0) + 1
        self.leaf_paths: dict[int, str] = {}
        for path, module in named.values():
            for param in module._parameters.values():
                if isinstance(param, torch.Tensor):
                    self.leaf_paths.setdefault(id(param), path)
        self._alive: list[Any] = [m for _, m in named.values()]
        for call, path in zip(calls, self.paths, strict=True):
            for ref in call.params:  # modules called but never stored
                kept = ref()
                if kept is not None:
                    self.leaf_paths.setdefault(id(kept), path)
                    self._alive.append(kept)
        # the modules and parameters above stay alive with this index, so their ids stay theirs

    def _path(
        self,
        call: _Call,
        module: nn.Module | None,
        named: dict[int, tuple[str, nn.Module]],
        unnamed: dict[int, str],
        per_class: dict[str, int],
    ) -> str:
        if module is not None and id(module) in named:
            return named[id(module)][0]
        if module is not None and id(module) in unnamed:
            return unnamed[id(module)]
        path = f"{self.paths[call.parent]}.{call.key}" if call.key is not None else None
        if path is None:
            per_class[call.cls] = per_class.get(call.cls, 0) + 1
            path = f"{call.cls}#{per_class[call.cls]}"
        if module is not None:
            unnamed[id(module)] = path
        return path

    def op_path(self, fn: Any) -> str | None:
        """The module path of the call that made backward node ``fn`` (None: no module)."""
        try:  # the call frame index the node was tagged with (see ModuleTracker._tag)
            call = fn.metadata.get(_TAG)
        except Exception:  # a node type without a metadata dict
            return None
        paths = self.paths
        return paths[call] if type(call) is int and 0 <= call < len(paths) else None

    def leaf_path(self, t: torch.Tensor) -> str | None:
        """The module holding leaf ``t`` as a parameter (None: not a parameter)."""
        return self.leaf_paths.get(id(t))

    def tree(self, node_modules: Iterable[tuple[str, str | None, bool]]) -> list[ModuleInfo]:
        """The modules that hold graph nodes, and their ancestors, parents before children.

        ``node_modules`` gives (node id, module path, is a leaf) for every node of the graph.
        """
        # nodes counted per path first: a graph has many nodes and few paths
        counts: dict[str, int] = {}
        params: dict[str, list[str]] = {}
        for node_id, path, is_leaf in node_modules:
            if path is None:
                continue
            counts[path] = counts.get(path, 0) + 1
            if is_leaf:
                params.setdefault(path, []).append(node_id)
        infos: dict[str, ModuleInfo] = {}
        classes, calls = self.classes, self.calls_per_path

        def info(path: str) -> ModuleInfo:
            found = infos.get(path)
            if found is not None:
                return found
            parent = self._parent_path(path)
            made = ModuleInfo(path, classes.get(path, "Module"), parent, [], calls.get(path, 0))
            infos[path] = made
            if parent is not None:
                info(parent).children.append(path)
            return made

        for path, count in counts.items():  # in the order of each path's first node
            found = info(path)
            found.nodes = count
            found.params = params.get(path, [])
            current: ModuleInfo | None = found
            while current is not None:
                current.total_nodes += count
                current = infos[current.parent] if current.parent is not None else None
        order = {path: k for k, path in enumerate(self.classes)}
        last = len(order)
        for found in infos.values():
            if len(found.children) > 1:
                found.children.sort(key=lambda p: order.get(p, last))
        ordered: list[ModuleInfo] = []
        roots = sorted((p for p, i in infos.items() if i.parent is None), key=order.__getitem__)
        stack = roots[::-1]
        while stack:
            current = infos[stack.pop()]
            ordered.append(current)
            stack.extend(reversed(current.children))
        return ordered

    def _parent_path(self, path: str) -> str | None:
        """The nearest enclosing module path that is known (``a.b.c`` -> ``a.b`` or ``a``)."""
        while "." in path:
            path = path.rsplit(".", 1)[0]
            if path in self.classes:
                return path
        return None
