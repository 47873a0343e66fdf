"""Training runs described as JSON: validate (config), build (tables), train (loop), presets.

A plain library (torch, numpy, scikit-learn, pydantic); it never imports app.api or app.jobs.
Names are loaded on first use so that ``from app.training import TrainConfig`` in the web
process does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "app.training.config",
    "validate_config": "app.training.config",
    "train": "app.training.loop",
    "graph_step": "app.training.loop",
    "predict": "app.training.predict",
    "resolve_device": "app.training.build",
    "presets": "app.training.presets",
    "get_preset": "app.training.presets",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'app.training' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
