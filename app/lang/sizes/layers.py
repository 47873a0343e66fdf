"""Estimators for calling a layer (an nn.Module) on its inputs, by the layer's class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from app.lang.sizes.shapes import numel, shape_of
from app.lang.sizes.tensors import conv_numel
from app.lang.sizes.wider import (
    _fold_function,
    _unfold_function,
    interpolate_numel,
    transposed_conv_numel,
    unpool_numel,
)

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
