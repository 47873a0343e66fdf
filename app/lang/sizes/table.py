"""Which estimator sizes which call, and the call that looks it up (estimate_call)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from app.lang.sizes.layers import MODULE_ESTIMATORS
from app.lang.sizes.shapes import _ARRAYS, Estimator, broadcast_numel
from app.lang.sizes.tensors import (
    _add_product,
    _arange,
    _cdist,
    _conv,
    _conv_function,
    _diag,
    _embedding_lookup,
    _expand_as_method,
    _expand_method,
    _eye,
    _first_sized,
    _inner,
    _layer,
    _linear,
    _make_dataset,
    _matmul,
    _multinomial,
    _new_sized,
    _numpy_size_at,
    _one_hot_inferred,
    _pad,
    _permutation,
    _product_of_inputs,
    _recurrent,
    _repeat_interleave,
    _repeat_method,
    _size_anywhere,
    _steps,
    _sum_of_inputs,
    _tensor_ctor,
    _tensordot,
    _transformer_layer,
)
from app.lang.sizes.wider import (
    _affine_grid,
    _attention,
    _bincount,
    _block_diag,
    _broadcast_to,
    _cartesian_prod,
    _cell,
    _cell_base,
    _combinations,
    _conv_params,
    _conv_transpose_function,
    _decoder_layer,
    _diag_embed,
    _diagflat,
    _first_int,
    _fold_function,
    _grid_sample,
    _hessian,
    _histc,
    _histogramdd,
    _interpolate,
    _max_unpool,
    _meshgrid,
    _nonzero_static,
    _normalized_shape,
    _pad_packed,
    _pdist,
    _range,
    _square,
    _transformer,
    _triangle_indices,
    _unfold_copy,
    _unfold_function,
    _vander,
)


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
    for fn in (torch.matmul, torch.mm, torch.bmm, np.matmul, np.dot):
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
