"""Element counts of results computed before torch or numpy allocate them.

Each estimator sees the callable and its arguments and returns how many elements the result
will hold (or None when it cannot tell, leaving the after-the-fact check and the OS memory cap
as the backstop). Creation functions, views that multiply work (expand), repeats, products,
concatenations, and broadcasting of every tensor operation are covered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

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
    """Elements of the broadcast of every tensor/array in ``values`` (None if none or invalid)."""
    shapes = [s for s in (shape_of(v) for v in values) if s is not None]
    if not any(isinstance(v, (torch.Tensor, np.ndarray)) for v in values):
        return None
    ndim = max(len(s) for s in shapes)
    out = []
    for axis in range(1, ndim + 1):
        sizes = {s[-axis] for s in shapes if len(s) >= axis} - {1}
        if len(sizes) > 1:
            return None  # not broadcastable: torch will raise its own error
        out.append(sizes.pop() if sizes else 1)
    return numel(out)


def _size_from(args: Sequence[Any]) -> tuple[int, ...] | None:
    """A size given as varargs ints or as one sequence (the torch and numpy conventions)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)):
        args = tuple(args[0])
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return tuple(int(a) for a in args)
    return None


def _sized(skip: int = 0, keyword: str = "size") -> Estimator:
    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        if keyword in kwargs:
            size = _size_from((kwargs[keyword],))
        else:
            size = _size_from(args[skip:]) if len(args) > skip else None
        return numel(size) if size is not None else None

    return estimate


