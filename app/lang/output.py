"""A program's printed text, captured and bounded."""

from __future__ import annotations

from app.lang.errors import LimitExceeded


class OutputBuffer:
    """Captured stdout of a program, refused beyond its limit (never silently cut)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.reserve(len(text))
        self.size += len(text)
        self.parts.append(text)

    def reserve(self, length: int) -> None:
        """Refuse, before it is built, text that would take the output past its limit."""
        if self.size + length > self.limit:
            raise LimitExceeded("max_output_chars", self.limit, "the program printed too much")

    def text(self) -> str:
        return "".join(self.parts)
