"""Estimators for the wider surface (app/lang/policy.py): ranges and index grids,
counting, interpolation, transposed convolution, folding, grids, attention, unpooling, cells."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from app.lang.sizes.shapes import Estimator, batch_and_spatial, numel, shape_of
from app.lang.sizes.tensors import _arange, _size_from

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
    split = batch_and_spatial(shape)
    if split is None:
        return None
    batch, spatial = split
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
