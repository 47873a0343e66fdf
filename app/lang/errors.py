"""Errors raised while checking or running a user program: a type, a message and a position."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

ErrorType = Literal["syntax", "not_allowed", "limit", "runtime", "timeout", "crash"]


@dataclass
class ProgramError(Exception):
    """An error a person can act on. ``line``/``column`` are 1-based, None when unknown."""

    type: ErrorType
    message: str
    line: int | None = None
    column: int | None = None
    limit: str | None = None  # the name of the limit breached, for type == "limit"
    # The Python exception behind a "runtime" error: what a program's ``except`` matches and
    # binds. Errors of every other type (limits, refusals) have none and cannot be caught.
    original: Exception | None = field(default=None, repr=False, compare=False)
    stdout: str | None = None  # what the program printed before the error (None: nothing ran)
    # With "trace": true, the trace up to the error: {"timeline": ..., "graph": ...} (plain JSON)
    trace: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{self.type}: {self.message}{where}"

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": self.type,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }
        if self.limit is not None:
            body["limit"] = self.limit
        if self.stdout is not None:
            body["stdout"] = self.stdout
        if self.trace is not None:
            body["trace"] = self.trace
        return body


def runtime_error_of(
    exc: Exception, line: int | None = None, column: int | None = None
) -> ProgramError:
    """``exc`` as the user sees it: ``TypeName: message`` in PyTorch's words, catchable."""
    message = clean_message(str(exc))
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return ProgramError("runtime", text, line, column, original=exc)


def catchable(error: ProgramError) -> Exception | None:
    """The exception a program's ``except`` may see, or None (limits and refusals)."""
    return error.original if error.type == "runtime" else None


class SyntaxProblem(ProgramError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__("syntax", message, line, column)


class NotAllowed(ProgramError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__("not_allowed", message, line, column)


class LimitExceeded(ProgramError):
    def __init__(
        self,
        limit: str,
        value: int | float | str,  # the limit's value, or what it is where it has none
        message: str,
        line: int | None = None,
        column: int | None = None,
    ):
        super().__init__("limit", f"{message} (limit {limit} = {value})", line, column, limit=limit)


_INTERNAL_NOTE = re.compile(r"\s*\(Triggered internally at [^)]*\)\.?")
_PATH = re.compile(r"(?:/[\w.@+-]+){2,}/[\w.@+-]+\.(?:py|cpp|h|c|so)\b(?::\d+)?")


def clean_message(text: str) -> str:
    """PyTorch's wording without build paths or file locations of the server."""
    text = _INTERNAL_NOTE.sub("", text)
    return _PATH.sub("<internal>", text).strip()
