"""JobBackend: the one interface routes and the run manager use to run a job somewhere.

Two implementations, chosen by ``create_app`` from the settings:

* ``app.jobs.pool.JobPool`` (embedded, the default): warm pebble workers of this process;
* ``app.jobs.remote.RemoteJobs`` (scale-out, ``GRADTRACE_REDIS_URL`` set): Celery workers on
  any machine (``gradtrace worker``).

Both take the same job functions (``app.jobs.worker``, ``app.jobs.training_jobs``) and raise the
same errors: ``Saturated`` past ``capacity`` jobs in flight (HTTP 503), ``ProgramError`` with
type ``timeout`` or ``crash`` when the job's worker was killed or died.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class JobBackend(Protocol):
    """Runs job functions in fenced worker processes, with a time limit and a bounded queue."""

    workers: int  # worker processes serving this backend (for /health)
    in_flight: int  # jobs this web process is waiting for
    capacity: int  # in_flight at which submit raises Saturated

    def start(self) -> None:
        """Start what the backend needs (workers, connections); returns at once."""

    async def warm_up(self) -> None:
        """Wait until the backend can take jobs."""

    async def submit(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``fn(*args)`` in a worker; the backend's time limit unless ``timeout``."""
        ...

    def close(self) -> None:
        """Stop; jobs in flight are abandoned."""
