"""``time``, ``string`` and ``unicodedata`` for one run: the pieces tutorials use.

``time`` tells the time (a training loop timing its epochs) and sleeps at most a second a call;
the job's own time limit bounds the rest. ``string`` is its constants. ``unicodedata`` is its
pure lookups (the char-RNN tutorial's ``unicodeToAscii``), with ``normalize``'s result, which can
be a few times longer than its input, held to ``max_sequence_length``.
"""

from __future__ import annotations

import string
import time
import unicodedata
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

MAX_SLEEP_S = 1.0


def time_namespace(interp: Host) -> Namespace:
    def sleep(seconds: Any) -> None:
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as a number")
        if seconds > MAX_SLEEP_S:
            raise LimitExceeded("max_sleep_s", MAX_SLEEP_S, "a program sleeps at most 1 s a call")
        time.sleep(seconds)  # a negative time raises Python's ValueError

    members = {
        name: getattr(time, name)
        for name in ("time", "time_ns", "perf_counter", "perf_counter_ns", "monotonic",
                     "monotonic_ns", "process_time", "process_time_ns")
    }  # fmt: skip
    return Namespace("time", members | {"sleep": sleep})


def string_namespace(interp: Host) -> Namespace:
    names = ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits",
             "octdigits", "punctuation", "printable", "whitespace")  # fmt: skip
    return Namespace("string", {name: getattr(string, name) for name in names})


def unicodedata_namespace(interp: Host) -> Namespace:
    limit = interp.limits.max_sequence_length

    def normalize(form: Any, text: Any) -> str:
        result = unicodedata.normalize(form, text)
        if len(result) > limit:
            raise LimitExceeded(
                "max_sequence_length", limit, f"the string would be {len(result)} characters long"
            )
        return result

    pure = (
        "category", "name", "lookup", "decimal", "digit", "numeric", "bidirectional", "combining",
        "east_asian_width", "mirrored", "decomposition", "is_normalized",
    )  # fmt: skip
    members = {name: getattr(unicodedata, name) for name in pure}
    return Namespace("unicodedata", members | {"normalize": normalize})
