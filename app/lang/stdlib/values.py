"""Small helpers the stdlib modules share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from app.lang.errors import NotAllowed

if TYPE_CHECKING:
    from app.lang.host import Host


def register(interp: Host, value: Any) -> Any:
    """Let the program call ``value``, an object of ours made during the run."""
    interp.builtin_ids.add(id(value))
    interp.keep_alive.append(value)  # its id stays its own while the run lasts
    return value


def check_callback(interp: Host, value: Any) -> None:
    """Refuse, when it is handed over, a function the program could not call itself (a
    grad_fn Node): each later call goes through ``interp.call`` and is checked again."""
    try:
        interp.check_callable(value)
    except NotAllowed:
        name = getattr(value, "__name__", None)
        what = f"'{name}'" if isinstance(name, str) else f"a {type(value).__name__} object"
        raise NotAllowed(f"passing {what} as a function is not allowed") from None


def is_array(value: Any) -> bool:
    """A tensor or array of more than one element: arithmetic on it in C (a sum of weights,
    Counter's counts) would be work and memory the interpreter never sees."""
    if isinstance(value, torch.Tensor):
        return value.numel() > 1
    return isinstance(value, np.ndarray) and value.size > 1
