"""Element counts of results computed before torch or numpy allocate them.

Each estimator sees the callable and its arguments and returns how many elements the result
will hold (or None when it cannot tell, leaving the after-the-fact check and the OS memory cap
as the backstop). Creation functions, views that multiply work (expand), repeats, products,
concatenations, and broadcasting of every tensor operation are covered.
"""

from __future__ import annotations

import collections
import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

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
    if isinstance(repeats, torch.Tensor) and shape is not None and repeats.numel() > 0:
        if repeats.is_floating_point() or repeats.is_complex():
            return None
        # one count per element (or per slice along dim), or one count for all of them
        per = numel(shape) // repeats.numel() if repeats.numel() > 1 else numel(shape)
        return max(1, per) * int(repeats.sum() if repeats.numel() > 1 else repeats.item())
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


def _diag(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """torch.diag(v) of a vector of n is an n x n matrix (plus the offset): 10**5 -> 10**10."""
    shape = shape_of(args[0]) if args else None
    offset = args[1] if len(args) > 1 else kwargs.get("diagonal", 0)
    if shape is None or len(shape) != 1 or not isinstance(offset, int):
        return None  # a matrix's diagonal is smaller than the matrix
    side = shape[0] + abs(offset)
    return side * side


def _cdist(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """(..., P, M) and (..., R, M) give (..., P, R)."""
    if len(args) < 2:
        return None
    a, b = shape_of(args[0]), shape_of(args[1])
    if not a or not b or len(a) < 2 or len(b) < 2:
        return None
    batch = numel(a[:-2]) if len(a) >= len(b) else numel(b[:-2])
    return batch * a[-2] * b[-2]


def _inner(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """(..., K) and (..., K) give every pair of rows: numel(a)/K * numel(b)/K."""
    if len(args) < 2:
        return None
    a, b = shape_of(args[0]), shape_of(args[1])
    if a is None or b is None:
        return None
    rows_a = numel(a[:-1]) if a else 1
    rows_b = numel(b[:-1]) if b else 1
    return rows_a * rows_b


def _tensordot(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """The dimensions of a and b that are not contracted (dims=0 is an outer product)."""
    if len(args) < 2:
        return None
    a, b = shape_of(args[0]), shape_of(args[1])
    dims = args[2] if len(args) > 2 else kwargs.get("dims", 2)
    if a is None or b is None:
        return None
    if isinstance(dims, int):
        kept = list(a[: len(a) - dims]) + list(b[dims:])
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        drop_a, drop_b = (set(d) if isinstance(d, (list, tuple)) else {d} for d in dims)
        kept = [d for i, d in enumerate(a) if i not in drop_a and i - len(a) not in drop_a]
        kept += [d for i, d in enumerate(b) if i not in drop_b and i - len(b) not in drop_b]
    else:
        return None
    return numel(kept)


def _add_product(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """addmm/baddbmm(input, m1, m2): the product of m1 and m2, broadcast with input."""
    if len(args) < 3:
        return None
    product = matmul_numel(shape_of(args[1]), shape_of(args[2]))
    base = shape_of(args[0])
    return max(product or 0, numel(base) if base is not None else 0) or None


def _size_anywhere(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """randint(high, size) / randint(low, high, size) / normal(mean, std, size): the size is
    the tuple among the arguments, or ``size=``."""
    candidates = [kwargs["size"]] if "size" in kwargs else []
    candidates += [a for a in args if isinstance(a, (tuple, list, torch.Size))]
    for candidate in candidates:
        size = _size_from((candidate,))
        if size is not None:
            return numel(size)
    return None


def _multinomial(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    samples = args[1] if len(args) > 1 else kwargs.get("num_samples")
    if shape is None or not isinstance(samples, int):
        return None
    return (shape[0] if len(shape) == 2 else 1) * samples


def _one_hot_inferred(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """one_hot(t) without num_classes takes t.max() + 1 classes: read it first."""
    estimate = _one_hot(args, kwargs)
    if estimate is not None or not args or not isinstance(args[0], torch.Tensor):
        return estimate
    labels = args[0]
    if labels.numel() == 0 or labels.is_floating_point() or labels.is_complex():
        return None
    return labels.numel() * (int(labels.max()) + 1)


def _linear(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.linear(x, w): x's rows times w's outputs."""
    x = shape_of(args[0]) if args else None
    w = shape_of(args[1]) if len(args) > 1 else shape_of(kwargs.get("weight"))
    if not x or not w:
        return None
    return numel(x[:-1]) * (w[0] if len(w) == 2 else 1)


def _embedding_lookup(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.embedding(indices, weight): one row of weight per index."""
    indices = shape_of(args[0]) if args else None
    weight = shape_of(args[1]) if len(args) > 1 else shape_of(kwargs.get("weight"))
    if indices is None or not weight:
        return None
    return numel(indices) * weight[-1]


def conv_numel(
    shape: tuple[int, ...] | None,
    out_channels: int,
    kernel: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
) -> int | None:
    """Elements of a convolution's output: N x C_out x each spatial size (same for 'same')."""
    if not shape or len(shape) < 2:
        return None
    spatial = shape[2:] if len(shape) >= 3 else shape[1:]
    batch = shape[0] if len(shape) >= 3 else 1

    def per_dim(value: Any, axis: int) -> Any:
        return value[axis] if isinstance(value, (tuple, list)) else value

    sizes: list[int] = []
    for axis, length in enumerate(spatial):
        pad, k = per_dim(padding, axis), per_dim(kernel, axis)
        s, d = per_dim(stride, axis), per_dim(dilation, axis)
        if pad == "same":
            sizes.append(length)
            continue
        pad = 0 if pad == "valid" else pad
        if not all(isinstance(v, int) for v in (pad, k, s, d)) or s <= 0:
            return None
        sizes.append(max(0, (length + 2 * pad - d * (k - 1) - 1) // s + 1))
    return batch * out_channels * numel(sizes)


def _conv_function(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.conv1d/conv2d(input, weight, bias, stride, padding, dilation, groups)."""
    names = ("input", "weight", "bias", "stride", "padding", "dilation")
    values = dict(zip(names, args, strict=False)) | kwargs
    weight = shape_of(values.get("weight"))
    if not weight or len(weight) < 3:
        return None
    return conv_numel(
        shape_of(values.get("input")),
        weight[0],
        tuple(weight[2:]),
        values.get("stride", 1),
        values.get("padding", 0),
        values.get("dilation", 1),
    )


def _numpy_size_at(index: int) -> Estimator:
    """numpy.random.normal(loc, scale, size) and friends: ``size`` by keyword or position."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        size = kwargs.get("size", args[index] if len(args) > index else None)
        if size is None:
            return None
        shape = _size_from((size,))
        return numel(shape) if shape is not None else None

    return estimate


def _permutation(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    value = args[0] if args else kwargs.get("x", kwargs.get("n"))
    return int(value) if isinstance(value, (int, np.integer)) else None


def _make_dataset(features: int) -> Estimator:
    """sklearn.datasets.make_*: n_samples rows of n_features (+ a target)."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        samples = args[0] if args else kwargs.get("n_samples", 100)
        width = args[1] if len(args) > 1 else kwargs.get("n_features", features)
        if isinstance(samples, (tuple, list)):
            samples = sum(v for v in samples if isinstance(v, int))
        if not isinstance(samples, int) or not isinstance(width, int):
            return None
        return samples * (width + 1)

    return estimate


# ----- creators and layers of the wider surface (policy.py): sizes given by their arguments ---


def _arguments(names: Sequence[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict:
    """Arguments by parameter name, for functions whose signature is ``names``."""
    return dict(zip(names, args, strict=False)) | kwargs


def _ints(value: Any, count: int) -> tuple[int, ...] | None:
    """An int or a sequence of ints as ``count`` ints (kernel sizes, strides, paddings)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * count
    if (
        isinstance(value, (tuple, list, torch.Size))
        and len(value) == count
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return tuple(int(v) for v in value)
    return None


def _range(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """torch.range(start, end, step) includes its end: one more than arange."""
    count = _arange(args, kwargs)
    return None if count is None else count + 1


def _triangle_indices(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("row", "col"), args, kwargs)
    row, col = values.get("row"), values.get("col")
    if not isinstance(row, int) or not isinstance(col, int):
        return None
    return 2 * max(0, row) * max(0, col)


def _vander(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("x", "N"), args, kwargs)
    shape = shape_of(values.get("x"))
    columns = values.get("N")
    if shape is None:
        return None
    rows = numel(shape)
    if columns is None:
        columns = shape[-1] if shape else 1
    return rows * columns if isinstance(columns, int) else None


def _cartesian_prod(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shapes = [shape_of(a) for a in args]
    if not shapes or any(s is None for s in shapes):
        return None
    return math.prod(numel(s) for s in shapes) * len(shapes)  # type: ignore[arg-type]


def _meshgrid(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    shapes = [shape_of(a) for a in items]
    if not shapes or any(s is None for s in shapes):
        return None
    return math.prod(numel(s) for s in shapes)  # type: ignore[arg-type]


def _combinations(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "r", "with_replacement"), args, kwargs)
    shape = shape_of(values.get("input"))
    r = values.get("r", 2)
    if shape is None or not isinstance(r, int) or r < 0:
        return None
    n = numel(shape)
    if values.get("with_replacement"):
        n += r - 1
    return math.comb(n, r) * r if n >= 0 else None


def _block_diag(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    rows = cols = 0
    for value in args:
        shape = shape_of(value)
        if shape is None or len(shape) > 2:
            return None
        shape = (1, 1) if not shape else (1, shape[0]) if len(shape) == 1 else shape
        rows += shape[0]
        cols += shape[1]
    return rows * cols


def _bincount(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """One bin per value up to the largest (read first, like one_hot), at least minlength."""
    values = _arguments(("input", "weights", "minlength"), args, kwargs)
    data, minlength = values.get("input"), values.get("minlength", 0)
    if not isinstance(minlength, int):
        return None
    if not isinstance(data, torch.Tensor) or data.numel() == 0:
        return minlength
    if data.is_floating_point() or data.is_complex() or data.dim() != 1:
        return minlength
    return max(minlength, int(data.max()) + 1)


def _histc(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    bins = _arguments(("input", "bins"), args, kwargs).get("bins", 100)
    return bins if isinstance(bins, int) else None


def _nonzero_static(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    size = kwargs.get("size")
    if shape is None or not isinstance(size, int):
        return None
    return size * max(1, len(shape))


def _diag_embed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "offset"), args, kwargs)
    shape = shape_of(values.get("input"))
    offset = values.get("offset", 0)
    if not shape or not isinstance(offset, int):
        return None
    side = shape[-1] + abs(offset)
    return numel(shape[:-1]) * side * side


def _diagflat(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "offset"), args, kwargs)
    shape = shape_of(values.get("input"))
    offset = values.get("offset", 0)
    if shape is None or not isinstance(offset, int):
        return None
    side = numel(shape) + abs(offset)
    return side * side


def _broadcast_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "size"), args, kwargs)
    shape = shape_of(values.get("input"))
    size = _size_from((values.get("size"),)) if values.get("size") is not None else None
    if size is None or shape is None:
        return None
    offset = len(size) - len(shape)
    return numel([shape[i - offset] if d == -1 and i >= offset else d for i, d in enumerate(size)])


def _unfold_copy(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "dimension", "size", "step"), args, kwargs)
    shape = shape_of(values.get("input"))
    dim, size, step = values.get("dimension"), values.get("size"), values.get("step")
    if not shape or not all(isinstance(v, int) for v in (dim, size, step)) or step <= 0:
        return None
    length = shape[dim] if -len(shape) <= dim < len(shape) else None
    if length is None or size > length:
        return None
    return numel(shape) // max(1, length) * ((length - size) // step + 1) * size


def _spatial(shape: tuple[int, ...] | None, count: int | None = None) -> tuple[int, ...] | None:
    """The spatial dimensions of an (N, C, *spatial) input."""
    if not shape or len(shape) < 3:
        return None
    return tuple(shape[2:]) if count is None or len(shape) - 2 == count else None


def interpolate_numel(
    shape: tuple[int, ...] | None, size: Any = None, scale_factor: Any = None
) -> int | None:
    """Elements of F.interpolate / nn.Upsample: N x C x the output size (or scaled input)."""
    spatial = _spatial(shape)
    if spatial is None or shape is None:
        return None
    if size is not None:
        out = _ints(size, len(spatial))
        return None if out is None else shape[0] * shape[1] * numel(out)
    if isinstance(scale_factor, (int, float)) and not isinstance(scale_factor, bool):
        factors: Sequence[Any] = (scale_factor,) * len(spatial)
    elif isinstance(scale_factor, (tuple, list)) and len(scale_factor) == len(spatial):
        factors = scale_factor
    else:
        return None
    if not all(isinstance(f, (int, float)) and math.isfinite(f) for f in factors):
        return None
    return (
        shape[0]
        * shape[1]
        * math.prod(max(0, math.floor(d * f)) for d, f in zip(spatial, factors, strict=True))
    )


def _interpolate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "size", "scale_factor"), args, kwargs)
    return interpolate_numel(
        shape_of(values.get("input")), values.get("size"), values.get("scale_factor")
    )


def transposed_conv_numel(
    shape: tuple[int, ...] | None,
    out_channels: int,
    kernel: Any,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
) -> int | None:
    """Elements of a transposed convolution's output: (L-1)s - 2p + d(k-1) + op + 1 a dim."""
    if not shape or len(shape) < 2:
        return None
    spatial = shape[2:] if len(shape) >= 3 else shape[1:]
    batch = shape[0] if len(shape) >= 3 else 1
    n = len(spatial)
    k, s, p = _ints(kernel, n), _ints(stride, n), _ints(padding, n)
    op, d = _ints(output_padding, n), _ints(dilation, n)
    if k is None or s is None or p is None or op is None or d is None:
        return None
    sizes = [
        max(0, (length - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1)
        for i, length in enumerate(spatial)
    ]
    return batch * out_channels * numel(sizes)


def _conv_transpose_function(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.conv_transpose1d/2d/3d(input, weight, bias, stride, padding, output_padding, groups,
    dilation): weight is (C_in, C_out / groups, *kernel)."""
    names = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups",
             "dilation")  # fmt: skip
    values = _arguments(names, args, kwargs)
    weight = shape_of(values.get("weight"))
    groups = values.get("groups", 1)
    if not weight or len(weight) < 3 or not isinstance(groups, int):
        return None
    return transposed_conv_numel(
        shape_of(values.get("input")),
        weight[1] * groups,
        tuple(weight[2:]),
        values.get("stride", 1),
        values.get("padding", 0),
        values.get("output_padding", 0),
        values.get("dilation", 1),
    )


def _unfold_function(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.unfold (im2col): N x C*prod(kernel) x the number of blocks."""
    names = ("input", "kernel_size", "dilation", "padding", "stride")
    values = _arguments(names, args, kwargs)
    shape = shape_of(values.get("input"))
    spatial = _spatial(shape, 2)
    if spatial is None or shape is None:
        return None
    k = _ints(values.get("kernel_size"), 2)
    d, p = _ints(values.get("dilation", 1), 2), _ints(values.get("padding", 0), 2)
    s = _ints(values.get("stride", 1), 2)
    if k is None or d is None or p is None or s is None or min(s) <= 0:
        return None
    blocks = math.prod(
        max(0, (spatial[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1) for i in range(2)
    )
    return shape[0] * shape[1] * numel(k) * blocks


def _fold_function(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """F.fold (col2im): N x C x output_size, with C = input channels / prod(kernel)."""
    values = _arguments(("input", "output_size", "kernel_size"), args, kwargs)
    shape = shape_of(values.get("input"))
    out, k = _ints(values.get("output_size"), 2), _ints(values.get("kernel_size"), 2)
    if not shape or len(shape) < 2 or out is None or k is None or numel(k) == 0:
        return None
    batch, channels = (shape[0], shape[1]) if len(shape) == 3 else (1, shape[0])
    return batch * max(1, channels // numel(k)) * numel(out)


def _affine_grid(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    size = _arguments(("theta", "size"), args, kwargs).get("size")
    dims = _size_from((size,)) if size is not None else None
    if dims is None or len(dims) < 3:
        return None
    return dims[0] * numel(dims[2:]) * len(dims[2:])


def _grid_sample(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("input", "grid"), args, kwargs)
    shape, grid = shape_of(values.get("input")), shape_of(values.get("grid"))
    if not shape or not grid or len(shape) < 2 or len(grid) < 3:
        return None
    return shape[0] * shape[1] * numel(grid[1:-1])


def _attention(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """scaled_dot_product_attention builds the (..., L, S) weights (and the (..., L, Ev) output)."""
    values = _arguments(("query", "key", "value"), args, kwargs)
    query, key = shape_of(values.get("query")), shape_of(values.get("key"))
    value = shape_of(values.get("value"))
    if not query or not key or len(query) < 2 or len(key) < 2:
        return None
    batch = max(numel(query[:-2]), numel(key[:-2]))
    width = value[-1] if value else query[-1]
    return batch * query[-2] * max(key[-2], width)


def _max_unpool(dims: int) -> Estimator:
    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        names = ("input", "indices", "kernel_size", "stride", "padding", "output_size")
        values = _arguments(names, args, kwargs)
        return unpool_numel(
            shape_of(values.get("input")),
            dims,
            values.get("kernel_size"),
            values.get("stride"),
            values.get("padding", 0),
            values.get("output_size"),
        )

    return estimate


def unpool_numel(
    shape: tuple[int, ...] | None,
    dims: int,
    kernel: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> int | None:
    if not shape or len(shape) < dims + 1:
        return None
    lead = numel(shape[:-dims])
    if output_size is not None:
        out = _size_from((output_size,))
        return None if out is None else lead * numel(out[-dims:])
    k = _ints(kernel, dims)
    s = _ints(stride if stride is not None else kernel, dims)
    p = _ints(padding, dims)
    if k is None or s is None or p is None:
        return None
    sizes = [(shape[-dims + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(dims)]
    return lead * numel(sizes)


def _pad_packed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """pad_packed_sequence(sequence, batch_first, padding_value, total_length)."""
    values = _arguments(("sequence", "batch_first", "padding_value", "total_length"), args, kwargs)
    total, sequence = values.get("total_length"), values.get("sequence")
    if not isinstance(total, int) or not isinstance(sequence, tuple) or len(sequence) < 2:
        return None
    data, batch_sizes = sequence[0], sequence[1]
    if not isinstance(data, torch.Tensor) or not isinstance(batch_sizes, torch.Tensor):
        return None
    if batch_sizes.numel() == 0:
        return None
    return total * int(batch_sizes[0]) * numel(data.shape[1:])


def _conv_params(dims: int) -> Estimator:
    """Conv/ConvTranspose layers: in x out x the kernel's elements."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        values = _arguments(("in_channels", "out_channels", "kernel_size"), args, kwargs)
        size_in, size_out = values.get("in_channels"), values.get("out_channels")
        kernel = _ints(values.get("kernel_size"), dims)
        if not isinstance(size_in, int) or not isinstance(size_out, int) or kernel is None:
            return None
        return size_in * size_out * numel(kernel)

    return estimate


def _cell(gates: int) -> Estimator:
    """RNNCell, GRUCell, LSTMCell: gates x hidden x (input + hidden)."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        values = _arguments(("input_size", "hidden_size"), args, kwargs)
        size_in, hidden = values.get("input_size"), values.get("hidden_size")
        if not isinstance(size_in, int) or not isinstance(hidden, int):
            return None
        return gates * hidden * (size_in + hidden)

    return estimate


def _transformer(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    names = ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward")
    values = _arguments(names, args, kwargs)
    d = values.get("d_model", 512)
    encoders = values.get("num_encoder_layers", 6)
    decoders = values.get("num_decoder_layers", 6)
    feedforward = values.get("dim_feedforward", 2048)
    if not all(isinstance(v, int) for v in (d, encoders, decoders, feedforward)):
        return None
    layer = 4 * d * d + 2 * d * feedforward
    return encoders * layer + decoders * (layer + 4 * d * d)


def _decoder_layer(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    values = _arguments(("d_model", "nhead", "dim_feedforward"), args, kwargs)
    d, feedforward = values.get("d_model"), values.get("dim_feedforward", 2048)
    if not isinstance(d, int) or not isinstance(feedforward, int):
        return None
    return 8 * d * d + 2 * d * feedforward


def _normalized_shape(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """LayerNorm / RMSNorm(normalized_shape): a weight (and bias) of that shape."""
    value = args[0] if args else kwargs.get("normalized_shape")
    size = _size_from((value,)) if value is not None else None
    return numel(size) if size else None


def _square(index: int, keyword: str) -> Estimator:
    """An n x n result (Transformer.generate_square_subsequent_mask(sz))."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        value = kwargs.get(keyword, args[index] if len(args) > index else None)
        return int(value) ** 2 if isinstance(value, int) and not isinstance(value, bool) else None

    return estimate


def _pdist(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """pdist of N rows: N(N-1)/2 distances."""
    shape = shape_of(args[0]) if args else shape_of(kwargs.get("input"))
    if not shape or len(shape) != 2:
        return None
    return shape[0] * (shape[0] - 1) // 2


def _histogramdd(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    bins = _arguments(("input", "bins"), args, kwargs).get("bins", 10)
    shape = shape_of(args[0]) if args else None
    if isinstance(bins, int) and shape:
        return bins ** shape[-1]
    if isinstance(bins, (list, tuple)) and all(isinstance(b, int) for b in bins):
        return math.prod(bins)
    return None


def _cell_base(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """RNNCellBase(input_size, hidden_size, bias, num_chunks)."""
    values = _arguments(("input_size", "hidden_size", "bias", "num_chunks"), args, kwargs)
    chunks = values.get("num_chunks")
    if not isinstance(chunks, int):
        return None
    return _cell(chunks)(args[:2], {k: v for k, v in kwargs.items() if k != "num_chunks"})


def _hessian(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """autograd.functional.hessian(func, inputs): a square of the inputs' elements."""
    inputs = args[1] if len(args) > 1 else kwargs.get("inputs")
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    shapes = [shape_of(v) for v in items]
    if not shapes or any(s is None for s in shapes):
        return None
    total = sum(numel(s) for s in shapes)  # type: ignore[arg-type]
    return total * total


def _first_int(keyword: str, index: int = 0) -> Estimator:
    """Layers whose parameters are as many as one size argument (BatchNorm, GroupNorm...)."""

    def estimate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        value = kwargs.get(keyword, args[index] if len(args) > index else None)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    return estimate


# ----- layers: the output of calling one (its forward), by the layer's type ---------------------

ModuleEstimator = Callable[[nn.Module, tuple[Any, ...], dict[str, Any]], int | None]


def _rows(args: tuple[Any, ...], width: int) -> int | None:
    shape = shape_of(args[0]) if args else None
    if not shape or not width:
        return None
    return numel(shape) // width


def _linear_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    rows = _rows(args, module.in_features)
    return None if rows is None else rows * module.out_features


def _bilinear_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    rows = _rows(args, module.in1_features)
    return None if rows is None else rows * module.out_features


def _embedding_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    return None if shape is None else numel(shape) * module.embedding_dim


def _conv_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    shape = shape_of(args[0]) if args else None
    return conv_numel(
        shape,
        module.out_channels,
        module.kernel_size,
        module.stride,
        module.padding,
        module.dilation,
    )


def _recurrent_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    rows = _rows(args, module.input_size)
    directions = 2 if module.bidirectional else 1
    return None if rows is None else rows * module.hidden_size * directions


def _attention_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """The attention weights: batch x heads x target length x source length."""
    query = shape_of(args[0]) if args else shape_of(kwargs.get("query"))
    key = shape_of(args[1]) if len(args) > 1 else shape_of(kwargs.get("key"))
    if not query or not key or len(query) < 2:
        return None
    seq_axis = 1 if getattr(module, "batch_first", False) and len(query) == 3 else 0
    batch = query[1 - seq_axis] if len(query) == 3 else 1
    return batch * module.num_heads * query[seq_axis] * key[seq_axis]


def _encoder_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    source = args[0] if args else kwargs.get("src")
    attention = _attention_layer(module.self_attn, (source, source), {})
    rows = _rows((source,), module.linear1.in_features)
    if attention is None or rows is None:
        return attention
    return max(attention, rows * module.linear1.out_features)


def _encoder(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    layers = getattr(module, "layers", None)
    if not layers:
        return None
    return _encoder_layer(layers[0], args, kwargs)


def _conv_transpose_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    return transposed_conv_numel(
        shape_of(args[0]) if args else None,
        module.out_channels,
        module.kernel_size,
        module.stride,
        module.padding,
        module.output_padding,
        module.dilation,
    )


def _upsample_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    return interpolate_numel(shape_of(args[0]) if args else None, module.size, module.scale_factor)


def _unfold_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    return _unfold_function(
        (args[0] if args else None, module.kernel_size, module.dilation, module.padding,
         module.stride),
        {},
    )  # fmt: skip


def _fold_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    return _fold_function((args[0] if args else None, module.output_size, module.kernel_size), {})


def _unpool_layer(dims: int) -> ModuleEstimator:
    def estimate(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        output_size = args[2] if len(args) > 2 else kwargs.get("output_size")
        return unpool_numel(
            shape_of(args[0]) if args else None, dims, module.kernel_size, module.stride,
            module.padding, output_size,
        )  # fmt: skip

    return estimate


def _lazy_linear_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """LazyLinear's first call allocates out x in weights, in being the input's last size."""
    shape = shape_of(args[0]) if args else None
    if not shape:
        return None
    return max(module.out_features * shape[-1], numel(shape[:-1]) * module.out_features)


def _lazy_conv_layer(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """A lazy convolution's first call allocates in x out x kernel weights, in being the
    input's channels; then it is an ordinary convolution."""
    shape = shape_of(args[0]) if args else None
    if not shape or len(shape) < 2:
        return None
    channels = shape[1] if len(shape) == len(module.kernel_size) + 2 else shape[0]
    weights = channels * module.out_channels * numel(module.kernel_size)
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        out = transposed_conv_numel(
            shape, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.output_padding, module.dilation,
        )  # fmt: skip
    else:
        out = conv_numel(
            shape, module.out_channels, module.kernel_size, module.stride, module.padding,
            module.dilation,
        )  # fmt: skip
    return max(weights, out or 0)


MODULE_ESTIMATORS: dict[type, ModuleEstimator] = {
    nn.Conv3d: _conv_layer,
    nn.ConvTranspose1d: _conv_transpose_layer,
    nn.ConvTranspose2d: _conv_transpose_layer,
    nn.ConvTranspose3d: _conv_transpose_layer,
    nn.Upsample: _upsample_layer,
    nn.UpsamplingNearest2d: _upsample_layer,
    nn.UpsamplingBilinear2d: _upsample_layer,
    nn.Unfold: _unfold_layer,
    nn.Fold: _fold_layer,
    nn.MaxUnpool1d: _unpool_layer(1),
    nn.MaxUnpool2d: _unpool_layer(2),
    nn.MaxUnpool3d: _unpool_layer(3),
    nn.LazyLinear: _lazy_linear_layer,
    nn.LazyConv1d: _lazy_conv_layer,
    nn.LazyConv2d: _lazy_conv_layer,
    nn.LazyConv3d: _lazy_conv_layer,
    nn.LazyConvTranspose1d: _lazy_conv_layer,
    nn.LazyConvTranspose2d: _lazy_conv_layer,
    nn.LazyConvTranspose3d: _lazy_conv_layer,
    nn.EmbeddingBag: _embedding_layer,
    nn.Linear: _linear_layer,
    nn.Bilinear: _bilinear_layer,
    nn.Embedding: _embedding_layer,
    nn.Conv1d: _conv_layer,
    nn.Conv2d: _conv_layer,
    nn.RNN: _recurrent_layer,
    nn.LSTM: _recurrent_layer,
    nn.GRU: _recurrent_layer,
    nn.MultiheadAttention: _attention_layer,
    nn.TransformerEncoderLayer: _encoder_layer,
    nn.TransformerEncoder: _encoder,
}


def _build_table() -> dict[int, Estimator]:
    table: dict[Any, Estimator] = {}
    for fn in (torch.zeros, torch.ones, torch.empty, torch.rand, torch.randn):
        table[fn] = _first_sized
    table[torch.full] = _first_sized
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
    joins = (torch.cat, torch.concat, torch.concatenate, torch.stack, torch.hstack, torch.vstack,
             torch.dstack, np.concatenate, np.stack, np.hstack, np.vstack)  # fmt: skip
    for fn in joins:
        table[fn] = _sum_of_inputs
    for fn in (torch.kron, torch.outer, torch.ger, np.outer):
        table[fn] = _product_of_inputs
    for fn in (torch.matmul, torch.mm, torch.bmm, np.matmul, np.dot, torch.tensordot):
        table[fn] = _matmul
    table[torch.repeat_interleave] = _repeat_interleave
    table[F.one_hot] = _one_hot_inferred
    table[F.pad] = _pad
    table[torch.diag] = _diag
    table[torch.cdist] = _cdist
    table[torch.inner] = _inner
    table[np.inner] = _inner
    table[torch.tensordot] = _tensordot
    table[torch.addmm] = _add_product
    table[torch.baddbmm] = _add_product
    table[torch.randperm] = _steps(0, "n")
    table[torch.normal] = _size_anywhere
    table[torch.randint] = _size_anywhere
    table[torch.multinomial] = _multinomial
    table[F.linear] = _linear
    table[F.embedding] = _embedding_lookup
    table[F.conv1d] = _conv_function
    table[F.conv2d] = _conv_function
    table[np.identity] = _eye
    table[np.ndarray] = _first_sized
    for fn in (np.random.normal, np.random.uniform, np.random.randint):
        table[fn] = _numpy_size_at(2)
    table[np.random.random] = _numpy_size_at(0)
    table[np.random.choice] = _numpy_size_at(1)
    table[np.random.permutation] = _permutation
    with contextlib.suppress(ImportError):  # a dependency, but stay usable without it
        from sklearn import datasets

        table[datasets.make_regression] = _make_dataset(100)
        table[datasets.make_classification] = _make_dataset(20)
        for fn in (datasets.make_moons, datasets.make_circles, datasets.make_blobs):
            table[fn] = _make_dataset(2)
    table[nn.Linear] = _layer(0, 1)
    table[nn.Bilinear] = _layer(0, 1, 2)
    table[nn.Embedding] = _layer(0, 1)
    table[nn.Conv1d] = _conv
    table[nn.Conv2d] = _conv
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        table[cls] = _recurrent
    table[nn.TransformerEncoderLayer] = _transformer_layer
    table[nn.MultiheadAttention] = _layer(0, 0)  # four embed_dim x embed_dim projections
    _wider_surface(table)
    return {id(key): value for key, value in table.items()}


def _wider_surface(table: dict[Any, Estimator]) -> None:
    """Creators and layers of the surface policy.py opens, whose size their arguments give."""
    from torch.nn.utils import rnn

    table[torch.range] = _range
    table[torch.tril_indices] = _triangle_indices
    table[torch.triu_indices] = _triangle_indices
    for fn in (torch.hann_window, torch.hamming_window, torch.blackman_window,
               torch.bartlett_window, torch.kaiser_window):  # fmt: skip
        table[fn] = _steps(0, "window_length")
    table[torch.vander] = _vander
    table[torch.linalg.vander] = _vander
    table[torch.cartesian_prod] = _cartesian_prod
    table[torch.meshgrid] = _meshgrid
    table[torch.combinations] = _combinations
    table[torch.block_diag] = _block_diag
    table[torch.bincount] = _bincount
    table[torch.histc] = _histc
    table[torch.nonzero_static] = _nonzero_static
    table[torch.diag_embed] = _diag_embed
    table[torch.diagflat] = _diagflat
    table[torch.broadcast_to] = _broadcast_to
    table[torch.tile] = _repeat_method
    table[torch.unfold_copy] = _unfold_copy
    for fn in (F.interpolate, F.upsample, F.upsample_nearest, F.upsample_bilinear):
        table[fn] = _interpolate
    for fn in (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d):
        table[fn] = _conv_transpose_function
    table[F.conv3d] = _conv_function
    table[F.unfold] = _unfold_function
    table[F.fold] = _fold_function
    table[F.affine_grid] = _affine_grid
    table[F.grid_sample] = _grid_sample
    table[F.scaled_dot_product_attention] = _attention
    table[F.max_unpool1d] = _max_unpool(1)
    table[F.max_unpool2d] = _max_unpool(2)
    table[F.max_unpool3d] = _max_unpool(3)
    table[rnn.pad_packed_sequence] = _pad_packed
    for cls, dims in ((nn.Conv3d, 3), (nn.ConvTranspose1d, 1), (nn.ConvTranspose2d, 2),
                      (nn.ConvTranspose3d, 3)):  # fmt: skip
        table[cls] = _conv_params(dims)
    table[nn.RNNCell] = _cell(1)
    table[nn.GRUCell] = _cell(3)
    table[nn.LSTMCell] = _cell(4)
    table[nn.EmbeddingBag] = _layer(0, 1)
    table[nn.Transformer] = _transformer
    table[nn.TransformerDecoderLayer] = _decoder_layer
    table[nn.LayerNorm] = _normalized_shape
    table[nn.RMSNorm] = _normalized_shape
    for cls in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d,
                nn.InstanceNorm2d, nn.InstanceNorm3d):  # fmt: skip
        table[cls] = _first_int("num_features")
    table[nn.GroupNorm] = _first_int("num_channels", 1)
    table[nn.PReLU] = _first_int("num_parameters")
    table[nn.AdaptiveLogSoftmaxWithLoss] = _layer(0, 1)
    table[nn.Transformer.generate_square_subsequent_mask] = _square(0, "sz")
    table[torch.expand_copy] = _expand_method
    table[torch.pdist] = _pdist
    table[F.pdist] = _pdist
    table[torch.histogramdd] = _histogramdd
    table[nn.RNNBase] = _recurrent
    table[nn.RNNCellBase] = _cell_base
    table[torch.autograd.functional.hessian] = _hessian


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
    "diag": _diag,
    "inner": _inner,
    "addmm": _add_product,
    "bincount": _bincount,
    "histc": _histc,
    "diag_embed": _diag_embed,
    "broadcast_to": _broadcast_to,
    "nonzero_static": _nonzero_static,
}


def estimate_call(func: Any, method_name: str | None, args: tuple, kwargs: dict) -> int | None:
    """Elements the call will produce, when known, else the size of broadcasting its inputs."""
    owner = getattr(func, "__self__", None)
    if isinstance(owner, nn.Module) and getattr(func, "__name__", None) == "forward":
        func = owner  # layer.forward(x) is layer(x)
    if method_name is not None:
        estimator = METHOD_ESTIMATORS.get(method_name)
    elif isinstance(func, nn.Module) and type(func) in MODULE_ESTIMATORS:
        module_estimator = MODULE_ESTIMATORS[type(func)]

        def estimator(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
            return module_estimator(func, args, kwargs)
    else:
        estimator = FUNCTION_ESTIMATORS.get(id(func))
    if estimator is not None:
        try:
            result = estimator(args, kwargs)
        except (TypeError, ValueError, OverflowError, AttributeError, IndexError, RuntimeError):
            result = None
        if result is not None:
            return result
    if len(args) + len(kwargs) < 2:
        return None  # broadcasting needs two inputs
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, _ARRAYS)]
    if len(tensors) >= 2:
        return broadcast_numel(tensors)
    return None


# ----- text: the length of str()/repr() of a value, before Python builds it --------------------

_CONTAINERS = (list, tuple, dict, set, frozenset, collections.deque)
_COMPOSITE = (*_CONTAINERS, nn.Module, torch.Tensor, np.ndarray)


def text_length(value: Any, limit: int) -> int:
    """About how many characters ``repr(value)`` has, counting a shared object every time it is
    printed (``L = [L, L]`` thirty times prints 2**30 lists); saturates past ``limit``.

    Containers, modules and arrays are visited once each (memoised by id), so the cost is the
    number of distinct objects, never the length of the text.
    """
    if not isinstance(value, _COMPOSITE):
        return 0  # a scalar or a string: its text is about its own, already bounded, size
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
        from torch._tensor_str import PRINT_OPTS

        return 60 + 16 * min(item.numel(), int(PRINT_OPTS.threshold) + 1)
    if isinstance(item, np.ndarray):
        return 60 + 16 * min(item.size, 1_001)
    if isinstance(item, nn.Module):
        return 80
    return 24
