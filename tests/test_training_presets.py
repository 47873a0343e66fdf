"""Presets reproduce the seed tutorials and train to where the tutorials end."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.training.config import validate_config
from app.training.loop import train
from app.training.presets import get_preset, presets
from tests.training_support import one_thread  # noqa: F401 (one_thread: a fixture)


def final(preset_id: str) -> dict[str, Any]:
    found = get_preset(preset_id)
    assert found is not None
    return list(train(found["config"], device="cpu"))[-1]


def test_presets_are_well_formed_and_valid() -> None:
    items = presets()
    ids = [p["id"] for p in items]
    assert len(ids) == len(set(ids)) >= 6
    assert {p["seed"] for p in items} == {"000", "003", "004", None}
    for item in items:
        assert set(item) == {"id", "title", "description", "seed", "config"}
        validate_config(item["config"])


def test_presets_are_copies() -> None:
    presets()[0]["config"]["epochs"] = 1
    found = get_preset(presets()[0]["id"])
    assert found is not None and found["config"]["epochs"] == 100
    assert get_preset("no-such-preset") is None


def test_seed_000_learns_w_equals_2() -> None:
    done = final("seed-000-w-times-x")
    assert done["params"]["0.weight"][0][0] == pytest.approx(2.0, abs=1e-4)
    assert done["predict"]["y_pred"][0][0] == pytest.approx(8.0, abs=1e-3)


def test_seed_003_ends_near_the_least_squares_line() -> None:
    found = get_preset("seed-003-linear-regression")
    assert found is not None
    cfg = validate_config(found["config"])
    data = cfg.data.load()
    design = np.column_stack([data.x[:, 0], np.ones(len(data.x))])
    (slope, intercept), *_ = np.linalg.lstsq(design, data.y, rcond=None)
    done = final("seed-003-linear-regression")
    w, b = done["params"]["0.weight"][0][0], done["params"]["0.bias"][0]
    # SGD with batches of 16 wanders around the optimum; it ends within a few percent of it.
    assert w == pytest.approx(slope, rel=0.05)
    assert b == pytest.approx(intercept, abs=2.0)
    coef = float(np.ravel(data.coef)[0])
    assert abs(coef - slope) < 5
    line = done["predictions"]
    assert line["y_true"][0] == pytest.approx(line["x"][0] * coef + 14.5)


def test_seed_004_predicts_about_8_for_x_4() -> None:
    done = final("seed-004-linear-model")
    assert done["predict"]["y_pred_initial"] == [[4.0]]
    assert done["predict"]["y_pred"][0][0] == pytest.approx(8.0, abs=0.2)


@pytest.mark.parametrize("preset_id", ["moons-mlp", "circles-mlp", "three-classes"])
def test_classification_presets_learn(preset_id: str) -> None:
    done = final(preset_id)
    assert done["metrics"]["accuracy"] > 0.9
    assert done["metrics"]["val_accuracy"] > 0.85
    assert done["predictions"]["kind"] == "points"


def test_two_feature_classification_draws_decision_regions() -> None:
    done = final("circles-mlp")
    points = done["predictions"]
    assert len(points["x"]) == len(points["y"]) == len(points["y_pred"]) == 200
    assert all(isinstance(v, int) for v in points["y_pred"])
    grid = points["grid"]
    assert len(grid["x0"]) == len(grid["x1"]) == len(grid["y_pred"]) == 14
    assert {v for row in grid["y_pred"] for v in row} == {0, 1}
    # The centre of the circles is the inner class (1); the corners are the outer class (0).
    assert grid["y_pred"][7][7] == 1 and grid["y_pred"][0][0] == 0
