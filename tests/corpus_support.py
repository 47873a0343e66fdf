"""Shared state of the tutorial corpus test (tests/test_corpus.py): each snippet's outcome, and
the end-of-session summary that tests/conftest.py prints, so whoever runs the suite sees how many
snippets the service refuses and why."""

from __future__ import annotations

from collections import defaultdict

# snippet file name -> (class, reason); class is one of CLASSES, or "pass"
OUTCOMES: dict[str, tuple[str, str]] = {}

CLASSES = {
    "refused": "(a) refused by the service as not_allowed/syntax (lack of support)",
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
    return lines
