"""What both job backends promise: the interfaces routes use, their errors, and the job kinds.

Two backends, chosen by ``create_app`` from the settings:

* ``app.jobs.local`` (embedded, the default): warm pebble workers of this web process;
* ``app.jobs.celery`` (scale-out, ``GRADTRACE_REDIS_URL`` set): Celery workers on any machine
  (``gradtrace worker``), run records in Redis.

Both run the same job functions (``app.jobs.worker``) and raise the same errors:
:class:`Saturated` past ``capacity`` jobs in flight (HTTP 503), ``ProgramError`` with type
``timeout`` or ``crash`` when the job's worker was killed or died, :class:`JobFailed` for a bug
in gradtrace inside the job. Routes annotate :class:`JobBackend` and :class:`RunManager`,
never a backend's own class.

This module imports neither torch nor a backend: routes and both backends import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from app.config import Settings, TrainingLimits
    from app.runs.records import RunStore

T = TypeVar("T")


class Saturated(Exception):
    """Too many jobs in flight; the caller should retry after ``retry_after_s`` seconds."""

    def __init__(self, in_flight: int, capacity: int, retry_after_s: int) -> None:
        super().__init__(f"{in_flight} jobs in flight, the limit is {capacity} (max_queue)")
        self.retry_after_s = retry_after_s


class JobFailed(RuntimeError):
    """A job hit a bug in gradtrace, not in the program; the message is the worker's traceback."""


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


class RunManager(Protocol):
    """Starts and cancels training runs; ``store`` holds every run and its event log."""

    store: RunStore
    pool: JobBackend  # the backend that runs training runs (not the programs' one)

    def launch(
        self, run_id: str, config: dict[str, Any], limits: TrainingLimits | None = None
    ) -> None:
        """Start a run the store holds as queued (call from the event loop)."""

    async def cancel(self, run_id: str) -> bool:
        """Cancel a run in flight; False when there was none to cancel."""
        ...

    async def close(self) -> None:
        """Stop following the runs in flight (server shutdown)."""


@dataclass(frozen=True)
class JobKind:
    """What tells program jobs from training-run jobs, for either backend: read once, here.

    The ``*_setting`` fields name settings: a backend reads their values from ``Settings`` and
    names them in its errors (``job_timeout_s`` in a timeout, ``max_queue`` in a 503).
    """

    queue: str  # the scale-out queue, also the kind's name ("programs", "runs")
    job_name: str  # how errors speak of one job ("the program ran longer than ...")
    workers_setting: str  # processes an embedded server (and a default worker) gives the kind
    timeout_setting: str  # wall-clock limit of one job
    capacity_setting: str  # jobs in flight before Saturated
    queue_wait_setting: str  # scale-out: how long a job may wait for a worker to start it
    max_file_bytes: int  # embedded: RLIMIT_FSIZE of the kind's workers
    revoke_on_cancel: bool  # scale-out: a request that goes away kills its job

    def workers(self, settings: Settings) -> int:
        return int(getattr(settings, self.workers_setting))

    def timeout_s(self, settings: Settings) -> float:
        return float(getattr(settings, self.timeout_setting))

    def capacity(self, settings: Settings) -> int:
        return int(getattr(settings, self.capacity_setting))

    def queue_wait_s(self, settings: Settings) -> float:
        return float(getattr(settings, self.queue_wait_setting))


# Short jobs, many at once. A program cannot open files: the file cap only stops a hole.
PROGRAMS = JobKind(
    queue="programs",
    job_name="the program",
    workers_setting="workers",
    timeout_setting="job_timeout_s",
    capacity_setting="max_queue",
    queue_wait_setting="queue_wait_s",
    max_file_bytes=1 << 20,
    revoke_on_cancel=True,
)
# Long jobs, each holding a worker throughout. Embedded, the worker writes the run store's
# SQLite file and its write-ahead log; scale-out, a run may wait behind other runs for as long
# as one of them may last, and a web replica stopping must not stop the runs it started.
RUNS = JobKind(
    queue="runs",
    job_name="the training run",
    workers_setting="run_workers",
    timeout_setting="run_timeout_s",
    capacity_setting="max_runs_in_flight",
    queue_wait_setting="run_timeout_s",
    max_file_bytes=1 << 34,
    revoke_on_cancel=False,
)
JOB_KINDS = (PROGRAMS, RUNS)


def timeout_message(job_name: str, limit: float, setting: str) -> str:
    """The words of a time-limit error, the same from both backends."""
    return f"{job_name} ran longer than the {limit:g} s limit ({setting})"


def crash_message(job_name: str, how: str) -> str:
    """The words of a crash error (``how``: "killed by SIGKILL", "exit code 70"...)."""
    return f"{job_name} crashed the worker process ({how}); a fresh worker replaces it"


def unpack_result(outcome: dict[str, Any]) -> dict[str, Any]:
    """The web process's side of a graph job's result: raise what the worker returned as an
    error (``{"error": ...}`` for a ProgramError, ``{"internal_error": traceback}`` for a bug)."""
    from app.lang.errors import ProgramError

    if "error" in outcome:
        raise ProgramError(**outcome["error"])
    if "internal_error" in outcome:
        raise JobFailed(outcome["internal_error"])
    return outcome
