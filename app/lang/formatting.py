"""``str.format`` and ``format()`` for programs: CPython's results, without its open doors.

A replacement field may name a position (``{0}``, ``{}``) or a keyword (``{loss}``) only:
``{0.__class__}`` or ``{x[0]}`` would walk attributes and items past every check the
interpreter makes, so they are refused by name. Widths and precisions are bounded (a
``{:>999999999}`` would build a gigabyte), and so is the length of the result.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from app.lang import operators
from app.lang.errors import NotAllowed

if TYPE_CHECKING:
    from app.lang.guard import Guard

_PARSER = string.Formatter()
_MAX_NESTING = 2  # "{:{width}}" nests once; Python refuses deeper nesting the same way


def format_value(guard: Guard, value: Any, spec: Any = "") -> str:
    """``format(value, spec)``."""
    if not isinstance(spec, str):
        raise TypeError(f"format() argument 2 must be str, not {type(spec).__name__}")
    guard.check_format_spec(spec, None)
    guard.check_text(value)
    return format(value, spec)


class BoundFormat:
    """``template.format`` as a program reaches it: a callable with the checks above."""

    __slots__ = ("guard", "template")

    def __init__(self, guard: Guard, template: str):
        self.guard = guard
        self.template = template

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return format_string(self.guard, self.template, args, kwargs)

    def __repr__(self) -> str:
        return "<built-in method format of str object>"


class _Numbering:
    """Python's rule: fields are numbered automatically ({}) or by hand ({0}), never both."""

    def __init__(self) -> None:
        self.next = 0  # the next automatic number
        self.manual = False

    def index(self, field: str) -> int | str:
        if field == "":
            if self.manual:
                raise ValueError(
                    "cannot switch from manual field specification to automatic field numbering"
                )
            index, self.next = self.next, self.next + 1
            return index
        if not field.isdigit():
            return field  # a keyword: neither numbering
        if self.next != 0:
            raise ValueError(
                "cannot switch from automatic field numbering to manual field specification"
            )
        self.manual = True
        return int(field)


def format_string(
    guard: Guard, template: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    """``template.format(*args, **kwargs)``."""
    return _format(guard, template, args, kwargs, _Numbering(), 0)


def _format(
    guard: Guard,
    template: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    numbering: _Numbering,
    depth: int,
) -> str:
    if depth > _MAX_NESTING:
        raise ValueError("Max string recursion exceeded")
    parts: list[str] = []
    total = 0
    for literal, field, spec, conversion in _PARSER.parse(template):
        parts.append(literal)
        total += len(literal)
        if field is None:
            continue
        if not (field == "" or field.isdigit() or field.isidentifier()):
            raise NotAllowed(
                f"format field '{{{field}}}' is not allowed: a field may name a position or a "
                "keyword only (no attribute or item lookups)"
            )
        value = _argument(numbering.index(field), args, kwargs)
        guard.check_text(value)
        if conversion == "r":
            value = repr(value)
        elif conversion == "s":
            value = str(value)
        elif conversion == "a":
            value = ascii(value)
        elif conversion is not None:
            raise ValueError(f"Unknown conversion specifier {conversion}")
        if spec and "{" in spec:
            spec = _format(guard, spec, args, kwargs, numbering, depth + 1)
        guard.check_format_spec(spec or "", None)
        text = format(value, spec or "")
        total += len(text)
        operators.check_length_of(total, guard.limits)
        parts.append(text)
    return "".join(parts)


def _argument(key: int | str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if isinstance(key, int):
        if key >= len(args):
            raise IndexError(f"Replacement index {key} out of range for positional args tuple")
        return args[key]
    if key not in kwargs:
        raise KeyError(key)
    return kwargs[key]
