"""The data of a training run: rows written inline or the text of a CSV, and what they share
with the synthetic sets (``DataShape`` for validation, ``Dataset`` for training)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, model_validator

from app.config import TrainingLimits
from app.training.limits import STRICT, current_limits, limit_error


@dataclass(frozen=True)
class DataShape:
    """What validation needs to know about the data without building tensors."""

    rows: int
    features: int
    target_cols: int  # columns of y; 1 for a flat y or a label column
    labels_integral: bool  # every y is a whole number >= 0, so usable as class indices
    n_classes: int | None  # the synthetic spec's, else max label + 1 when labels_integral
    y_min: float
    y_max: float
    class_names: tuple[str, ...] | None = None  # CSV with text labels


@dataclass
class Dataset:
    """Rows as numpy arrays in the dtype they were made in (float64 for scikit-learn)."""

    x: np.ndarray  # [rows, features]
    y: np.ndarray  # [rows] for a flat y / label column, else [rows, targets]
    coef: np.ndarray | None = None  # make_regression's true coefficients
    bias: float | None = None  # make_regression's bias
    class_names: list[str] | None = None


def shape_of(x: np.ndarray, y: np.ndarray, n_classes: int | None = None, **kw: Any) -> DataShape:
    """The shape of loaded rows; whole non-negative labels count as classes 0..max."""
    integral = bool(y.size) and bool(np.all(y >= 0) and np.all(np.floor(y) == y))
    if integral and n_classes is None and (y.ndim == 1 or y.shape[1] == 1):
        n_classes = int(y.max()) + 1
    return DataShape(
        rows=x.shape[0],
        features=x.shape[1],
        target_cols=1 if y.ndim == 1 else y.shape[1],
        labels_integral=integral,
        n_classes=n_classes,
        y_min=float(y.min()),
        y_max=float(y.max()),
        **kw,
    )


def check_size(shape: DataShape, limits: TrainingLimits) -> None:
    """Rows, features and total values against their limits."""
    if shape.rows > limits.max_rows:
        raise limit_error("max_rows", shape.rows, limits.max_rows, "rows of data")
    if shape.features > limits.max_width:
        raise limit_error("max_width", shape.features, limits.max_width, "features of data")
    values = shape.rows * (shape.features + shape.target_cols)
    if values > limits.max_data_values:
        raise limit_error("max_data_values", values, limits.max_data_values, "data values")


def _check_magnitude(a: np.ndarray, what: str, limits: TrainingLimits) -> None:
    if a.size and float(np.abs(a).max()) > limits.max_abs_value:
        raise limit_error("max_abs_value", float(np.abs(a).max()), limits.max_abs_value, what)


class InlineData(BaseModel):
    """Rows written in the config: ``x`` is rows of features, ``y`` rows of targets or labels."""

    model_config = STRICT
    x: list[list[float]] = Field(min_length=1)
    y: list[list[float]] | list[float] = Field(min_length=1)
    _table: Dataset | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> InlineData:
        limits = current_limits(info)
        for name, rows in (("data.x", self.x), ("data.y", self.y)):
            if isinstance(rows[0], list):
                width = len(rows[0])
                if width == 0:
                    raise ValueError(f"{name} rows must not be empty")
                bad = next((i for i, r in enumerate(rows) if len(r) != width), None)
                if bad is not None:
                    raise ValueError(
                        f"{name} is not rectangular: row {bad} has {len(rows[bad])} values,"
                        f" row 0 has {width}"
                    )
        if len(self.x) != len(self.y):
            raise ValueError(f"data.x has {len(self.x)} rows but data.y has {len(self.y)}")
        data = self.load()
        check_size(self.shape(), limits)
        _check_magnitude(data.x, "data.x value", limits)
        _check_magnitude(data.y, "data.y value", limits)
        return self

    def load(self) -> Dataset:
        if self._table is None:
            x, y = np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64)
            self._table = Dataset(x, y)
        return self._table

    def shape(self) -> DataShape:
        data = self.load()
        return shape_of(data.x, data.y)


class CsvData(BaseModel):
    """``{"csv": text, "target": column}``: every other column is a numeric feature.

    ``target`` is a header name or a 0-based column index (negative counts from the end). A
    target column of text labels becomes class indices in sorted label order.
    """

    model_config = STRICT
    csv: str = Field(min_length=1)
    target: str | int = -1
    _table: Dataset | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _parse(self, info: ValidationInfo) -> CsvData:
        limits = current_limits(info)
        size = len(self.csv.encode())
        if size > limits.max_csv_bytes:  # checked before parsing so parsing stays cheap
            raise limit_error("max_csv_bytes", size, limits.max_csv_bytes, "data.csv bytes")
        self._table = parse_csv(self.csv, self.target)
        check_size(self.shape(), limits)
        _check_magnitude(self._table.x, "data.csv value", limits)
        _check_magnitude(self._table.y, "data.csv target", limits)
        return self

    def load(self) -> Dataset:
        if self._table is None:
            self._table = parse_csv(self.csv, self.target)
        return self._table

    def shape(self) -> DataShape:
        table = self.load()
        names = tuple(table.class_names) if table.class_names else None
        return shape_of(table.x, table.y, class_names=names)


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_csv(text: str, target: str | int) -> Dataset:
    """Parse CSV text into features and a target column; errors name the row and column."""
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise ValueError("data.csv has no rows")
    first = [c.strip() for c in rows[0]]
    has_header = isinstance(target, str) or any(_number(c) is None for c in first)
    header, body = (first, rows[1:]) if has_header else (None, rows)
    width = len(rows[0])
    if width < 2:
        raise ValueError("data.csv needs at least two columns: features and a target")
    if isinstance(target, str):
        if target not in first:
            raise ValueError(f"data.target {target!r} is not a column of data.csv ({first})")
        column = first.index(target)
    elif -width <= target < width:
        column = target % width
    else:
        raise ValueError(f"data.target {target} is out of range for {width} columns")
    if not body:
        raise ValueError("data.csv has a header but no data rows")
    features: list[list[float]] = []
    labels: list[str] = []
    for n, row in enumerate(body, start=2 if has_header else 1):
        if len(row) != width:
            raise ValueError(f"data.csv line {n} has {len(row)} cells, expected {width}")
        values = []
        for i, cell in enumerate(row):
            if i == column:
                labels.append(cell.strip())
                continue
            value = _number(cell)
            if value is None:
                name = header[i] if header else str(i)
                raise ValueError(f"data.csv line {n}, column {name!r}: {cell!r} is not a number")
            values.append(value)
        features.append(values)
    numeric = [_number(v) for v in labels]
    if all(v is not None for v in numeric):
        return Dataset(np.asarray(features, dtype=np.float64), np.asarray(numeric, np.float64))
    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    y = np.asarray([index[v] for v in labels], dtype=np.float64)
    return Dataset(np.asarray(features, dtype=np.float64), y, class_names=names)


def split_indices(rows: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices: a seeded permutation, validation taken from its end.

    A numpy generator of its own keeps the split from consuming torch's global stream, so a run
    with a split initialises its model exactly like one without.
    """
    n_val = int(rows * fraction)
    if n_val == 0:
        return np.arange(rows), np.arange(0)
    order = np.random.default_rng(seed).permutation(rows)
    return np.sort(order[: rows - n_val]), np.sort(order[rows - n_val :])
