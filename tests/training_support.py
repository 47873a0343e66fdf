"""What the training tests share: one torch thread per test module, and preset configs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

from app.training.presets import get_preset


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny models run far faster on one thread, and the test machine's cores are shared.
    A test module turns it on by importing it."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def preset(preset_id: str, **changes: Any) -> dict[str, Any]:
    """The config of a preset with ``changes`` applied."""
    found = get_preset(preset_id)
    assert found is not None
    return {**found["config"], **changes}
