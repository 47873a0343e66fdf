"""Checked stand-ins for two torch functions whose danger is one unchecked assumption.

``torch.func.functional_call`` runs a module with tensors of the program's in place of its
parameters and buffers; PyTorch's layers hand those to kernels that trust the shapes they were
built with (an LSTM given a one-element weight reads past its end). The stand-in requires each
given tensor to match the one it replaces in shape, dtype and device, then calls PyTorch's.
Under ``vmap`` (per-sample gradients) a tensor's shape is its per-sample shape, so that works.

``torch.autograd.graph.saved_tensors_hooks`` lets the program's ``unpack`` hand backward a
tensor of its choosing for each saved one; backward kernels trust those too. The stand-in
remembers shape, dtype and device at ``pack`` and refuses an ``unpack`` that differs.

Both are in the tables (app/lang/surface.py) in place of PyTorch's own; app/lang/policy.py keeps
PyTorch's originals refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.func
from torch import nn

from app.lang.errors import NotAllowed


def _signature(t: torch.Tensor) -> tuple[Any, ...]:
    return tuple(t.shape), t.dtype, t.device


def functional_call(
    module: nn.Module,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``torch.func.functional_call``, the given tensors checked against the module's own."""
    if not isinstance(module, nn.Module):
        raise TypeError("functional_call expects a torch.nn.Module")
    dicts = (
        parameter_and_buffer_dicts
        if isinstance(parameter_and_buffer_dicts, (tuple, list))
        else (parameter_and_buffer_dicts,)
    )
    own: dict[str, torch.Tensor] = dict(module.named_parameters(remove_duplicate=False))
    own.update(module.named_buffers(remove_duplicate=False))
    for given in dicts:
        if not isinstance(given, Mapping):
            raise TypeError("functional_call expects a dict of tensors (or a tuple of dicts)")
        for name, value in given.items():
            current = own.get(name)
            if current is None:
                raise NotAllowed(f"functional_call: the module has no parameter or buffer '{name}'")
            if not isinstance(value, torch.Tensor) or _signature(value) != _signature(current):
                what = _signature(value) if isinstance(value, torch.Tensor) else type(value)
                raise NotAllowed(
                    f"functional_call: '{name}' must have the shape, dtype and device of the "
                    f"module's own {_signature(current)}, not {what}"
                )
    return torch.func.functional_call(
        module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights, strict=strict
    )


class saved_tensors_hooks(torch.autograd.graph.saved_tensors_hooks):
    """``torch.autograd.graph.saved_tensors_hooks``, unpack held to what was packed."""

    def __init__(self, pack_hook: Any, unpack_hook: Any):
        def pack(tensor: torch.Tensor) -> Any:
            return _signature(tensor), pack_hook(tensor)

        def unpack(packed: Any) -> Any:
            expected, value = packed
            result = unpack_hook(value)
            if not isinstance(result, torch.Tensor) or _signature(result) != expected:
                got = _signature(result) if isinstance(result, torch.Tensor) else type(result)
                raise NotAllowed(
                    "saved_tensors_hooks: unpack must give back a tensor of the saved one's "
                    f"shape, dtype and device {expected}, not {got}"
                )
            return result

        super().__init__(pack, unpack)


# Where each stand-in sits in the tables, in place of PyTorch's own.
STAND_INS: dict[str, Any] = {
    "torch.func.functional_call": functional_call,
    "torch.autograd.graph.saved_tensors_hooks": saved_tensors_hooks,
}
