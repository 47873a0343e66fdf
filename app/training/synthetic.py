"""Synthetic data drawn by scikit-learn: the same rows every time for the same parameters.

``regression`` is exactly ``make_regression(..., coef=True)`` (the tutorial's linear regression);
its true ``coef`` and ``bias`` are kept so the page can draw the true line beside the fitted one.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationInfo, model_validator

from app.training.data import Dataset, DataShape, check_size
from app.training.limits import (
    STRICT,
    Limited,
    Magnitude,
    NonNegativeMagnitude,
    Rows,
    Seed,
    Width,
    current_limits,
)

Samples = Annotated[int, Field(ge=2), Limited("max_rows")]


def _sklearn_datasets() -> Any:
    # Imported when data is drawn, not when a config is validated: the web process validates
    # configs and need not pay scikit-learn's import time.
    from sklearn import datasets

    return datasets


class RegressionData(BaseModel):
    """``sklearn.datasets.make_regression(..., coef=True)`` with one target."""

    model_config = STRICT
    kind: Literal["regression"]
    n_samples: Rows = 100
    n_features: Width = 1
    noise: NonNegativeMagnitude = 0.0
    bias: Magnitude = 0.0
    random_state: Seed = 0

    def load(self) -> Dataset:
        x, y, coef = _sklearn_datasets().make_regression(
            n_samples=self.n_samples,
            n_features=self.n_features,
            noise=self.noise,
            bias=self.bias,
            coef=True,
            random_state=self.random_state,
        )
        return Dataset(x, y, coef=np.asarray(coef), bias=self.bias)

    def shape(self) -> DataShape:
        return DataShape(self.n_samples, self.n_features, 1, False, None, -math.inf, math.inf)


class ClassificationData(BaseModel):
    """``sklearn.datasets.make_classification``: labels 0..n_classes-1."""

    model_config = STRICT
    kind: Literal["classification"]
    n_samples: Samples = 100
    n_features: Width = 2
    n_informative: Width = 2
    n_redundant: Annotated[int, Field(ge=0), Limited("max_width")] = 0
    n_classes: Annotated[int, Field(ge=2), Limited("max_classes")] = 2
    n_clusters_per_class: Annotated[int, Field(ge=1), Limited("max_classes")] = 1
    class_sep: Annotated[float, Field(gt=0), Limited("max_coefficient")] = 1.0
    flip_y: float = Field(default=0.01, ge=0, le=1)
    random_state: Seed = 0

    @model_validator(mode="after")
    def _sklearn_rules(self) -> ClassificationData:
        # The same rules make_classification enforces, reported with our field names.
        if self.n_informative + self.n_redundant > self.n_features:
            raise ValueError("data.synthetic: n_informative + n_redundant must be <= n_features")
        if self.n_classes * self.n_clusters_per_class > 2**self.n_informative:
            raise ValueError(
                "data.synthetic: n_classes * n_clusters_per_class must be <= 2**n_informative"
            )
        return self

    def load(self) -> Dataset:
        x, y = _sklearn_datasets().make_classification(
            n_samples=self.n_samples,
            n_features=self.n_features,
            n_informative=self.n_informative,
            n_redundant=self.n_redundant,
            n_classes=self.n_classes,
            n_clusters_per_class=self.n_clusters_per_class,
            class_sep=self.class_sep,
            flip_y=self.flip_y,
            random_state=self.random_state,
        )
        return Dataset(x, y.astype(np.float64))

    def shape(self) -> DataShape:
        top = self.n_classes - 1
        return DataShape(self.n_samples, self.n_features, 1, True, self.n_classes, 0, top)


class MoonsData(BaseModel):
    """``sklearn.datasets.make_moons``: two interleaving half circles, labels 0/1."""

    model_config = STRICT
    kind: Literal["moons"]
    n_samples: Samples = 100
    noise: NonNegativeMagnitude = 0.0
    random_state: Seed = 0

    def load(self) -> Dataset:
        x, y = _sklearn_datasets().make_moons(
            n_samples=self.n_samples, noise=self.noise, random_state=self.random_state
        )
        return Dataset(x, y.astype(np.float64))

    def shape(self) -> DataShape:
        return DataShape(self.n_samples, 2, 1, True, 2, 0, 1)


class CirclesData(BaseModel):
    """``sklearn.datasets.make_circles``: a small circle inside a large one, labels 0/1."""

    model_config = STRICT
    kind: Literal["circles"]
    n_samples: Samples = 100
    noise: NonNegativeMagnitude = 0.0
    factor: float = Field(default=0.8, gt=0, lt=1)
    random_state: Seed = 0

    def load(self) -> Dataset:
        x, y = _sklearn_datasets().make_circles(
            n_samples=self.n_samples,
            noise=self.noise,
            factor=self.factor,
            random_state=self.random_state,
        )
        return Dataset(x, y.astype(np.float64))

    def shape(self) -> DataShape:
        return DataShape(self.n_samples, 2, 1, True, 2, 0, 1)


SyntheticSpec = Annotated[
    RegressionData | ClassificationData | MoonsData | CirclesData, Field(discriminator="kind")
]


class SyntheticData(BaseModel):
    """``{"synthetic": {"kind": ...}}``: data drawn by scikit-learn, the same every time."""

    model_config = STRICT
    synthetic: SyntheticSpec

    @model_validator(mode="after")
    def _size(self, info: ValidationInfo) -> SyntheticData:
        check_size(self.shape(), current_limits(info))
        return self

    def load(self) -> Dataset:
        return self.synthetic.load()

    def shape(self) -> DataShape:
        return self.synthetic.shape()
