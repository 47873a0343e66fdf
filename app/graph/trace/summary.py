"""Small, bounded pictures of tensors for a trace: shape, the first values, the norm.

A trace takes many of these (every frame, every edge of every backward pass), and most are
dropped again (loop iterations past the first K that turn out not to be among the last K). So
taking one only copies the first ``max_values`` elements (:func:`snapshot`, a few microseconds);
turning it into JSON (:func:`values_json`, :func:`summary_json`) waits until the trace is
finished and is done only for what is kept. Values are flat, in the tensor's row-major order;
``shape`` says how to fold them back.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch

from app.graph.values import json_number

_ARRAY_DTYPES = (torch.float32, torch.float64)


class Snapshot(NamedTuple):
    """The first values of a tensor (a copy), its shape, dtype and size; ``norm`` for grads.

    ``head`` is ``.tolist()`` of a small CPU tensor (the cheapest copy, its norm is worked out
    later from it), else a tensor holding the first values (the norm taken at once, if asked).
    """

    head: Any  # nested list, tensor, or None: no readable data (meta, sparse, a stale view)
    shape: tuple[int, ...] | None
    dtype: torch.dtype
    numel: int
    norm: float | None


def snapshot(t: torch.Tensor, max_values: int, with_norm: bool = False) -> Snapshot:
    """Copy the first ``max_values`` elements of ``t`` (and its 2-norm, if asked)."""
    try:
        numel = t.numel()
        shape = tuple(t.shape)
        if t.layout != torch.strided or t.device.type == "meta":
            return Snapshot(None, shape, t.dtype, numel, None)
        if numel <= max_values and t.device.type == "cpu":
            return Snapshot(t.tolist(), shape, t.dtype, numel, None)
        data = t.detach()
        flat = data.view(-1) if data.is_contiguous() else data.reshape(-1)
        head = flat[:max_values].clone()
        norm = None
        if with_norm and numel:
            source = data if data.is_floating_point() or data.is_complex() else data.double()
            norm = float(torch.linalg.vector_norm(source))
        return Snapshot(head, shape, t.dtype, numel, norm)
    except Exception:  # a tensor PyTorch will not read: no values, never a failure
        return Snapshot(None, None, t.dtype, 0, None)


def _flat(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return [value]
    out: list[Any] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def head_values(snap: Snapshot) -> list[Any] | None:
    """The snapshot's values as a flat list of Python numbers."""
    head = snap.head
    if head is None:
        return None
    if isinstance(head, torch.Tensor):
        return list(head.reshape(-1).tolist())
    return _flat(head)


def shown(snap: Snapshot) -> int:
    head = snap.head
    if head is None:
        return 0
    return int(head.numel()) if isinstance(head, torch.Tensor) else snap.numel


def _number(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else json_number(x)
    if isinstance(x, complex):
        return {"re": json_number(x.real), "im": json_number(x.imag)}
    return x


def values_json(snap: Snapshot) -> Any:
    """The snapshot's values, flat: finite float32/float64 as a numpy array (app.encoding
    writes the fewest digits that read back the same, ``0.1``), the rest as Python numbers
    with NaN and the infinities as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``."""
    values = head_values(snap)
    if values is None:
        return None
    if snap.dtype in _ARRAY_DTYPES:
        array = np.asarray(values, dtype=np.float32 if snap.dtype == torch.float32 else None)
        if np.isfinite(array).all():
            return array
    return [_number(v) for v in values]


def _norm(snap: Snapshot) -> float | None:
    if snap.norm is not None:
        return snap.norm
    if isinstance(snap.head, list) or (snap.head is not None and snap.numel == 1):
        values = head_values(snap) or []
        try:
            return math.sqrt(sum(abs(v) ** 2 for v in values))
        except (TypeError, OverflowError):
            return None
    return None


def summary_json(snap: Snapshot) -> dict[str, Any]:
    """``{"shape", "dtype", "values", "truncated", "norm"}``."""
    norm = _norm(snap)
    return {
        "shape": None if snap.shape is None else list(snap.shape),
        "dtype": str(snap.dtype).removeprefix("torch."),
        "values": values_json(snap),
        "truncated": snap.head is not None and snap.numel > shown(snap),
        "norm": None if norm is None else json_number(norm),
    }
