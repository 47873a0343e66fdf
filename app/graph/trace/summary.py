"""Small, bounded pictures of tensors for a trace: shape, the first values, the norm.

A trace takes many of these (every frame, every edge of every backward pass), so each copies at
most ``max_values`` elements out of the tensor and never prints it. Values are flat, in the
tensor's row-major order; ``shape`` says how to fold them back.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from app.graph.values import json_number


_ARRAY_DTYPES = (torch.float32, torch.float64)


def _number(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else json_number(x)
    if isinstance(x, complex):
        return {"re": json_number(x.real), "im": json_number(x.imag)}
    return x


def flat_values(t: torch.Tensor, max_values: int) -> tuple[Any, bool]:
    """The first ``max_values`` elements of ``t`` (a copy) and whether there were more; ``None``
    for a tensor without readable data (meta, sparse, a freed buffer).

    Finite float32/float64 values come as a numpy array, which app.encoding writes with the
    fewest digits that read back the same (``0.1``); the rest as Python numbers, non-finite
    ones as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.
    """
    try:
        data = t.detach()
        if data.layout != torch.strided or data.device.type == "meta":
            return None, False
        numel = data.numel()
        flat = data.reshape(-1) if data.dim() == 0 or not data.is_contiguous() else data.view(-1)
        head = flat[:max_values]
        if head.dtype in _ARRAY_DTYPES and head.device.type == "cpu":
            array = head.numpy().copy()
            if np.isfinite(array).all():
                return array, numel > max_values
        values = head.tolist()
        return [_number(v) for v in values], numel > max_values
    except Exception:  # a tensor PyTorch will not read (a stale view): no values, no failure
        return None, False


def norm_of(t: torch.Tensor) -> Any:
    """The tensor's 2-norm as a JSON number (None when it has none)."""
    try:
        data = t.detach()
        if data.layout != torch.strided or data.device.type == "meta" or data.numel() == 0:
            return None
        if not (data.is_floating_point() or data.is_complex()):
            data = data.double()
        return json_number(float(torch.linalg.vector_norm(data)))
    except Exception:
        return None


def summarize(t: torch.Tensor, max_values: int) -> dict[str, Any]:
    """``{"shape", "dtype", "values", "truncated", "norm"}`` for a gradient or a value."""
    values, truncated = flat_values(t, max_values)
    try:
        shape = [int(s) for s in t.shape]
    except Exception:
        shape = None
    return {
        "shape": shape,
        "dtype": str(t.dtype).removeprefix("torch."),
        "values": values,
        "truncated": truncated,
        "norm": norm_of(t),
    }
