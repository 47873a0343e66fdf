"""The tests' SSE reader: events and comments from the lines of a text/event-stream body.

Shared by the API tests (tests/test_api_runs.py) and the scale-out tests (tests/scale_support.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Event:
    """One dispatched server-sent event: its integer id, type and JSON data."""

    id: int
    type: str
    data: Any


def parse_sse(lines: Iterator[str]) -> Iterator[Event | str]:
    """Events (and comments, as ``str``) from the lines of a text/event-stream body.

    The HTML spec's rules, as far as this API uses them: ``field: value`` lines accumulate, a
    blank line dispatches, ``:`` starts a comment; every event here must carry an id and data.
    """
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in lines:
        if not line:
            if data or fields:
                assert "id" in fields, f"an event without an id: {fields} {data}"
                assert fields["id"].isdigit(), f"a non-integer id: {fields['id']!r}"
                payload = json.loads("\n".join(data))
                yield Event(int(fields["id"]), fields.get("event", "message"), payload)
            fields, data = {}, []
        elif line.startswith(":"):
            yield line[1:].strip()
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            else:
                fields[name] = value


def sse_events(lines: Iterator[str]) -> Iterator[Event]:
    """Only the events of :func:`parse_sse` (comments, such as heartbeats, skipped)."""
    return (item for item in parse_sse(lines) if isinstance(item, Event))
