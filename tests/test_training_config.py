"""TrainConfig: shapes, limits and cross-field rules, with messages that name the field."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.datasets import make_regression

from app.config import Settings, TrainingLimits
from app.training import build, specs
from app.training.config import TrainConfig, count_parameters, validate_config

EXAMPLE: dict[str, Any] = {
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
    "data": {"x": [[1.0], [2.0], [3.0]], "y": [[2.0], [4.0], [6.0]]},
    "loss": {"type": "mse", "reduction": "mean"},
    "optimizer": {"type": "sgd", "lr": 0.01},
    "epochs": 100,
    "batch_size": 16,
    "shuffle": True,
    "seed": 0,
    "device": "auto",
}


def config(**changes: Any) -> dict[str, Any]:
    """The example with top-level keys replaced."""
    result = copy.deepcopy(EXAMPLE)
    result.update(changes)
    return result


def mlp(*widths: int, act: str = "relu") -> dict[str, Any]:
    layers: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(widths):
        layers += [{"type": "linear", "in_features": a, "out_features": b}, {"type": act}]
    return {"layers": layers[:-1]}


def error_of(data: dict[str, Any], limits: TrainingLimits | None = None) -> str:
    with pytest.raises(ValidationError) as info:
        validate_config(data, limits)
    return str(info.value)


def test_the_documented_example_validates() -> None:
    cfg = validate_config(EXAMPLE)
    assert isinstance(cfg, TrainConfig)
    assert cfg.batch_rows() == 3  # batch_size 16 >= 3 rows: full batch
    assert cfg.rows() == (3, 0)
    assert count_parameters(cfg.model.layers) == 2


def test_tables_cover_exactly_the_spec_tags() -> None:
    def tags(union: Any) -> set[str]:
        members = typing.get_args(typing.get_args(union)[0])
        return {typing.get_args(m.model_fields["type"].annotation)[0] for m in members}

    assert set(build.LAYERS) == tags(specs.LayerSpec)
    assert set(build.LOSSES) == tags(specs.LossSpec)
    assert set(build.OPTIMIZERS) == tags(specs.OptimizerSpec)
    assert set(build.SCHEDULERS) == tags(specs.SchedulerSpec)


@pytest.mark.parametrize("name", ["Linear", "Conv2d", "__class__", "Module"])
def test_layer_names_come_only_from_the_table(name: str) -> None:
    layer = {"type": name, "in_features": 1, "out_features": 1}
    assert "does not match any of the expected tags" in error_of(config(model={"layers": [layer]}))


def test_first_linear_must_take_the_data_features() -> None:
    bad = config(model=mlp(2, 1))
    assert "model.layers[0].in_features is 2 but the data has 1 feature(s)" in error_of(bad)


def test_consecutive_linear_shapes_must_match() -> None:
    layers = mlp(1, 8, 1)["layers"]
    layers[2]["in_features"] = 4
    msg = error_of(config(model={"layers": layers}))
    assert "model.layers[2].in_features is 4 but model.layers[0] outputs 8" in msg


def test_batchnorm_must_match_the_width() -> None:
    layers = [
        {"type": "linear", "in_features": 1, "out_features": 4},
        {"type": "batchnorm1d", "num_features": 3},
        {"type": "linear", "in_features": 4, "out_features": 1},
    ]
    assert "model.layers[1].num_features is 3" in error_of(config(model={"layers": layers}))


def test_output_size_must_fit_a_regression_target() -> None:
    msg = error_of(config(model=mlp(1, 2)))
    assert "model output size 2 must equal the 1 target column(s)" in msg


def test_cross_entropy_needs_one_output_per_class() -> None:
    data = {"x": [[0.0], [1.0], [2.0]], "y": [0, 1, 2]}
    good = config(model=mlp(1, 3), data=data, loss={"type": "cross_entropy"})
    assert validate_config(good).data.shape().n_classes == 3
    msg = error_of(config(model=mlp(1, 2), data=data, loss={"type": "cross_entropy"}))
    assert "must equal the number of classes (3)" in msg
    fractional = {"x": [[0.0], [1.0]], "y": [0.5, 1.0]}
    msg = error_of(config(model=mlp(1, 2), data=fractional, loss={"type": "cross_entropy"}))
    assert "class indices" in msg


def test_bce_targets_must_be_probabilities() -> None:
    data = {"x": [[0.0], [1.0]], "y": [[0.0], [2.0]]}
    msg = error_of(config(data=data, loss={"type": "bce_with_logits"}))
    assert "between 0 and 1" in msg


def test_init_shapes_are_checked() -> None:
    layer = {"type": "linear", "in_features": 1, "out_features": 2, "init": {"weight": [[1.0]]}}
    assert "init.weight must have shape [2][1]" in error_of(config(model={"layers": [layer]}))
    layer = {"type": "linear", "in_features": 1, "out_features": 1, "bias": False}
    layer["init"] = {"bias": [0.0]}
    assert "bias: false" in error_of(config(model={"layers": [layer]}))


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("extra",), 1, "Extra inputs are not permitted"),
        (("optimizer", "foo"), 1, "Extra inputs are not permitted"),
        (("model", "layers", 0, "init", "scale"), 2, "Extra inputs are not permitted"),
        (("epochs",), "100", "valid integer"),
        (("epochs",), 10.0, "valid integer"),
        (("shuffle",), "yes", "valid boolean"),
        (("optimizer", "lr"), float("nan"), "finite number"),
        (("optimizer", "lr"), 0, "greater than 0"),
        (("data", "x", 0, 0), float("inf"), "finite number"),
        (("validation_split",), 0.9, "less than or equal to 0.5"),
        (("device",), "tpu", "'auto', 'cpu' or 'cuda'"),
    ],
)
def test_bad_values_are_rejected(path: tuple[Any, ...], value: Any, needle: str) -> None:
    data = config()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert needle in error_of(data)


def test_limits_name_their_setting() -> None:
    assert "exceeds limit train_max_epochs = 10000" in error_of(config(epochs=10_001))
    assert "exceeds limit train_max_lr" in error_of(config(optimizer={"type": "sgd", "lr": 11}))
    assert "train_max_seed" in error_of(config(seed=2**40))


def test_limits_come_from_the_context_when_given() -> None:
    tight = TrainingLimits(max_rows=2)
    assert "rows of data 3 exceeds limit train_max_rows = 2" in error_of(EXAMPLE, tight)
    tight = TrainingLimits(max_parameters=1)
    assert "model parameters 2 exceeds limit train_max_parameters = 1" in error_of(EXAMPLE, tight)
    tight = TrainingLimits(max_steps=99)
    assert "epochs * batches 100 exceeds limit train_max_steps" in error_of(EXAMPLE, tight)
    tight = TrainingLimits(max_work=599)
    assert "train_max_work" in error_of(EXAMPLE, tight)
    tight = TrainingLimits(max_layers=1)
    assert "train_max_layers" in error_of(config(model=mlp(1, 4, 1)), tight)


def test_settings_expose_every_training_limit() -> None:
    settings = Settings()
    assert settings.training_limits() == TrainingLimits()
    for field in dataclasses.fields(TrainingLimits):
        assert f"train_{field.name}" in Settings.model_fields


def test_batchnorm_refuses_a_batch_of_one_row() -> None:
    layers = [
        {"type": "linear", "in_features": 1, "out_features": 4},
        {"type": "batchnorm1d", "num_features": 4},
        {"type": "linear", "in_features": 4, "out_features": 1},
    ]
    data = {"x": [[float(i)] for i in range(5)], "y": [float(i) for i in range(5)]}
    msg = error_of(config(model={"layers": layers}, data=data, batch_size=2))
    assert "batchnorm1d needs 2+ rows in every batch" in msg
    validate_config(config(model={"layers": layers}, data=data, batch_size=3))


def test_validation_split_must_leave_rows() -> None:
    assert "is 0 rows" in error_of(config(validation_split=0.2))


def test_nesterov_needs_momentum() -> None:
    msg = error_of(config(optimizer={"type": "sgd", "nesterov": True}))
    assert "optimizer.nesterov needs optimizer.momentum > 0" in msg


def test_ragged_inline_data_is_rejected() -> None:
    msg = error_of(config(data={"x": [[1.0], [2.0, 3.0]], "y": [1.0, 2.0]}))
    assert "data.x is not rectangular: row 1 has 2 values" in msg
    assert "data.x has 2 rows but data.y has 1" in error_of(
        config(data={"x": [[1.0], [2.0]], "y": [1.0]})
    )


def test_synthetic_regression_is_exactly_make_regression() -> None:
    spec = {"kind": "regression", "n_samples": 100, "n_features": 1, "noise": 10.0}
    spec |= {"bias": 14.5, "random_state": 0}
    cfg = validate_config(config(data={"synthetic": spec}, batch_size=16))
    data = cfg.data.load()
    x, y, coef = make_regression(
        n_samples=100, n_features=1, noise=10, coef=True, bias=14.5, random_state=0
    )
    assert np.array_equal(data.x, x) and np.array_equal(data.y, y)
    assert np.array_equal(data.coef, coef) and data.bias == 14.5


def test_make_classification_rules_are_reported() -> None:
    spec = {"kind": "classification", "n_features": 2, "n_informative": 1, "n_classes": 3}
    msg = error_of(
        config(model=mlp(2, 3), data={"synthetic": spec}, loss={"type": "cross_entropy"})
    )
    assert "n_classes * n_clusters_per_class must be <= 2**n_informative" in msg


CSV = "height,weight,species\n1.0,2.0,cat\n3.0,4.5,dog\n5.0,6.0,cat\n"


def test_csv_with_text_labels_becomes_classes() -> None:
    data = {"csv": CSV, "target": "species"}
    cfg = validate_config(config(model=mlp(2, 2), data=data, loss={"type": "cross_entropy"}))
    table = cfg.data.load()
    assert table.class_names == ["cat", "dog"]
    assert table.y.tolist() == [0, 1, 0]
    assert table.x.tolist() == [[1.0, 2.0], [3.0, 4.5], [5.0, 6.0]]
    assert "text labels" in error_of(config(model=mlp(2, 1), data=data))


def test_csv_target_by_index_without_header() -> None:
    data = {"csv": "1,2,3\n4,5,6\n", "target": 0}
    table = validate_config(config(model=mlp(2, 1), data=data)).data.load()
    assert table.y.tolist() == [1.0, 4.0] and table.x.tolist() == [[2.0, 3.0], [5.0, 6.0]]


def test_csv_errors_name_line_and_column() -> None:
    data = {"csv": "a,b\n1,2\nx,3\n", "target": "b"}
    assert "data.csv line 3, column 'a': 'x' is not a number" in error_of(config(data=data))
    data = {"csv": "a,b\n1,2\n3\n", "target": "b"}
    assert "line 3 has 1 cells, expected 2" in error_of(config(data=data))
    assert "is not a column" in error_of(config(data={"csv": "a,b\n1,2\n", "target": "c"}))


def test_csv_size_is_capped_before_parsing() -> None:
    data = {"csv": "a,b\n" + "1,2\n" * 100, "target": "b"}
    msg = error_of(config(data=data), TrainingLimits(max_csv_bytes=100))
    assert "data.csv bytes 404 exceeds limit train_max_csv_bytes = 100" in msg


def test_predict_x_rows_must_fit_the_features() -> None:
    assert "predict_x rows must have 1 value(s)" in error_of(config(predict_x=[[1.0, 2.0]]))


def test_the_json_schema_can_be_generated() -> None:
    schema = TrainConfig.model_json_schema()  # FastAPI builds OpenAPI from it
    assert {"model", "data", "loss", "optimizer", "epochs"} <= set(schema["properties"])


def test_validating_imports_neither_torch_nor_sklearn() -> None:
    code = (
        "import sys\n"
        "from app.training import validate_config\n"
        "from app.training.presets import presets\n"
        "for p in presets(): validate_config(p['config'])\n"
        "assert 'torch' not in sys.modules and 'sklearn' not in sys.modules\n"
    )
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo, env=env, timeout=120)
