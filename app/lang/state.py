"""Process-wide torch and numpy state a program may change, restored when it ends.

Workers run many programs one after another; ``torch.set_default_dtype`` or ``no_grad`` left
over from one must never leak into the next.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch._tensor_str import PRINT_OPTS


@contextmanager
def isolated_global_state(device: str = "cpu") -> Iterator[None]:
    """Run a program with ``device`` as the default device; restore all global state after."""
    grad_enabled = torch.is_grad_enabled()
    anomaly = torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()
    default_dtype = torch.get_default_dtype()
    print_options = copy.copy(PRINT_OPTS.__dict__)
    numpy_print = np.get_printoptions()
    try:
        if device != "cpu":
            torch.set_default_device(device)
        yield
    finally:
        torch.set_grad_enabled(grad_enabled)
        torch.set_anomaly_enabled(*anomaly)
        torch.set_default_dtype(default_dtype)
        PRINT_OPTS.__dict__.update(print_options)
        np.set_printoptions(**numpy_print)
        if device != "cpu":
            # set_default_device installs a TorchFunctionMode that taxes every torch call;
            # None removes it again rather than pinning "cpu" through the same mode
            torch.set_default_device(None)
        reseed()


def reseed() -> None:
    """Fresh random seeds, so one program's ``manual_seed`` never fixes the next one's numbers."""
    seed = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
    # Not torch.manual_seed: on a host without an initialised GPU it queues a lazy CUDA call
    # that formats a stack trace each time, a millisecond a program for nothing.
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
        torch.cuda.manual_seed_all(seed)
    np.random.seed(seed % (2**32))
