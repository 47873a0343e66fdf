"""Using a trained model: predictions to draw after training, and predicting again later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from app.training.build import build_model, load_state, resolve_device
from app.training.config import TrainConfig, validate_config
from app.training.data import Dataset
from app.training.specs import REGRESSION_LOSSES


@torch.no_grad()
def forward(model: nn.Module, x: torch.Tensor) -> list[Any]:
    was_training = model.training
    model.eval()
    out: list[Any] = model(x).cpu().tolist()
    model.train(was_training)
    return out


@torch.no_grad()
def classes(cfg: TrainConfig, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    out: torch.Tensor = model(x)
    # bce_with_logits: a logit above 0 is a probability above 0.5.
    return out.argmax(dim=1) if cfg.loss.type == "cross_entropy" else (out > 0).long()


def accuracy(cfg: TrainConfig, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Any:
    if len(x) == 0:
        return None
    return (classes(cfg, model, x) == y).float().mean().item()


def _spread(n: int, k: int) -> np.ndarray:
    """Up to ``k`` row indices spread evenly over ``n`` rows (all of them when n <= k)."""
    return np.arange(n) if n <= k else np.unique(np.linspace(0, n - 1, k).round().astype(int))


@torch.no_grad()
def predictions(
    cfg: TrainConfig, model: nn.Module, data: Dataset, x: torch.Tensor, points: int
) -> dict[str, Any]:
    """What to draw after training, at most ``points`` points per series.

    1-feature regression, ``kind: "line"``: the fitted line over the data's x range, the true
    line of make_regression's ``coef`` and ``bias`` for synthetic data (``y_true``), and a sample
    of the data. Otherwise ``kind: "points"``: a sample of rows with targets ``y`` and
    predictions ``y_pred`` (class indices for classification), their inputs ``x`` only when there
    are 1 or 2 features (more cannot be drawn, and 200 rows of 100 features weigh 400 kB), and
    for 2-feature classification a ``grid`` of predicted classes for the decision regions.
    """
    model.eval()
    rows = _spread(len(x), points)
    sample = {"x": data.x[rows].tolist(), "y": data.y[rows].tolist()}
    if cfg.loss.type in REGRESSION_LOSSES and x.shape[1] == 1 and data.y.size == len(x):
        line = torch.linspace(float(x.min()), float(x.max()), points, device=x.device)
        result = {"kind": "line", "x": line.tolist(), "y_pred": model(line[:, None])[:, 0].tolist()}
        if data.coef is not None:
            xs = line.double().cpu().numpy()
            result["y_true"] = (xs * float(np.ravel(data.coef)[0]) + (data.bias or 0.0)).tolist()
        return {**result, "data": sample}
    chosen = x[torch.as_tensor(rows, device=x.device)]
    regression = cfg.loss.type in REGRESSION_LOSSES
    y_pred = model(chosen) if regression else classes(cfg, model, chosen)
    if y_pred.numel() == len(rows) and data.y.ndim == 1:
        y_pred = y_pred.reshape(-1)  # one output per row: shaped like the flat targets
    result = {"kind": "points", **sample, "y_pred": y_pred.tolist()}
    if x.shape[1] > 2:
        del result["x"]
    elif x.shape[1] == 2 and not regression:
        result["grid"] = _grid(cfg, model, x, int(points**0.5))
    if data.class_names:
        result["class_names"] = data.class_names
    return result


def _grid(cfg: TrainConfig, model: nn.Module, x: torch.Tensor, side: int) -> dict[str, Any]:
    """Predicted classes on a side x side grid over the data's box, with a 5% margin."""
    axes = []
    for column in (x[:, 0], x[:, 1]):
        low, high = float(column.min()), float(column.max())
        pad = (high - low) * 0.05 or 0.5
        axes.append(torch.linspace(low - pad, high + pad, side, device=x.device))
    g0, g1 = torch.meshgrid(axes[0], axes[1], indexing="xy")  # rows follow x1, columns x0
    found = classes(cfg, model, torch.stack([g0.flatten(), g1.flatten()], dim=1))
    return {
        "x0": axes[0].tolist(),
        "x1": axes[1].tolist(),
        "y_pred": found.reshape(side, side).tolist(),
    }


def predict(
    config: TrainConfig | Mapping[str, Any],
    state: Mapping[str, Any],
    inputs: Sequence[Sequence[float]],
    *,
    device: str = "cpu",
) -> list[list[float]]:
    """Rebuild the model of ``config``, load ``state`` (the done event's params and buffers) and
    return its raw outputs (logits for classification) for ``inputs`` in eval mode."""
    cfg = validate_config(config)
    model = build_model(cfg.model)
    load_state(model, dict(state))
    x = torch.as_tensor(inputs, dtype=torch.float32)
    features = cfg.data.shape().features
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(f"inputs must be rows of {features} value(s), got shape {list(x.shape)}")
    return forward(model.to(resolve_device(device)), x.to(resolve_device(device)))