def _first_sized(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """zeros/ones/full/np.zeros: the size is the first argument (varargs for torch)."""
    if "size" in kwargs or "shape" in kwargs:
        size = _size_from((kwargs.get("size", kwargs.get("shape")),))
    elif args and isinstance(args[0], (tuple, list, torch.Size)):
        size = _size_from((args[0],))
    else:
        size = _size_from(tuple(a for a in args if isinstance(a, (int, np.integer))))
    return numel(size) if size is not None else None


def _tensor_ctor(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """torch.Tensor(2, 3) allocates a shape; torch.Tensor([2, 3]) copies data."""
    size = _size_from(args) if args and not isinstance(args[0], (list, tuple)) else None
    return numel(size) if size is not None else None


def _arange(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = list(args[:3])
    for key in ("start", "end", "stop", "step")[len(values) :]:
        if key in kwargs:
            values.append(kwargs[key])
    values = [float(v) if isinstance(v, (torch.Tensor, np.generic)) else v for v in values]
    if not all(isinstance(v, (int, float)) for v in values) or not values:
        return None
    start, end, step = (0, values[0], 1) if len(values) == 1 else (*values[:2], 1)
    if len(values) >= 3:
        step = values[2]
    if step == 0 or not all(math.isfinite(v) for v in (start, end, step)):
        return None
    return max(0, math.ceil((end - start) / step))


def _steps(index: int, keyword: str) -> Estimator:
    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        value = kwargs.get(keyword, args[index] if len(args) > index else None)
        return int(value) if isinstance(value, (int, np.integer)) else None

    return estimate


def _eye(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    dims = [a for a in args[:2] if isinstance(a, (int, np.integer))]
    if not dims:
        return None
    return int(dims[0]) * int(dims[1] if len(dims) > 1 else dims[0])


def _sum_of_inputs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    items = args[0] if args else kwargs.get("tensors", ())
    if not isinstance(items, (list, tuple)):
        return None
    sizes = [shape_of(v) for v in items]
    return sum(numel(s) for s in sizes if s is not None)


def _product_of_inputs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shapes = [shape_of(v) for v in args[:2]]
    if any(s is None for s in shapes):
        return None
    return numel(shapes[0]) * numel(shapes[1])  # type: ignore[arg-type]


def _matmul(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    if len(args) < 2:
        return None
    return matmul_numel(shape_of(args[0]), shape_of(args[1]))


def matmul_numel(a: tuple[int, ...] | None, b: tuple[int, ...] | None) -> int | None:
    """Elements of ``a @ b`` by the matmul rules (batch dims broadcast), None if unknown."""
    if not a or not b:
        return None
    rows = a[-2] if len(a) >= 2 else 1
    cols = b[-1] if len(b) >= 2 else 1
    batch = 1
    batch_a, batch_b = a[:-2], b[:-2]
    ndim = max(len(batch_a), len(batch_b))
    for axis in range(1, ndim + 1):
        da = batch_a[-axis] if len(batch_a) >= axis else 1
        db = batch_b[-axis] if len(batch_b) >= axis else 1
        batch *= max(da, db)
    return batch * rows * cols


def _repeat_method(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """tensor.repeat(*sizes) / tensor.tile(dims): numel times the product of the repeats."""
    self, rest = args[0], args[1:]
    reps = _size_from(rest) if rest else _size_from((kwargs.get("dims", kwargs.get("reps")),))
    shape = shape_of(self)
    if reps is None or shape is None:
        return None
    return numel(shape) * numel(reps)


def _expand_method(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    self, rest = args[0], args[1:]
    sizes = _size_from(rest) if rest else _size_from((kwargs.get("size", ()),))
    shape = shape_of(self)
    if sizes is None or shape is None:
        return None
    offset = len(sizes) - len(shape)
    real = [shape[i - offset] if d == -1 and i >= offset else d for i, d in enumerate(sizes)]
    return numel(real)


def _expand_as_method(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    other = args[1] if len(args) > 1 else kwargs.get("other")
    shape = shape_of(other)
    return numel(shape) if shape is not None else None


def _repeat_interleave(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    repeats = args[1] if len(args) > 1 else kwargs.get("repeats")
    if shape is None or not isinstance(repeats, (int, np.integer)):
        return None
    return numel(shape) * int(repeats)


def _new_sized(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    size = _size_from(args[1:]) if len(args) > 1 else _size_from((kwargs.get("size", ()),))
    return numel(size) if size is not None else None


def _one_hot(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    classes = args[1] if len(args) > 1 else kwargs.get("num_classes", -1)
    if shape is None or not isinstance(classes, int) or classes < 0:
        return None
    return numel(shape) * classes


def _pad(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    pad = args[1] if len(args) > 1 else kwargs.get("pad")
    if shape is None or not isinstance(pad, (list, tuple)):
        return None
    dims = list(shape)
    for i in range(0, len(pad) - 1, 2):
        axis = len(dims) - 1 - i // 2
        if axis >= 0 and isinstance(pad[i], int) and isinstance(pad[i + 1], int):
            dims[axis] += pad[i] + pad[i + 1]
    return numel(dims)


def _layer(*positions: int) -> Estimator:
    """Parameters of a layer whose weight is the product of some size arguments."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        values = [a for a in args if isinstance(a, int)][: max(positions) + 1]
        if len(values) <= max(positions):
            return None
        return math.prod(values[p] for p in positions)

    return estimate


def _conv(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    ints = [a for a in args if isinstance(a, int)]
    kernel = args[2] if len(args) > 2 else kwargs.get("kernel_size")
    if len(ints) < 2:
        return None
    k = math.prod(kernel) if isinstance(kernel, (tuple, list)) else int(kernel or 1)
    return ints[0] * ints[1] * k * k


def _recurrent(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    ints = [a for a in args if isinstance(a, int)]
    size_in = ints[0] if ints else kwargs.get("input_size")
    hidden = ints[1] if len(ints) > 1 else kwargs.get("hidden_size")
    layers = ints[2] if len(ints) > 2 else kwargs.get("num_layers", 1)
    if not all(isinstance(v, int) for v in (size_in, hidden, layers)):
        return None
    return 4 * hidden * (size_in + hidden) * layers


def _transformer_layer(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    d_model = args[0] if args else kwargs.get("d_model")
    feedforward = args[2] if len(args) > 2 else kwargs.get("dim_feedforward", 2048)
    if not isinstance(d_model, int) or not isinstance(feedforward, int):
        return None
    return 4 * d_model * d_model + 2 * d_model * feedforward


def _build_table() -> dict[int, Estimator]:
    table: dict[Any, Estimator] = {}
    for fn in (torch.zeros, torch.ones, torch.empty, torch.rand, torch.randn):
        table[fn] = _first_sized
    table[torch.full] = _first_sized
    table[torch.randint] = _sized(keyword="size", skip=2)
    for cls in (torch.Tensor, torch.FloatTensor, torch.DoubleTensor, torch.HalfTensor,
                torch.IntTensor, torch.LongTensor, torch.ShortTensor, torch.ByteTensor,
                torch.CharTensor, torch.BoolTensor):  # fmt: skip
        table[cls] = _tensor_ctor
    table[torch.arange] = _arange
    table[np.arange] = _arange
    table[torch.linspace] = _steps(2, "steps")
    table[torch.logspace] = _steps(2, "steps")
    table[np.linspace] = _steps(2, "num")
    table[np.logspace] = _steps(2, "num")
    table[torch.eye] = _eye
    table[np.eye] = _eye
    for fn in (np.zeros, np.ones, np.empty, np.full):
        table[fn] = _first_sized
    table[np.random.rand] = _first_sized
    table[np.random.randn] = _first_sized
    for fn in (np.random.randint, np.random.normal, np.random.uniform, np.random.random):
        table[fn] = _sized(keyword="size", skip=99)
    joins = (torch.cat, torch.concat, torch.concatenate, torch.stack, torch.hstack, torch.vstack,
             torch.dstack, np.concatenate, np.stack, np.hstack, np.vstack)  # fmt: skip
    for fn in joins:
        table[fn] = _sum_of_inputs
    for fn in (torch.kron, torch.outer, torch.ger, np.outer):
        table[fn] = _product_of_inputs
    for fn in (torch.matmul, torch.mm, torch.bmm, np.matmul, np.dot, torch.tensordot):
        table[fn] = _matmul
    table[torch.repeat_interleave] = _repeat_interleave
    table[F.one_hot] = _one_hot
    table[F.pad] = _pad
    table[nn.Linear] = _layer(0, 1)
    table[nn.Bilinear] = _layer(0, 1, 2)
    table[nn.Embedding] = _layer(0, 1)
    table[nn.Conv1d] = _conv
    table[nn.Conv2d] = _conv
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        table[cls] = _recurrent
    table[nn.TransformerEncoderLayer] = _transformer_layer
    table[nn.MultiheadAttention] = _layer(0, 0)  # four embed_dim x embed_dim projections
    return {id(key): value for key, value in table.items()}


FUNCTION_ESTIMATORS = _build_table()

# Tensor methods, called as (self, *args): estimators by method name.
METHOD_ESTIMATORS: dict[str, Estimator] = {
    "repeat": _repeat_method,
    "tile": _repeat_method,
    "expand": _expand_method,
    "expand_as": _expand_as_method,
    "repeat_interleave": _repeat_interleave,
    "new_zeros": _new_sized,
    "new_ones": _new_sized,
    "new_empty": _new_sized,
    "new_full": _new_sized,
    "matmul": _matmul,
    "mm": _matmul,
    "bmm": _matmul,
    "dot": _matmul,
    "outer": _product_of_inputs,
    "kron": _product_of_inputs,
}


def estimate_call(func: Any, method_name: str | None, args: tuple, kwargs: dict) -> int | None:
    """Elements the call will produce, when known, else the size of broadcasting its inputs."""
    if method_name is not None:
        estimator = METHOD_ESTIMATORS.get(method_name)
    else:
        estimator = FUNCTION_ESTIMATORS.get(id(func))
    if estimator is not None:
        try:
            result = estimator(args, kwargs)
        except (TypeError, ValueError, OverflowError):
            result = None
        if result is not None:
            return result
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, (torch.Tensor, np.ndarray))]
    if len(tensors) >= 2:
        return broadcast_numel(tensors)
    return None
