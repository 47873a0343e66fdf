"""Wake-ups across processes: a worker that appends an event tells the web process at once.

The web process learns of its own appends through ``AppendNotifier`` (stream.py), but a run's
events are written by a worker process, so without this its SSE readers would only see them at
their next poll (``sse_poll_s``, 0.25 s by default). Instead the web process listens on a UDP
socket on loopback and each worker sends one datagram, ``"<run_id> <event_id>"``, after each
committed append; the listener hands it to the notifier, which wakes that run's readers.

A datagram carries no data, only "look now": readers still read the store, so a lost, late or
forged datagram costs at most one extra read, and polling stays as the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Callable

Address = tuple[str, int]
Notify = Callable[[str, int], None]

_MESSAGE = re.compile(rb"([A-Za-z0-9_-]{1,64}) ([0-9]{1,18})")


class WakeupSender:
    """The worker's side: ``sender(run_id, event_id)`` sends one datagram, never blocking or
    raising (a full buffer or a listener that has gone only loses the wake-up).

    Fits ``SQLiteRunStore(on_append=...)``, which calls it after each committed append.
    """

    def __init__(self, address: Address) -> None:
        self.address = address
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def __call__(self, run_id: str, event_id: int) -> None:
        with contextlib.suppress(OSError):
            self._socket.sendto(f"{run_id} {event_id}".encode(), self.address)

    def close(self) -> None:
        self._socket.close()


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, notify: Notify) -> None:
        self.notify = notify

    def datagram_received(self, data: bytes, addr: object) -> None:
        found = _MESSAGE.fullmatch(data)
        if found is not None:  # anything else is not ours: ignored
            self.notify(found[1].decode(), int(found[2]))


class WakeupListener:
    """The web process's side: a loopback UDP socket whose datagrams call ``notify``."""

    def __init__(self, transport: asyncio.DatagramTransport, address: Address) -> None:
        self._transport = transport
        self.address = address

    @classmethod
    async def start(cls, notify: Notify) -> WakeupListener:
        """Listen on 127.0.0.1, on a port the system picks (call from the event loop)."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Listener(notify), local_addr=("127.0.0.1", 0), family=socket.AF_INET
        )
        host, port = transport.get_extra_info("sockname")[:2]
        return cls(transport, (host, port))

    def close(self) -> None:
        self._transport.close()
