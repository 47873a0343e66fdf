"""Shapes and element counts: the arithmetic every estimator shares."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

_ARRAYS = (torch.Tensor, np.ndarray)
Estimator = Callable[[tuple[Any, ...], dict[str, Any]], int | None]


def shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of a tensor or array, or of a Python scalar (()), else None."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return tuple(value.shape)
    if isinstance(value, (int, float, bool, complex, np.generic)):
        return ()
    return None


def numel(shape: Sequence[int]) -> int:
    return math.prod(max(0, int(d)) for d in shape)


def broadcast_numel(values: Sequence[Any]) -> int | None:
    """Elements of the broadcast of every tensor/array in ``values`` (None if none or invalid).

    Numbers broadcast like 0-d tensors: they never change the result, so only arrays count.
    """
    shapes = [v.shape for v in values if isinstance(v, _ARRAYS)]
    if not shapes:
        return None
    first = shapes[0]
    if all(shape == first for shape in shapes):
        # the common case (same shapes, or a tensor and numbers): no broadcasting to work out
        return math.prod(first)
    total = 1
    for axis in range(1, max(map(len, shapes)) + 1):
        size = 1
        for shape in shapes:
            if len(shape) >= axis and shape[-axis] != 1:
                if size != 1 and shape[-axis] != size:
                    return None  # not broadcastable: torch will raise its own error
                size = shape[-axis]
        total *= size
    return total


def batch_and_spatial(shape: tuple[int, ...] | None) -> tuple[int, tuple[int, ...]] | None:
    """A convolution input's batch size and spatial sizes: (N, C, *spatial) or unbatched
    (C, *spatial); None when the shape is too short to be either."""
    if not shape or len(shape) < 2:
        return None
    if len(shape) >= 3:
        return shape[0], shape[2:]
    return 1, shape[1:]
