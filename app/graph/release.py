"""Free a walked autograd graph one node at a time, so a long chain cannot overflow the stack.

PyTorch frees a chain of backward nodes without recursing (``deleteNode`` buffers the next
nodes), but once Python has held the nodes, as a walk does, freeing the last reference to a long
chain recurses node by node in C++: a 25,000-step loop walked into 50,000 nodes killed the
worker with SIGSEGV when the program's tensors went (the same trap as pytorch/pytorch#109948).

:func:`release` holds every node the walk saw and lets go of them consumers first: each node is
then freed while its inputs are still held here, so nothing cascades. The caller must have
dropped every other reference to the graph first (the program's variables, its interpreter),
or the cascade only moves to when those go.
"""

from __future__ import annotations

from typing import Any

import torch


def release(seen: list[Any]) -> None:
    """Empty ``seen`` (backward nodes and leaf tensors, as ``walk(keep=...)`` fills it),
    freeing each node after every node of ``seen`` that consumes it."""
    index = {id(obj): k for k, obj in enumerate(seen)}
    inputs: list[list[int]] = [[] for _ in seen]
    consumers = [0] * len(seen)  # consumers of each node still held in `seen`
    for k, obj in enumerate(seen):
        if isinstance(obj, torch.Tensor):
            continue  # a leaf: AccumulateGrad's inputs are none
        for child, _ in obj.next_functions:
            found = index.get(id(child)) if child is not None else None
            if found is not None:
                inputs[k].append(found)
                consumers[found] += 1
    ready = [k for k, count in enumerate(consumers) if count == 0]
    while ready:
        k = ready.pop()
        for found in inputs[k]:
            consumers[found] -= 1
            if consumers[found] == 0:
                ready.append(found)
        seen[k] = None  # freed alone: its consumers are gone, its inputs are still held
    seen.clear()
