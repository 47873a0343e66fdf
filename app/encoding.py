"""Response bodies as strict JSON bytes, written fast.

orjson writes JSON about ten times faster than the standard library, and writes numpy arrays
directly: a float32 tensor's values go out with the fewest digits that give back the same float32
(``0.1``, not ``0.10000000149011612``). Workers encode their results with it, so the web process
only joins bytes. Where orjson refuses (a string with a lone surrogate, which a program can print;
integers past 64 bits), the standard library writes the same value as ASCII JSON instead.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import orjson

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def dumps(value: Any) -> bytes:
    """``value`` as UTF-8 JSON; no NaN or Infinity literals (callers encode those as strings)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(
            value, ensure_ascii=True, allow_nan=False, separators=(",", ":"), default=_plain
        ).encode("ascii")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)  # orjson writes dataclasses as their fields too
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
