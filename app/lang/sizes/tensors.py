"""Estimators for the functions and methods of tensors and arrays: creation, products,
repeats and views, padding, convolution and recurrent functions, sampling, datasets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from app.lang.sizes.shapes import Estimator, batch_and_spatial, numel, shape_of


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
    split = batch_and_spatial(shape)
    if split is None:
        return None
    batch, spatial = split

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
