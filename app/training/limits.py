"""Field types that check a config against ``app.config.TrainingLimits`` as it is validated.

The limits are read at validation time, from the validation context ``{"limits": ...}`` when
one is given (tests, stricter callers) and otherwise from the settings, so a deployment can change
them with GRADTRACE_TRAIN_* variables. Every breach names its setting (``train_max_rows``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from app.config import TrainingLimits, get_settings

# Strict so "2" or true are not silently numbers; NaN/Infinity are never valid inputs.
STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def current_limits(info: ValidationInfo | None = None) -> TrainingLimits:
    """The limits given as validation context ``{"limits": TrainingLimits}``, else the settings'."""
    context = info.context if info is not None else None
    limits = context.get("limits") if isinstance(context, dict) else None
    if isinstance(limits, TrainingLimits):
        return limits
    return get_settings().training_limits()


def limit_error(limit: str, value: object, bound: object, what: str = "value") -> ValueError:
    """A breach that names the setting (``train_max_rows``) so a person knows which knob it is."""
    return ValueError(f"{what} {value} exceeds limit train_{limit} = {bound}")


def Limited(limit: str) -> AfterValidator:
    """Check ``abs(value) <= TrainingLimits.<limit>``, read when the config is validated."""

    def check(value: float, info: ValidationInfo) -> float:
        bound = getattr(current_limits(info), limit)
        if abs(value) > bound:
            raise PydanticCustomError(
                "limit_exceeded",
                "{value} exceeds limit {limit} = {bound}",
                {"value": value, "limit": f"train_{limit}", "bound": bound},
            )
        return value

    return AfterValidator(check)


Rows = Annotated[int, Field(ge=1), Limited("max_rows")]
Width = Annotated[int, Field(ge=1), Limited("max_width")]
Seed = Annotated[int, Field(ge=0), Limited("max_seed")]
Magnitude = Annotated[float, Limited("max_abs_value")]
NonNegativeMagnitude = Annotated[float, Field(ge=0), Limited("max_abs_value")]
Coefficient = Annotated[float, Field(ge=0), Limited("max_coefficient")]
Epsilon = Annotated[float, Field(gt=0), Limited("max_coefficient")]
Rate = Annotated[float, Field(gt=0), Limited("max_lr")]
Fraction = Annotated[float, Field(ge=0, lt=1)]
EpochCount = Annotated[int, Field(ge=1), Limited("max_epochs")]
