"""The length of str()/repr() of a value, before Python builds it."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import torch
from torch import nn
from torch._tensor_str import PRINT_OPTS  # set_printoptions changes this object in place

# ----- text: the length of str()/repr() of a value, before Python builds it --------------------

_CONTAINERS = (list, tuple, dict, set, frozenset, collections.deque)
_COMPOSITE = (*_CONTAINERS, nn.Module, torch.Tensor, np.ndarray)
_FLAT = frozenset({tuple, list})
_NESTING = (*_CONTAINERS, nn.Module)  # what has children of its own (see _children)


def text_length(value: Any, limit: int) -> int:
    """About how many characters ``repr(value)`` has, counting a shared object every time it is
    printed (``L = [L, L]`` thirty times prints 2**30 lists); saturates past ``limit``.

    Containers, modules and arrays are visited once each (memoised by id), so the cost is the
    number of distinct objects, never the length of the text.
    """
    if not isinstance(value, _COMPOSITE):
        return 0  # a scalar or a string: its text is about its own, already bounded, size
    if value.__class__ in _FLAT and not any(isinstance(c, _NESTING) for c in value):
        # print("%d %f" % (i, loss)): a tuple or list of numbers, strings and tensors, measured
        # as the walk below measures it, without its bookkeeping
        return min(2 + sum(_leaf_length(child) + 2 for child in value), limit + 1)
    memo: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, expanded = stack.pop()
        if id(item) in memo and not expanded:
            continue
        children = _children(item)
        if children is None:
            memo[id(item)] = _leaf_length(item)
        elif not expanded:
            memo[id(item)] = 2  # while its children are measured; a cycle prints as [...]
            stack.append((item, True))
            stack.extend((c, False) for c in children if isinstance(c, _COMPOSITE))
        else:
            total = 2
            for child in children:
                if isinstance(child, _COMPOSITE):
                    total += memo.get(id(child), 2) + 2
                else:
                    total += _leaf_length(child) + 2
            memo[id(item)] = min(total, limit + 1)
    return memo[id(value)]


def _children(item: Any) -> list[Any] | None:
    if isinstance(item, dict):
        return [*item.keys(), *item.values()]
    if isinstance(item, _CONTAINERS):
        return list(item)
    if isinstance(item, nn.Module):
        return [m for m in item._modules.values() if m is not None]
    return None


def _leaf_length(item: Any) -> int:
    if isinstance(item, str):
        return len(item) + 2
    if isinstance(item, int):
        return item.bit_length() // 3 + 2
    if isinstance(item, torch.Tensor):
        return 60 + 16 * min(item.numel(), int(PRINT_OPTS.threshold) + 1)
    if isinstance(item, np.ndarray):
        return 60 + 16 * min(item.size, 1_001)
    if isinstance(item, nn.Module):
        return 80
    return 24
