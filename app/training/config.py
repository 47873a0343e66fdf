"""TrainConfig: a training run described as JSON, checked before any tensor exists.

Every open-ended number is bounded by a limit of ``app.config.TrainingLimits`` (see limits.py),
and the cross-field rules (layer shapes chain, the output size fits the loss, work limits) name
the field they are about.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationInfo, model_validator

from app.config import TrainingLimits
from app.training.data import CsvData, DataShape, InlineData
from app.training.limits import (
    STRICT,
    EpochCount,
    Limited,
    Magnitude,
    Seed,
    current_limits,
    limit_error,
)
from app.training.specs import (
    REGRESSION_LOSSES,
    LossSpec,
    ModelSpec,
    OptimizerSpec,
    SchedulerSpec,
)
from app.training.synthetic import SyntheticData


def _data_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return "synthetic" if "synthetic" in value else "csv" if "csv" in value else "inline"
    kinds: dict[type, str] = {InlineData: "inline", SyntheticData: "synthetic", CsvData: "csv"}
    return kinds.get(type(value))


DataSpec = Annotated[
    Annotated[InlineData, Tag("inline")]
    | Annotated[SyntheticData, Tag("synthetic")]
    | Annotated[CsvData, Tag("csv")],
    Discriminator(_data_kind),
]


class TrainConfig(BaseModel):
    """One training run. ``batch_size`` null (or >= the training rows) means full batch."""

    model_config = STRICT
    model: ModelSpec
    data: DataSpec
    loss: LossSpec
    optimizer: OptimizerSpec
    scheduler: SchedulerSpec | None = None
    epochs: EpochCount = 100
    batch_size: Annotated[int, Field(ge=1), Limited("max_rows")] | None = None
    shuffle: bool = True
    seed: Seed = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    validation_split: float = Field(default=0.0, ge=0, le=0.5)
    # "epoch": the epoch's loss (batch losses weighted by batch size for reduction mean, summed
    # for reduction sum); "last_batch": the loss of the epoch's last batch, what the tutorials
    # print with `loss.item()` after their inner loop.
    report_loss: Literal["epoch", "last_batch"] = "epoch"
    # Inputs to predict after training (the tutorials' x=4), reported in the done event.
    predict_x: list[list[Magnitude]] | None = None
    # Loss landscape (app/training/landscape.py): "auto" draws it for a model of 1 or 2
    # trainable scalars, live; "random_1d"/"random_2d" slice any model along random
    # filter-normalised directions when training ends; "off" never.
    landscape: Literal["auto", "off", "random_1d", "random_2d"] = "auto"
    # Per-epoch histograms of every parameter and its gradient (app/training/histograms.py).
    histograms: bool = True

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> TrainConfig:
        limits = current_limits(info)
        shape = self.data.shape()
        out = _check_layers(self.model.layers, shape.features)
        _check_loss(self.loss, out, shape, limits)
        params = count_parameters(self.model.layers)
        if params == 0:
            raise ValueError("model has no trainable parameters: add a linear layer")
        if params > limits.max_parameters:
            raise limit_error("max_parameters", params, limits.max_parameters, "model parameters")
        n_train = self.rows()[0]
        batch = self.batch_rows()
        if any(layer.type == "batchnorm1d" for layer in self.model.layers) and (
            batch == 1 or n_train % batch == 1
        ):
            raise ValueError(
                f"batch_size: batchnorm1d needs 2+ rows in every batch, but {n_train} training"
                f" rows in batches of {batch} leave a batch of 1 row"
            )
        steps = self.epochs * math.ceil(n_train / batch)
        if steps > limits.max_steps:
            raise limit_error("max_steps", steps, limits.max_steps, "epochs * batches")
        work = self.epochs * n_train * params
        if work > limits.max_work:
            raise limit_error("max_work", work, limits.max_work, "epochs * rows * parameters")
        if self.landscape in ("random_1d", "random_2d"):
            dims = 1 if self.landscape == "random_1d" else 2
            rows = min(n_train, limits.landscape_rows)
            cost = slice_work(dims, limits.landscape_points, rows, params)
            if cost > limits.max_work:
                raise limit_error(
                    "max_work", cost, limits.max_work, "landscape: grid points * rows * parameters"
                )
        if self.predict_x is not None:
            if len(self.predict_x) > limits.max_predict_rows:
                n = len(self.predict_x)
                raise limit_error("max_predict_rows", n, limits.max_predict_rows, "predict_x rows")
            if any(len(row) != shape.features for row in self.predict_x):
                raise ValueError(f"predict_x rows must have {shape.features} value(s) each")
        return self

    def rows(self) -> tuple[int, int]:
        """(training rows, validation rows) after ``validation_split``."""
        total = self.data.shape().rows
        n_val = int(total * self.validation_split)
        if self.validation_split > 0 and n_val == 0:
            raise ValueError(f"validation_split {self.validation_split} of {total} rows is 0 rows")
        return total - n_val, n_val

    def batch_rows(self) -> int:
        """Rows per batch: ``batch_size`` capped at the training rows (None: full batch)."""
        n_train = self.rows()[0]
        return n_train if self.batch_size is None else min(self.batch_size, n_train)


def validate_config(data: Any, limits: TrainingLimits | None = None) -> TrainConfig:
    """Validate a JSON-like config, against ``limits`` when given (else the settings')."""
    if isinstance(data, TrainConfig):
        return data
    context = {"limits": limits} if limits is not None else None
    return TrainConfig.model_validate(data, context=context)


def slice_work(dims: int, points: int, rows: int, params: int) -> int:
    """A random landscape slice's cost in the units of ``train_max_work``: one forward pass
    over ``rows`` per grid point (``points ** dims`` of them), times the parameters."""
    return int(points**dims) * rows * params


def count_parameters(layers: list[Any]) -> int:
    """Trainable values of the model, computed from the specs (no torch needed)."""
    total = 0
    for layer in layers:
        if layer.type == "linear":
            total += layer.in_features * layer.out_features + (layer.out_features * layer.bias)
        elif layer.type == "batchnorm1d":
            total += 2 * layer.num_features  # affine weight and bias
    return total


def _check_layers(layers: list[Any], features: int) -> int:
    """Follow the width through the layers; returns the model's output size."""
    width, source = features, f"the data has {features} feature(s)"
    for i, layer in enumerate(layers):
        where = f"model.layers[{i}]"
        if layer.type == "linear":
            if layer.in_features != width:
                raise ValueError(f"{where}.in_features is {layer.in_features} but {source}")
            width, source = layer.out_features, f"{where} outputs {layer.out_features}"
        elif layer.type == "batchnorm1d" and layer.num_features != width:
            raise ValueError(f"{where}.num_features is {layer.num_features} but {source}")
    return width


def _check_loss(loss: Any, out: int, shape: DataShape, limits: TrainingLimits) -> None:
    """The model's output size and the targets must fit the loss."""
    kind = loss.type
    if shape.class_names is not None and kind != "cross_entropy":
        raise ValueError(f"loss.type: the target column has text labels; {kind} needs numbers")
    if kind in REGRESSION_LOSSES or kind == "bce_with_logits":
        if out != shape.target_cols:
            raise ValueError(
                f"model output size {out} must equal the {shape.target_cols} target column(s)"
                f" of data for loss {kind}"
            )
        if kind == "bce_with_logits" and not (shape.y_min >= 0 and shape.y_max <= 1):
            raise ValueError("loss bce_with_logits needs data targets between 0 and 1")
        return
    # cross_entropy: y holds class indices and the model outputs one logit per class.
    if shape.target_cols != 1 or not shape.labels_integral or shape.n_classes is None:
        raise ValueError("loss cross_entropy needs data y as class indices 0..n_classes-1")
    if shape.n_classes > limits.max_classes:
        raise limit_error("max_classes", shape.n_classes, limits.max_classes, "classes")
    if out != shape.n_classes:
        raise ValueError(
            f"model output size {out} must equal the number of classes ({shape.n_classes})"
            " for loss cross_entropy"
        )
