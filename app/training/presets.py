"""Ready-made training configs: the seed tutorials' runs, reproduced, plus classification sets.

Served by ``GET /api/presets``. Each config is plain JSON that validates as a TrainConfig; the
tests train every preset and compare the seed ones with the tutorials' own code.
"""

from __future__ import annotations

import copy
from typing import Any

_X = [[1.0], [2.0], [3.0]]
_Y = [[2.0], [4.0], [6.0]]

_PRESETS: tuple[dict[str, Any], ...] = (
    {
        "id": "seed-000-w-times-x",
        "title": "y = w·x by hand-written SGD",
        "description": (
            "The backprop tutorial: one weight, no bias, w starts at 1; per-sample loss"
            " (w·x − y)² on x = 1, 2, 3 and y = 2, 4, 6; one SGD step (lr 0.01) per sample"
            " for 100 epochs. The loss shown is the epoch's last sample's, as the tutorial"
            " prints it. The prediction for x = 4 goes from 4 to about 8."
        ),
        "seed": "000",
        "config": {
            "model": {
                "layers": [
                    {
                        "type": "linear",
                        "in_features": 1,
                        "out_features": 1,
                        "bias": False,
                        "init": {"weight": [[1.0]]},
                    }
                ]
            },
            "data": {"x": _X, "y": _Y},
            "loss": {"type": "mse", "reduction": "mean"},
            "optimizer": {"type": "sgd", "lr": 0.01},
            "epochs": 100,
            "batch_size": 1,
            "shuffle": False,
            "seed": 0,
            "device": "auto",
            "report_loss": "last_batch",
            "predict_x": [[4.0]],
        },
    },
    {
        "id": "seed-003-linear-regression",
        "title": "Linear regression on make_regression",
        "description": (
            "The framework tour's last section: make_regression(n_samples=100, n_features=1,"
            " noise=10, bias=14.5, random_state=0), nn.Linear(1, 1), MSELoss, SGD lr 0.01,"
            " batches of 16 shuffled, 100 epochs; the fitted line is drawn against the true"
            " one. The loss shown is each epoch's mean (the tutorial's running total never"
            " resets, so its curve averages over all epochs so far)."
        ),
        "seed": "003",
        "config": {
            "model": {"layers": [{"type": "linear", "in_features": 1, "out_features": 1}]},
            "data": {
                "synthetic": {
                    "kind": "regression",
                    "n_samples": 100,
                    "n_features": 1,
                    "noise": 10.0,
                    "bias": 14.5,
                    "random_state": 0,
                }
            },
            "loss": {"type": "mse", "reduction": "mean"},
            "optimizer": {"type": "sgd", "lr": 0.01},
            "epochs": 100,
            "batch_size": 16,
            "shuffle": True,
            "seed": 0,
            "device": "auto",
        },
    },
    {
        "id": "seed-004-linear-model",
        "title": "LinearModel with MSELoss(reduction='sum')",
        "description": (
            "The linear-model tutorial's torch version: nn.Linear(1, 1) (here started at"
            " w = 1, b = 0 so every run is the same), MSELoss(reduction='sum'), SGD lr 0.01,"
            " the whole of x = 1, 2, 3 as one batch, 100 epochs, then predict x = 4."
        ),
        "seed": "004",
        "config": {
            "model": {
                "layers": [
                    {
                        "type": "linear",
                        "in_features": 1,
                        "out_features": 1,
                        "init": {"weight": [[1.0]], "bias": [0.0]},
                    }
                ]
            },
            "data": {"x": _X, "y": _Y},
            "loss": {"type": "mse", "reduction": "sum"},
            "optimizer": {"type": "sgd", "lr": 0.01},
            "epochs": 100,
            "batch_size": None,
            "shuffle": False,
            "seed": 0,
            "device": "auto",
            "predict_x": [[4.0]],
        },
    },
    {
        "id": "moons-mlp",
        "title": "Two moons with a small MLP",
        "description": (
            "make_moons(200, noise=0.2): a 2-16-16-2 ReLU network, cross-entropy, Adam."
            " A straight line cannot split the moons; the hidden layers bend it. The validation"
            " loss bottoms out early and then rises while accuracy holds: overconfidence."
        ),
        "seed": None,
        "config": {
            "model": {
                "layers": [
                    {"type": "linear", "in_features": 2, "out_features": 16},
                    {"type": "relu"},
                    {"type": "linear", "in_features": 16, "out_features": 16},
                    {"type": "relu"},
                    {"type": "linear", "in_features": 16, "out_features": 2},
                ]
            },
            "data": {"synthetic": {"kind": "moons", "n_samples": 200, "noise": 0.2}},
            "loss": {"type": "cross_entropy", "reduction": "mean"},
            "optimizer": {"type": "adam", "lr": 0.01},
            "epochs": 100,
            "batch_size": 32,
            "shuffle": True,
            "seed": 0,
            "validation_split": 0.2,
            "device": "auto",
        },
    },
    {
        "id": "circles-mlp",
        "title": "Circles with one logit",
        "description": (
            "make_circles(200, noise=0.05, factor=0.5): a 2-16-16-1 tanh network with"
            " BCEWithLogitsLoss (one logit, class 1 when it is above 0), Adam."
        ),
        "seed": None,
        "config": {
            "model": {
                "layers": [
                    {"type": "linear", "in_features": 2, "out_features": 16},
                    {"type": "tanh"},
                    {"type": "linear", "in_features": 16, "out_features": 16},
                    {"type": "tanh"},
                    {"type": "linear", "in_features": 16, "out_features": 1},
                ]
            },
            "data": {
                "synthetic": {"kind": "circles", "n_samples": 200, "noise": 0.05, "factor": 0.5}
            },
            "loss": {"type": "bce_with_logits", "reduction": "mean"},
            "optimizer": {"type": "adam", "lr": 0.01},
            "epochs": 150,
            "batch_size": 32,
            "shuffle": True,
            "seed": 0,
            "validation_split": 0.2,
            "device": "auto",
        },
    },
    {
        "id": "three-classes",
        "title": "Three classes, batch norm and dropout",
        "description": (
            "make_classification: 300 rows, 4 features, 3 classes. Linear, BatchNorm1d, ReLU,"
            " Dropout, Linear; SGD with Nesterov momentum and a cosine learning-rate schedule."
        ),
        "seed": None,
        "config": {
            "model": {
                "layers": [
                    {"type": "linear", "in_features": 4, "out_features": 32},
                    {"type": "batchnorm1d", "num_features": 32},
                    {"type": "relu"},
                    {"type": "dropout", "p": 0.1},
                    {"type": "linear", "in_features": 32, "out_features": 3},
                ]
            },
            "data": {
                "synthetic": {
                    "kind": "classification",
                    "n_samples": 300,
                    "n_features": 4,
                    "n_informative": 3,
                    "n_redundant": 1,
                    "n_classes": 3,
                    "random_state": 0,
                }
            },
            "loss": {"type": "cross_entropy", "reduction": "mean"},
            "optimizer": {
                "type": "sgd",
                "lr": 0.05,
                "momentum": 0.9,
                "nesterov": True,
                "weight_decay": 0.0001,
            },
            "scheduler": {"type": "cosine", "t_max": 100},
            "epochs": 100,
            "batch_size": 32,
            "shuffle": True,
            "seed": 0,
            "validation_split": 0.2,
            "device": "auto",
        },
    },
)


def presets() -> list[dict[str, Any]]:
    """All presets, as copies a caller may change."""
    return copy.deepcopy(list(_PRESETS))


def get_preset(preset_id: str) -> dict[str, Any] | None:
    """One preset by id (a copy), or None."""
    found = next((p for p in _PRESETS if p["id"] == preset_id), None)
    return copy.deepcopy(found)
