"""Shared state of the tutorial corpus test (tests/test_corpus.py): each snippet's outcome, and
the end-of-session summary that tests/conftest.py prints, so whoever runs the suite sees how many
snippets the service refuses and why."""

from __future__ import annotations

import re
from collections import defaultdict

# snippet file name -> (class, reason); class is one of CLASSES, or "pass"
OUTCOMES: dict[str, tuple[str, str]] = {}

CLASSES = {
    "refused": "(a) refused by the service as not_allowed/syntax (lack of support)",
    "refused by design": "(a') refused as the snippet's header expects, for safety (# refused:)",
    "mismatch": "(b) ran, but differs from CPython + torch",
    "other": "(c) other (limit, timeout, crash, HTTP, reference failure)",
}


def record(name: str, kind: str, reason: str = "") -> None:
    OUTCOMES[name] = (kind, reason)


def summary_lines() -> list[str]:
    if not OUTCOMES:
        return []
    by_class: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, (kind, reason) in sorted(OUTCOMES.items()):
        by_class[kind].append((name, reason))
    passed = len(by_class.get("pass", []))
    lines = [
        f"{len(OUTCOMES)} snippets: {passed} pass, "
        + ", ".join(f"{len(by_class.get(k, []))} {k}" for k in CLASSES)
    ]
    for kind, title in CLASSES.items():
        entries = by_class.get(kind, [])
        if not entries:
            continue
        lines.append(f"{title}: {len(entries)}")
        for name, reason in entries:
            lines.append(f"  {name}: {reason}")
    causes: dict[str, list[str]] = defaultdict(list)
    for name, (kind, reason) in OUTCOMES.items():
        if kind != "pass":
            causes[_cause(reason)].append(name.removesuffix(".py"))
    if causes:
        lines.append("by cause (the first one each snippet met):")
        for cause, names in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"  {len(names):3} {cause}: {' '.join(sorted(names))}")
    return lines


def _cause(reason: str) -> str:
    """A reason without its line number and, for an error CPython did not raise, the tail."""
    reason = re.sub(r" \(line \d+\)", "", reason)
    other_error = re.match(r"error (['\"])(.*?)\1, CPython ", reason)
    if other_error:  # the service raised something else than CPython did
        return other_error.group(2)
    return reason.removesuffix("; CPython ran to the end").removeprefix("service raised ")
