"""One backward pass watched: the order nodes ran and the gradient on every edge.

Before ``backward()`` / ``autograd.backward`` / ``autograd.grad`` runs, every node it can
reach gets a hook, which autograd calls right after the node ran, with the gradient that
arrived at its output and the gradients it sent to each of its inputs, one per edge. The
gradients are the ones autograd computed, read in the hooks, never recomputed. The hooks
return None, so they change nothing, and they are removed when the call returns or fails. A
leaf's ``AccumulateGrad`` node shows the accumulation: ``.grad`` before, the gradient
arriving, ``.grad`` after.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from app.config import TraceLimits
from app.graph.trace.registry import NodeRegistry, Position, is_accumulate
from app.graph.trace.summary import snapshot
from app.lang.errors import clean_message

BACKWARD_FUNCTIONS: dict[Any, str] = {
    torch.Tensor.backward: "backward",
    torch.autograd.backward: "backward",
    torch.autograd.grad: "grad",
}
_SIGNATURES = {func: inspect.signature(func) for func in BACKWARD_FUNCTIONS}


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, torch.Tensor)]
    return []


def call_options(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The roots and the retain/create flags of a backward call, as PyTorch reads them."""
    bound = _SIGNATURES[func].bind(*args, **kwargs)
    values = bound.arguments
    roots = _tensors(values.get("self", values.get("tensors", values.get("outputs"))))
    create_graph = bool(values.get("create_graph") or False)
    retain = values.get("retain_graph")
    return {
        "kind": BACKWARD_FUNCTIONS[func],
        "roots": roots,
        "create_graph": create_graph,
        "retain_graph": create_graph if retain is None else bool(retain),
    }


class BackwardPass:
    """The record of one pass, filled in by the hooks while autograd runs it."""

    def __init__(self, registry: NodeRegistry, limits: TraceLimits, keep_grads: bool) -> None:
        self.registry = registry
        self.max_values = limits.max_values
        self.max_steps = limits.max_steps
        self.steps: list[dict[str, Any]] = []
        self.before: dict[int, Any] = {}  # leaves' .grad before the pass
        self.leaves: list[dict[str, Any]] = []
        self.truncated = False
        self.keep_grads = keep_grads  # create_graph: the gradients' own graph is the 2nd layer
        self.grads: list[torch.Tensor] = []

    def reachable(
        self, roots: list[torch.Tensor]
    ) -> list[tuple[Any, int, list[tuple[int | None, int] | None]]]:
        """(node, tid, tids of its next_functions) for every node the pass may run."""
        registry = self.registry
        seen: set[int] = set()
        found: list[tuple[Any, int, list[tuple[int | None, int] | None]]] = []
        queue = [t.grad_fn for t in roots if t.grad_fn is not None]
        while queue:
            fn = queue.pop()
            tid = registry.node_id(fn)
            if tid is None or tid in seen:
                continue
            if len(found) >= self.max_steps:
                self.truncated = True
                break
            seen.add(tid)
            children = [
                None if c is None else (registry.node_id(c), nr) for c, nr in fn.next_functions
            ]
            found.append((fn, tid, children))
            queue.extend(c for c, _ in fn.next_functions if c is not None)
        return found

    def hook(self, fn: Any, tid: int, children: list[tuple[int | None, int] | None]) -> Any:
        """The node's hook: autograd calls it right after the node ran, with the gradients it
        received (``grad_outputs``) and sent along each input edge (``grad_inputs``); nodes
        run one at a time, so the hooks' order is the order they ran."""
        if is_accumulate(fn):  # .grad before this pass: the pass accumulates into it once
            grad = fn.variable.grad
            self.before[tid] = None if grad is None else snapshot(grad, self.max_values, True)

        def ran(grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
            try:
                self.ran(fn, tid, children, grad_inputs, grad_outputs)
            except Exception:  # a picture we could not take must never break the program
                self.truncated = True

        return ran

    def ran(
        self,
        fn: Any,
        tid: int,
        children: list[tuple[int | None, int] | None],
        grad_inputs: tuple[Any, ...],
        grad_outputs: tuple[Any, ...],
    ) -> None:
        max_values = self.max_values
        arriving = [None if g is None else snapshot(g, max_values, True) for g in grad_outputs]
        edges = []
        for child, grad in zip(children, grad_inputs, strict=False):
            if child is None or child[0] is None or grad is None:
                continue
            edges.append(
                {
                    "source": child[0],
                    "target": tid,
                    "output_nr": child[1],
                    "grad": snapshot(grad, max_values, True),
                }
            )
            if self.keep_grads and grad.grad_fn is not None:
                self.grads.append(grad)
        step: dict[str, Any] = {
            "node": tid,
            "op": type(fn).__name__,
            "grad_output": arriving,
            "edges": edges,
        }
        self.steps.append(step)
        if tid in self.before:
            grad = fn.variable.grad
            step["accumulate"] = {
                "before": self.before[tid],
                "arriving": arriving[0] if arriving else None,
                "after": None if grad is None else snapshot(grad, max_values, True),
            }
            self.leaves.append({"node": tid, **step["accumulate"]})
            if self.keep_grads and grad is not None and grad.grad_fn is not None:
                self.grads.append(grad)


def run_backward(
    registry: NodeRegistry,
    limits: TraceLimits,
    position: Position,
    func: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    record: Callable[[dict[str, Any], bool], None],
) -> Any:
    """Run the backward call ``func(*args, **kwargs)`` with hooks on every node it may reach;
    hand its record (and whether it failed) to ``record``; return what it returned."""
    options = call_options(func, args, kwargs)
    roots = options.pop("roots")
    watched = BackwardPass(registry, limits, keep_grads=options["create_graph"])
    handles: list[Any] = []
    root_ids = [registry.node_id(t.grad_fn) if t.grad_fn is not None else None for t in roots]
    entry: dict[str, Any] = {
        **options,
        "line": position[0],
        "column": position[1],
        "iteration": position[2],
        "root": root_ids[0] if root_ids else None,
        "roots": root_ids,
        "steps": watched.steps,
        "leaves": watched.leaves,
        "error": None,
    }
    try:
        for fn, tid, children in watched.reachable(roots):
            handles.append(fn.register_hook(watched.hook(fn, tid, children)))
        result = func(*args, **kwargs)
    except Exception as exc:
        message = clean_message(str(exc))
        entry["error"] = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        entry["truncated"] = watched.truncated
        record(entry, True)
        raise
    finally:
        for handle in handles:
            handle.remove()
    ran = [step["node"] for step in watched.steps]
    if not options["retain_graph"]:
        ran = [tid for tid in ran if registry.records[tid].saved_bytes]
        for tid in ran:
            registry.records[tid].freed = True  # what these nodes saved is released now
    entry["freed"] = [] if options["retain_graph"] else ran
    if watched.grads:  # create_graph=True: the gradients' own graph, a second layer
        registry.layer = 2
        try:
            first_new = len(registry.records)
            for grad in watched.grads:
                registry.node_id(grad.grad_fn)
            entry["second_layer"] = list(range(first_new, len(registry.records)))
        finally:
            registry.layer = 1
    entry["truncated"] = watched.truncated
    record(entry, False)
    return result
