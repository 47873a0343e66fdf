"""Turn tensors and plot data into strict-JSON values the REST API and the page can show.

Non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (the client
decodes them back), complex numbers become ``{"re": ..., "im": ...}`` objects, and big tensors are
cut to a leading corner so a response never carries millions of numbers.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

from app.printout import tensor_text

MAX_TEXT_CHARS = 20_000
_MAX_DEPTH = 100  # deeper containers (or cycles) are shown as text, never recursed into

JsonNumber = float | int | bool | str
# Nested lists of numbers; a 0-d tensor gives a bare number.
JsonValue = Any

# Float dtypes whose .tolist() is exact and cheap; every other float dtype (float8, ...) is
# widened to float64 first, which is lossless.
_PLAIN_FLOATS = {torch.float16, torch.bfloat16, torch.float32, torch.float64}
# dtypes whose numpy arrays the JSON encoder writes directly (bfloat16 has no numpy type).
_NUMPY_DTYPES = {torch.float16, torch.float32, torch.float64, torch.bool, torch.uint8, torch.int8,
                 torch.int16, torch.int32, torch.int64}  # fmt: skip


def json_number(x: float | int | bool) -> JsonNumber:
    """Return ``x`` as a strict-JSON number: NaN and the infinities become strings."""
    if isinstance(x, bool | int):
        return x
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _scalar(x: Any) -> Any:
    """One element from ``.tolist()``: complex numbers become ``{"re", "im"}`` objects."""
    if isinstance(x, complex):
        return {"re": json_number(x.real), "im": json_number(x.imag)}
    return json_number(x)


def _map_nested(value: Any) -> Any:
    """Apply :func:`_scalar` to every leaf of the nested lists ``.tolist()`` returned."""
    if isinstance(value, list):
        return [_map_nested(v) for v in value]
    return _scalar(value)


def _int_root(budget: int, r: int) -> int:
    """Largest k >= 1 with k**r <= budget (exact; float roots are off by one near powers)."""
    k = max(1, int(budget ** (1.0 / r)))
    while (k + 1) ** r <= budget:
        k += 1
    while k > 1 and k**r > budget:
        k -= 1
    return k


def _corner(shape: tuple[int, ...], max_elements: int) -> tuple[int, ...]:
    """Sizes of the leading corner to keep: as even as the shape allows, product <= budget.

    Dimensions are visited smallest first so that a short dimension (3 colour channels, say) is
    kept whole and its unused share of the budget goes to the longer ones.
    """
    keep = list(shape)
    budget = max(1, max_elements)
    order = sorted(range(len(shape)), key=lambda d: shape[d])
    for left, d in zip(range(len(order), 0, -1), order, strict=True):
        keep[d] = max(1, min(shape[d], _int_root(budget, left)))
        budget = max(1, budget // keep[d])
    return tuple(keep)


def _readable(t: torch.Tensor) -> bool:
    """Whether the tensor has ordinary values to copy out (not sparse, nested, meta, quantized)."""
    return (
        t.layout == torch.strided
        and not t.is_nested
        and t.device.type != "meta"
        and not t.is_quantized
    )


def safe_shape(t: torch.Tensor) -> list[int] | None:
    """The tensor's shape as ints, or None when it has no regular one (nested tensors)."""
    try:
        return [int(s) for s in t.shape]
    except Exception:  # nested tensors raise, or have symbolic (ragged) sizes
        return None


def tensor_values(
    t: torch.Tensor, max_elements: int, *, arrays: bool = False
) -> tuple[JsonValue, bool]:
    """Return ``(values, truncated)`` for a tensor, detached and copied to the CPU.

    ``values`` is a nested list with the tensor's own nesting (a bare number for a 0-d tensor);
    bools stay bools, integers ints, complex numbers are ``{"re", "im"}`` objects and non-finite
    floats strings (see :func:`json_number`).

    When the tensor has more than ``max_elements`` elements, the values are its *leading corner*
    ``t[:k0, :k1, ...]``: every dimension is cut to a prefix, as evenly as the shape allows, so that
    at most ``max_elements`` elements remain, and ``truncated`` is True. The nesting depth never
    changes, so a UI can show the values as the top-left block of the real tensor and mark each
    cut dimension with an ellipsis (a dimension was cut where its list is shorter than the shape).
    Tensors without ordinary values (sparse, nested, meta, quantized) give ``(None, False)``.

    With ``arrays``, real tensors without NaN or infinities come back as numpy arrays (a 0-d
    one as a numpy scalar) for :func:`app.encoding.dumps`, which writes them without a Python
    list in between and with float32's own shortest digits.
    """
    if not _readable(t):
        return None, False
    data = t.detach()
    truncated = data.numel() > max_elements
    if truncated:
        keep = _corner(tuple(data.shape), max_elements)
        data = data[tuple(slice(0, k) for k in keep)]
    data = data.cpu()  # after slicing, so only the kept corner is copied off a GPU
    if data.is_floating_point() and data.dtype not in _PLAIN_FLOATS:
        data = data.to(torch.float64)
    elif data.dtype == torch.complex32:
        data = data.to(torch.complex64)
    if data.is_conj() or data.is_neg():
        data = data.resolve_conj().resolve_neg()
    if data.dtype in _NUMPY_DTYPES:  # numpy checks a small array ~5x faster than torch
        array = data.contiguous().numpy()
        if array.dtype.kind != "f" or np.isfinite(array).all():
            if arrays:
                return (array[()] if array.ndim == 0 else array), truncated
            return array.tolist(), truncated  # nothing to encode: skip the per-element walk
        return _map_nested(array.tolist()), truncated
    if not data.is_complex() and (not data.is_floating_point() or bool(data.isfinite().all())):
        return data.tolist(), truncated
    return _map_nested(data.tolist()), truncated


