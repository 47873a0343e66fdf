"""app.lang.sizes: element counts worked out before torch allocates anything."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.lang.sizes import broadcast_numel

shapes = st.lists(st.sampled_from([0, 1, 1, 2, 3, 5]), max_size=4).map(tuple)
operands = st.one_of(
    st.sampled_from([1, 2.5, True]),
    shapes.map(torch.empty),
    shapes.map(np.empty),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(operands, min_size=1, max_size=3))
def test_broadcast_numel_agrees_with_numpy(values: list[object]) -> None:
    arrays = [tuple(v.shape) for v in values if isinstance(v, torch.Tensor | np.ndarray)]
    if not arrays:
        expected = None
    else:
        try:
            expected = int(np.prod(np.broadcast_shapes(*arrays)))
        except ValueError:  # not broadcastable: torch raises its own error later
            expected = None
    assert broadcast_numel(values) == expected
