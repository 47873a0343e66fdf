"""Operators with their sizes checked first: tensors broadcast, integers grow, sequences repeat."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from app.config import ProgramLimits
from app.lang.errors import LimitExceeded
from app.lang.sizes import broadcast_numel, matmul_numel, shape_of

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "@": operator.matmul,
    "/": operator.truediv, "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
    "<<": operator.lshift, ">>": operator.rshift, "|": operator.or_, "^": operator.xor,
    "&": operator.and_,
}  # fmt: skip

INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.iadd, "-": operator.isub, "*": operator.imul, "@": operator.imatmul,
    "/": operator.itruediv, "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow,
    "<<": operator.ilshift, ">>": operator.irshift, "|": operator.ior, "^": operator.ixor,
    "&": operator.iand,
}  # fmt: skip

SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/",
    ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}  # fmt: skip

UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_,
    ast.Invert: operator.invert,
}  # fmt: skip

COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}  # fmt: skip

# A %-format field's width or precision given by '*' or by 5+ digits, after an optional
# mapping key: "%*d", "%99999d", "%(a)99999d", "%.99999f".
_PERCENT_WIDTH = re.compile(r"%(\([^)]*\))?[-+ #0]*(\*|\d{5,}|\d*\.(\*|\d{5,}))")
_SEQUENCES = (str, list, tuple)
_ARRAYS = (torch.Tensor, np.ndarray)
_TENSORS: frozenset[type] = frozenset({torch.Tensor, torch.nn.Parameter})
_NUMBERS: frozenset[type] = frozenset({int, float, bool})


def check_binary(symbol: str, left: Any, right: Any, limits: ProgramLimits) -> None:
    """Refuse an operation whose result would exceed a limit, before computing it."""
    count = None
    if symbol != "@" and (left.__class__ in _TENSORS or right.__class__ in _TENSORS):
        count = _elementwise_count(left, right)
    if count is None and (isinstance(left, _ARRAYS) or isinstance(right, _ARRAYS)):
        if symbol == "@":
            count = matmul_numel(shape_of(left), shape_of(right))
        else:
            count = broadcast_numel([left, right])
        if count is None:
            return
    if count is not None:
        if count > limits.max_tensor_elements:
            raise LimitExceeded(
                "max_tensor_elements",
                limits.max_tensor_elements,
                f"the result of '{symbol}' would have {count} elements",
            )
        return
    if _is_integral(left) and _is_integral(right):
        _check_int_growth(symbol, left, right, limits)
    elif symbol == "*" and (_repeat_length(left, right) or _repeat_length(right, left)):
        length = _repeat_length(left, right) or _repeat_length(right, left)
        _check_length(length, limits)
    elif symbol == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_length(len(left) + len(right), limits)
    elif symbol == "%" and isinstance(left, str):
        if _PERCENT_WIDTH.search(left):
            raise LimitExceeded(
                "max_format_width", 9999, "a %-format width or precision is too large"
            )
        _check_length(_percent_length(left, right), limits)


def _elementwise_count(left: Any, right: Any) -> int | None:
    """What broadcast_numel answers, for the common cases it need not work out: a tensor and a
    number (loss * 0.5), two tensors of one shape. None for the others."""
    first: Any = left
    second: Any = right
    if type(first) in _TENSORS:
        if type(second) in _NUMBERS:
            return int(first.numel())
        if type(second) in _TENSORS and first.shape == second.shape:
            return int(first.numel())
    elif type(first) in _NUMBERS:
        return int(second.numel())  # the caller saw a tensor: it is this one
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_integral(value: Any) -> bool:
    """Integers for growth checks: bools too, since ``True << 10**9`` is an int of 10**9 bits."""
    return isinstance(value, (int, np.integer))


def _percent_length(template: str, values: Any) -> int:
    """An upper bound on the length of ``template % values`` from its string values: each '%'
    field can insert the longest of them ("%s%s..." % (s, s, ...))."""
    if isinstance(values, dict):
        items = list(values.values())
    elif isinstance(values, tuple):
        items = list(values)
    else:
        items = [values]
    longest = max((len(v) for v in items if isinstance(v, str)), default=0)
    return len(template) + template.count("%") * longest


def _check_int_growth(symbol: str, left: int, right: int, limits: ProgramLimits) -> None:
    left, right = int(left), int(right)
    bits = None
    if symbol == "**" and right > 0:
        bits = right * max(1, abs(left).bit_length() - 1) if abs(left) > 1 else 1
    elif symbol == "*":
        bits = abs(left).bit_length() + abs(right).bit_length()
    elif symbol == "<<" and right > 0:
        bits = abs(left).bit_length() + right
    if bits is not None and bits > limits.max_int_bits:
        raise LimitExceeded(
            "max_int_bits",
            limits.max_int_bits,
            f"the integer result of '{symbol}' would be too large",
        )


def _repeat_length(seq: Any, count: Any) -> int | None:
    if isinstance(seq, _SEQUENCES) and _is_int(count):
        return len(seq) * max(0, int(count))
    return None


def _check_length(length: int | None, limits: ProgramLimits) -> None:
    if length is not None and length > limits.max_sequence_length:
        raise LimitExceeded(
            "max_sequence_length",
            limits.max_sequence_length,
            f"the result would hold {length} items",
        )


def check_length_of(length: int, limits: ProgramLimits) -> None:
    """Refuse a sequence of ``length`` items before building it."""
    _check_length(length, limits)


def check_length(value: Any, limits: ProgramLimits) -> None:
    """After a call that may grow a container in place (list.extend, str.replace...)."""
    if isinstance(value, (str, list, tuple, dict, set)):
        _check_length(len(value), limits)
