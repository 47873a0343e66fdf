"""``re`` for one run: CPython's regular expressions, their inputs and results bounded.

The matching engine runs in C with no step budget: a pattern that backtracks catastrophically
runs until the job's time limit (``job_timeout_s``), which kills the worker and answers
``timeout``, like any other program that runs too long. What is bounded here is size: a
pattern's length, and the text ``sub`` builds (an empty pattern and a long replacement give
``len(text) * len(repl)`` characters), refused past ``max_sequence_length`` before it is built.
A function given as ``repl`` is called through the run, like every callback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded
from app.lang.stdlib.values import check_callback
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

MAX_PATTERN_CHARS = 10_000
FLAGS = ("IGNORECASE", "I", "MULTILINE", "M", "DOTALL", "S", "VERBOSE", "X", "ASCII", "A")
# What a compiled pattern and a match offer a program (app/lang/attributes.py reads these).
PATTERN_ATTRS = frozenset(
    "search match fullmatch sub subn split findall finditer pattern flags groups groupindex".split()
)
MATCH_ATTRS = frozenset(
    "group groups groupdict start end span string pos endpos lastindex lastgroup".split()
)


def re_namespace(interp: Host) -> Namespace:
    limit = interp.limits.max_sequence_length

    def checked(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        if isinstance(pattern, re.Pattern):
            return pattern
        if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_CHARS:
            raise LimitExceeded(
                "max_pattern_chars", MAX_PATTERN_CHARS, "the regular expression is too long"
            )
        return re.compile(pattern, flags)

    def replacement(repl: Any) -> Any:
        if not callable(repl):
            return repl
        check_callback(interp, repl)
        return lambda match: interp.call(repl, [match], {})

    def bound_text(text: Any, repl: Any, count: int) -> None:
        """Refuse what ``sub`` would build beyond the limit: each of up to len(text) + 1
        matches can put in the whole replacement (its group references at most the text)."""
        if isinstance(text, str) and isinstance(repl, str):
            matches = len(text) + 1 if count <= 0 else min(count, len(text) + 1)
            longest = len(repl) + (len(text) if "\\" in repl else 0)
            if len(text) + matches * longest > limit:
                raise LimitExceeded(
                    "max_sequence_length", limit, "the result of re.sub would be too long"
                )

    def compile_(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        return checked(pattern, flags)

    def search(pattern: Any, string: Any, flags: int = 0) -> Any:
        return checked(pattern, flags).search(string)

    def match(pattern: Any, string: Any, flags: int = 0) -> Any:
        return checked(pattern, flags).match(string)

    def fullmatch(pattern: Any, string: Any, flags: int = 0) -> Any:
        return checked(pattern, flags).fullmatch(string)

    def findall(pattern: Any, string: Any, flags: int = 0) -> Any:
        return checked(pattern, flags).findall(string)

    def finditer(pattern: Any, string: Any, flags: int = 0) -> Any:
        return checked(pattern, flags).finditer(string)

    def split(pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> Any:
        return checked(pattern, flags).split(string, maxsplit)

    def sub(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        bound_text(string, repl, count)
        return checked(pattern, flags).sub(replacement(repl), string, count)

    def subn(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        bound_text(string, repl, count)
        return checked(pattern, flags).subn(replacement(repl), string, count)

    members: dict[str, Any] = {
        "compile": compile_,
        "search": search,
        "match": match,
        "fullmatch": fullmatch,
        "findall": findall,
        "finditer": finditer,
        "split": split,
        "sub": sub,
        "subn": subn,
        "escape": re.escape,
        "error": re.error,
        **{name: getattr(re, name) for name in FLAGS},
    }
    return Namespace("re", members)
