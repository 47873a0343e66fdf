"""Work a job leaves for after its reply: freeing what a finished program made.

A pool sends a job's result only when the job function returns. Freeing a big program's objects
(a full collection, then a walked graph node by node, app.graph.release) takes about 170 ms for
a 20,000-node graph, and done in the job it would delay every big answer by that much. The job
hands that work to :func:`defer` instead: it runs on a thread while the reply travels, and the
next job calls :func:`wait` before it starts, so no program ever runs beside it.

Only process-wide work may be deferred: torch's grad mode and default device are per thread, so
a job resets those itself before it returns (graph_jobs.reset_settings). A program that failed
(often on a limit: memory, time) is freed before its error goes out, not here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("gradtrace.worker")

_pending: threading.Thread | None = None


def defer(work: Callable[[], None]) -> None:
    """Run ``work`` on a thread of its own, after any work deferred before it."""
    global _pending
    wait()
    thread = threading.Thread(target=_run, args=(work,), name="gradtrace-cleanup", daemon=True)
    _pending = thread
    thread.start()


def wait() -> None:
    """Return once the deferred work is done (at once when there is none)."""
    global _pending
    if _pending is not None:
        _pending.join()
        _pending = None


def _run(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # a bug of ours: the reply is gone already, the next job must not wait
        log.exception("cleanup after a job failed")
