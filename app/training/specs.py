"""The parts of a TrainConfig: layers, losses, optimizers and learning-rate schedulers.

Each is a pydantic model tagged by ``type``; build.py maps each tag to its torch constructor.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from app.training.limits import (
    STRICT,
    Coefficient,
    EpochCount,
    Epsilon,
    Fraction,
    Limited,
    Magnitude,
    Rate,
    Width,
    current_limits,
    limit_error,
)


class LinearInit(BaseModel):
    """Explicit starting values: ``weight`` is [out_features][in_features], ``bias`` [out]."""

    model_config = STRICT
    weight: list[list[Magnitude]] | None = None
    bias: list[Magnitude] | None = None


class Linear(BaseModel):
    model_config = STRICT
    type: Literal["linear"]
    in_features: Width
    out_features: Width
    bias: bool = True
    init: LinearInit | None = None

    @model_validator(mode="after")
    def _init_shapes(self) -> Linear:
        if self.init is None:
            return self
        weight, bias = self.init.weight, self.init.bias
        want = f"[{self.out_features}][{self.in_features}]"
        if weight is not None and (
            len(weight) != self.out_features or any(len(row) != self.in_features for row in weight)
        ):
            raise ValueError(f"init.weight must have shape {want} (out_features x in_features)")
        if bias is not None and not self.bias:
            raise ValueError("init.bias is given but the layer has bias: false")
        if bias is not None and len(bias) != self.out_features:
            raise ValueError(f"init.bias must have {self.out_features} values (out_features)")
        return self


class ReLU(BaseModel):
    model_config = STRICT
    type: Literal["relu"]


class LeakyReLU(BaseModel):
    model_config = STRICT
    type: Literal["leaky_relu"]
    negative_slope: Annotated[float, Limited("max_coefficient")] = 0.01


class Tanh(BaseModel):
    model_config = STRICT
    type: Literal["tanh"]


class Sigmoid(BaseModel):
    model_config = STRICT
    type: Literal["sigmoid"]


class GELU(BaseModel):
    model_config = STRICT
    type: Literal["gelu"]
    approximate: Literal["none", "tanh"] = "none"


class Dropout(BaseModel):
    model_config = STRICT
    type: Literal["dropout"]
    p: Fraction = 0.5


class BatchNorm1d(BaseModel):
    model_config = STRICT
    type: Literal["batchnorm1d"]
    num_features: Width
    eps: Epsilon = 1e-5
    momentum: float = Field(default=0.1, ge=0, le=1)


class Flatten(BaseModel):
    model_config = STRICT
    type: Literal["flatten"]


LayerSpec = Annotated[
    Linear | ReLU | LeakyReLU | Tanh | Sigmoid | GELU | Dropout | BatchNorm1d | Flatten,
    Field(discriminator="type"),
]


class ModelSpec(BaseModel):
    """An ``nn.Sequential`` of these layers, so parameters are named ``0.weight``, ``0.bias``..."""

    model_config = STRICT
    layers: list[LayerSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _layer_count(self, info: ValidationInfo) -> ModelSpec:
        limits = current_limits(info)
        if len(self.layers) > limits.max_layers:
            raise limit_error("max_layers", len(self.layers), limits.max_layers, "model.layers")
        return self


class _Loss(BaseModel):
    model_config = STRICT
    reduction: Literal["mean", "sum"] = "mean"


class MSELoss(_Loss):
    type: Literal["mse"]


class L1Loss(_Loss):
    type: Literal["l1"]


class SmoothL1Loss(_Loss):
    type: Literal["smooth_l1"]
    beta: Coefficient = 1.0


class HuberLoss(_Loss):
    type: Literal["huber"]
    delta: Epsilon = 1.0


class BCEWithLogitsLoss(_Loss):
    type: Literal["bce_with_logits"]


class CrossEntropyLoss(_Loss):
    type: Literal["cross_entropy"]
    label_smoothing: float = Field(default=0.0, ge=0, le=1)


LossSpec = Annotated[
    MSELoss | L1Loss | SmoothL1Loss | HuberLoss | BCEWithLogitsLoss | CrossEntropyLoss,
    Field(discriminator="type"),
]
REGRESSION_LOSSES = frozenset({"mse", "l1", "smooth_l1", "huber"})


class SGD(BaseModel):
    model_config = STRICT
    type: Literal["sgd"]
    lr: Rate = 0.001
    momentum: Fraction = 0.0
    nesterov: bool = False
    weight_decay: Coefficient = 0.0

    @model_validator(mode="after")
    def _nesterov(self) -> SGD:
        if self.nesterov and self.momentum == 0:
            raise ValueError("optimizer.nesterov needs optimizer.momentum > 0")
        return self


class Adam(BaseModel):
    model_config = STRICT
    type: Literal["adam"]
    lr: Rate = 0.001
    betas: list[Fraction] = Field(default=[0.9, 0.999], min_length=2, max_length=2)
    eps: Epsilon = 1e-8
    weight_decay: Coefficient = 0.0
    amsgrad: bool = False


class AdamW(Adam):
    type: Literal["adamw"]  # type: ignore[assignment]
    weight_decay: Coefficient = 0.01


class RMSprop(BaseModel):
    model_config = STRICT
    type: Literal["rmsprop"]
    lr: Rate = 0.01
    alpha: Fraction = 0.99
    eps: Epsilon = 1e-8
    momentum: Fraction = 0.0
    weight_decay: Coefficient = 0.0
    centered: bool = False


class Adagrad(BaseModel):
    model_config = STRICT
    type: Literal["adagrad"]
    lr: Rate = 0.01
    lr_decay: Coefficient = 0.0
    weight_decay: Coefficient = 0.0
    eps: Epsilon = 1e-10


OptimizerSpec = Annotated[SGD | Adam | AdamW | RMSprop | Adagrad, Field(discriminator="type")]


class StepLR(BaseModel):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    model_config = STRICT
    type: Literal["step"]
    step_size: EpochCount
    gamma: float = Field(default=0.1, gt=0, le=1)


class CosineLR(BaseModel):
    """Cosine annealing from the optimizer's lr to ``eta_min`` over ``t_max`` epochs."""

    model_config = STRICT
    type: Literal["cosine"]
    t_max: EpochCount
    eta_min: Annotated[float, Field(ge=0), Limited("max_lr")] = 0.0


SchedulerSpec = Annotated[StepLR | CosineLR, Field(discriminator="type")]
