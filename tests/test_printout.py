"""The fast printout must be PyTorch's own printout, character for character."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.printout import tensor_text

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32,
          torch.int16, torch.int8, torch.uint8, torch.bool]  # fmt: skip

SPECIAL = [0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 1e-5, 1e9, 123456.0, 0.5]


@st.composite
def tensors(draw: st.DrawFn) -> torch.Tensor:
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.lists(st.integers(1, 7), min_size=0, max_size=4))
    numel = math.prod(shape)
    if dtype.is_floating_point:
        scale = draw(st.sampled_from([1e-6, 1e-3, 1.0, 10.0, 1e4, 1e10]))
        whole = draw(st.booleans())
        values = torch.randn(numel, dtype=torch.float64) * scale
        if whole:
            values = values.round()
        specials = draw(st.lists(st.sampled_from(SPECIAL), max_size=3))
        for i, special in enumerate(specials[:numel]):
            values[i] = special
        t = values.to(dtype).reshape(shape)
    elif dtype == torch.bool:
        t = torch.randint(0, 2, (numel,)).bool().reshape(shape)
    else:
        info = torch.iinfo(dtype)
        high = draw(st.sampled_from([2, 10, 1000, info.max]))
        low = max(info.min, -high)
        t = torch.randint(low, min(high, info.max), (numel,), dtype=torch.int64)
        t = t.to(dtype).reshape(shape)
    wrap = draw(st.sampled_from(["plain", "leaf", "op", "parameter"]))
    if dtype.is_floating_point and wrap == "leaf":
        t.requires_grad_(True)
    elif dtype.is_floating_point and wrap == "op":
        t = t.detach().requires_grad_(True) * 1
    elif dtype.is_floating_point and wrap == "parameter":
        t = torch.nn.Parameter(t)
    return t


@settings(max_examples=400, deadline=None)
@given(tensors())
def test_matches_pytorch_printout(t: torch.Tensor) -> None:
    assert tensor_text(t) == str(t)


@settings(max_examples=150, deadline=None)
@given(
    tensors(),
    st.integers(0, 8),
    st.sampled_from([20, 40, 80, 120]),
    st.sampled_from([None, True, False]),
)
def test_matches_under_print_options(
    t: torch.Tensor, precision: int, linewidth: int, sci_mode: bool | None
) -> None:
    options = {"precision": precision, "linewidth": linewidth, "sci_mode": sci_mode}
    with torch._tensor_str.printoptions(**options):
        assert tensor_text(t) == str(t)


@pytest.mark.parametrize(
    "t",
    [
        torch.zeros(0),
        torch.zeros(2, 0),
        torch.randn(40, 40),  # summarised: past the threshold
        torch.tensor([1 + 2j, 3 - 1j]),
        torch.randn(3).neg().conj(),
        torch.randn(4).to_sparse(),
        torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True).neg(),
        torch.ones(3, 3).t(),
        torch.arange(10.0)[::3],
    ],
    ids=lambda t: f"{t.dtype}-{tuple(t.shape)}-{t.layout}",
)
def test_other_tensors_still_print_as_pytorch(t: torch.Tensor) -> None:
    assert tensor_text(t) == str(t)


def test_default_dtype_changes_the_suffix() -> None:
    torch.set_default_dtype(torch.float64)
    try:
        for t in (torch.tensor([1.5, 2.0]), torch.tensor([1.5], dtype=torch.float32)):
            assert tensor_text(t) == str(t)
    finally:
        torch.set_default_dtype(torch.float32)