def safe_numel(t: torch.Tensor) -> int:
    """The tensor's element count, or 0 when PyTorch cannot say (ragged nested tensors)."""
    try:
        return int(t.numel())
    except Exception:
        return 0


def _text(t: torch.Tensor) -> str:
    """PyTorch's own printout of the tensor, capped at MAX_TEXT_CHARS characters."""
    try:
        text = tensor_text(t)
    except Exception:  # odd layouts can fail to print; say what we know instead
        text = f"tensor(shape={safe_shape(t)}, dtype={t.dtype})"
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS] + "…"
    return text


def _safe_values(
    t: torch.Tensor, max_elements: int, arrays: bool = False
) -> tuple[JsonValue, bool]:
    try:
        return tensor_values(t, max_elements, arrays=arrays)
    except Exception:  # an exotic dtype or tensor subclass: keep describing, without values
        return None, False


def _grad(t: torch.Tensor) -> torch.Tensor | None:
    try:
        leaf = bool(t.is_leaf)
    except Exception:  # an odd tensor subclass: read it the careful way below
        leaf = False
    if leaf:  # most named tensors of a big model (its parameters): no warning to silence
        grad: torch.Tensor | None = t.grad
        return grad
    with warnings.catch_warnings():
        # Reading .grad of a non-leaf warns; the program's output must not show our reads.
        warnings.simplefilter("ignore")
        grad = t.grad
    return grad


def describe_tensor(
    t: torch.Tensor, *, max_elements: int, with_text: bool = True, arrays: bool = False
) -> dict[str, Any]:
    """Describe a tensor as the REST API returns it; never raises on odd tensors.

    ``with_text=False`` leaves ``value_text``/``grad_text`` None: a printout costs about half a
    microsecond an element, too much to spend on every weight of a deep model. ``arrays``: see
    :func:`tensor_values`.

    Keys: ``shape`` (None for a nested tensor, which has no regular shape), ``dtype``,
    ``device``, ``requires_grad``, ``is_leaf``, ``grad_fn`` (class name or None), ``value`` /
    ``value_truncated`` / ``value_text`` (see :func:`tensor_values`; the text is ``str(t)``
    capped at about 20k characters), ``grad`` / ``grad_truncated`` / ``grad_text`` (None /
    False / None without a gradient), ``is_view`` and ``numel``.
    """
    grad = _grad(t)
    value, value_truncated = _safe_values(t, max_elements, arrays)
    if grad is not None:
        grad_value, grad_truncated = _safe_values(grad, max_elements, arrays)
        grad_text: str | None = _text(grad) if with_text else None
    else:
        grad_value, grad_truncated, grad_text = None, False, None
    try:
        is_view = bool(t._is_view())
    except Exception:
        is_view = False
    return {
        "shape": safe_shape(t),
        "dtype": str(t.dtype),
        "device": str(t.device),
        "requires_grad": bool(t.requires_grad),
        "is_leaf": False if is_stale_view(t) else bool(t.is_leaf),
        "grad_fn": _grad_fn_name(t),
        "value": value,
        "value_truncated": value_truncated,
        "value_text": _text(t) if with_text else None,
        "grad": grad_value,
        "grad_truncated": grad_truncated,
        "grad_text": grad_text,
        "is_view": is_view,
        "numel": safe_numel(t),
    }


def _is_numpy(obj: Any) -> bool:
    # Duck-typed: arrays and every numpy scalar type have .tolist().
    return type(obj).__module__ == "numpy" and hasattr(obj, "tolist")


def to_jsonable(obj: Any, *, _depth: int = 0, _path: frozenset[int] = frozenset()) -> Any:
    """Convert plot data and similar values to plain JSON: lists, dicts, strings and numbers.

    Tensors and numpy arrays become nested lists (untruncated: callers bound plot sizes), numpy
    scalars Python numbers, tuples lists, dict keys strings; numbers go through
    :func:`json_number`. Anything else is shown by ``str()``; containers nested deeper than 100
    levels, or containing themselves, are shown as ``"[...]"`` instead of recursing.
    """
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, bool | int | float | complex):
        return _scalar(obj)
    if isinstance(obj, torch.Tensor):
        return _safe_values(obj, max(1, obj.numel()))[0]
    if _is_numpy(obj):
        return to_jsonable(obj.tolist(), _depth=_depth, _path=_path)
    if isinstance(obj, list | tuple | dict):
        if _depth >= _MAX_DEPTH or id(obj) in _path:
            return "[...]"
        inner = _path | {id(obj)}
        if isinstance(obj, dict):
            return {str(k): to_jsonable(v, _depth=_depth + 1, _path=inner) for k, v in obj.items()}
        return [to_jsonable(v, _depth=_depth + 1, _path=inner) for v in obj]
    return str(obj)


def _grad_fn_name(t: torch.Tensor) -> str | None:
    fn = safe_grad_fn(t)
    return type(fn).__name__ if fn is not None else None


def safe_grad_fn(t: torch.Tensor) -> Any:
    """``t.grad_fn``, or None where reading it raises: a view whose base was changed in place
    after a function that returns several views (``unbind``) has no valid grad_fn."""
    try:
        return t.grad_fn
    except RuntimeError:
        return None


def is_stale_view(t: torch.Tensor) -> bool:
    """Whether reading ``t.grad_fn`` raises (see safe_grad_fn)."""
    try:
        _ = t.grad_fn
    except RuntimeError:
        return True
    return False
