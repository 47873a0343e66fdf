"""PyTorch's printout of a tensor (``str(t)``), character for character, at a fraction of the cost.

PyTorch's printer formats every element twice through a 0-d tensor (``Tensor.__format__``), about
2 µs an element plus ~140 µs a call, which made printouts the slowest part of a response. Here
the same rules (torch/_tensor_str.py: ``_Formatter``, ``_vector_str``,
``_tensor_str_with_formatter``) run on a numpy copy with plain Python floats, under the current
``torch.set_printoptions``; the prefix and the suffixes (``requires_grad=True``, ``grad_fn=<...>``,
``dtype=...``, ``device=...``) still come from PyTorch itself via
``Tensor.__repr__(tensor_contents=...)``.

Only the common case takes this path: a plain ``Tensor`` or ``Parameter``, strided, on the CPU or
a CUDA device, of a real dtype, not empty and under the summarising threshold. Anything else
(complex, sparse, nested, quantized, summarised, subclasses) gets ``str(t)`` as before.
tests/test_printout.py compares the two over random tensors and print options.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch._tensor_str import PRINT_OPTS

# Real dtypes whose values numpy holds (bfloat16 as float32, which has every bfloat16 exactly).
_FAST_DTYPES = frozenset(
    {torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool, torch.uint8,
     torch.int8, torch.int16, torch.int32, torch.int64}
)  # fmt: skip


def tensor_text(t: torch.Tensor) -> str:
    """``str(t)``: PyTorch's own printout, computed quickly where the rules allow."""
    try:
        contents = _fast_contents(t)
    except Exception:  # a case this module did not foresee: PyTorch's printer decides
        contents = None
    if contents is None:
        return str(t)
    # tensor_contents is a keyword of PyTorch's __repr__ that its type hints leave out.
    text: str = torch.Tensor.__repr__(t, tensor_contents=contents)  # type: ignore[call-arg,no-untyped-call]
    if type(t) is torch.nn.Parameter:
        return "Parameter containing:\n" + text
    return text


def _fast_contents(t: torch.Tensor) -> str | None:
    """The bracketed numbers of the printout, or None when this module does not handle ``t``."""
    if (
        type(t) not in (torch.Tensor, torch.nn.Parameter)
        or t.dtype not in _FAST_DTYPES
        or t.layout != torch.strided
        or t.is_nested
        or t.is_quantized
        or t.device.type not in ("cpu", "cuda")
        or not 0 < t.numel() <= PRINT_OPTS.threshold
        or not PRINT_OPTS.edgeitems
    ):
        return None
    data = t.detach()
    if data.dtype == torch.bfloat16:
        data = data.float()
    array = data.cpu().resolve_neg().numpy().reshape(-1)
    if t.dtype.is_floating_point:
        cells, width = _float_cells(array)
    else:
        cells = list(map(str, array.tolist()))
        width = max(map(len, cells))
    cells = [cell.rjust(width) for cell in cells]
    return _layout(cells, list(t.shape), width, len("tensor("))


def _float_cells(array: np.ndarray) -> tuple[list[str], int]:
    """Each float as PyTorch's ``_Formatter`` writes it (unpadded), and the column width.

    The formatter picks its mode from the finite non-zero values: whole numbers print as
    ``2.``, a spread over 1000x (or values past 1e8 or under 1e-4) in scientific notation, the
    rest with ``precision`` decimals. The width is the longest of those values' texts.
    """
    precision = PRINT_OPTS.precision
    measured = np.isfinite(array) & (array != 0)
    finite = array[measured]
    values = array.tolist()  # Python floats: the numbers PyTorch's printer formats
    if finite.size == 0:
        return list(map(_whole_number, values)), 1
    magnitudes = np.abs(finite).astype(np.float64)
    smallest, largest = float(magnitudes.min()), float(magnitudes.max())
    sci_mode = PRINT_OPTS.sci_mode
    if sci_mode is None:
        sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
    if sci_mode:
        cells = list(map(f"{{:.{precision}e}}".format, values))
    elif bool(np.all(finite == np.ceil(finite))):
        cells = list(map(_whole_number, values))
    else:
        cells = list(map(f"{{:.{precision}f}}".format, values))
    width = max(len(cell) for cell, counts in zip(cells, measured.tolist(), strict=True) if counts)
    return cells, width


def _whole_number(value: float) -> str:
    text = f"{value:.0f}"
    return text if math.isinf(value) or math.isnan(value) else text + "."


def _layout(cells: list[str], shape: list[int], width: int, indent: int) -> str:
    """Nest the formatted cells as ``_tensor_str_with_formatter`` does, wrapping long rows."""
    if not shape:
        return cells[0]
    # Each level of nesting indents by one; rows are wrapped to fit the line at their depth.
    row_indent = indent + len(shape) - 1
    per_row = max(1, math.floor((PRINT_OPTS.linewidth - row_indent) / (width + 2)))
    row_break = ",\n" + " " * (row_indent + 1)

    def block(start: int, dims: list[int], depth_indent: int) -> str:
        if len(dims) == 1:
            row = cells[start : start + dims[0]]
            lines = [", ".join(row[i : i + per_row]) for i in range(0, len(row), per_row)]
            return "[" + row_break.join(lines) + "]"
        step = math.prod(dims[1:])
        parts = [block(start + i * step, dims[1:], depth_indent + 1) for i in range(dims[0])]
        separator = "," + "\n" * (len(dims) - 1) + " " * (depth_indent + 1)
        return "[" + separator.join(parts) + "]"

    return block(0, shape, indent)
