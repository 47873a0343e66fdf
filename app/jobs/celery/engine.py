"""The job engine of scale-out mode: Celery on Redis, its queues, and the catalogue of jobs.

Why Celery (docs/deploy.md has the long form): its prefork pool keeps warm worker processes
like our pebble pool does; a hard ``time_limit`` kills the child process running a job (the
only way to stop a C++ torch kernel) and starts a replacement; ``worker_max_tasks_per_child``
and ``worker_max_memory_per_child`` recycle workers; ``revoke(terminate=True)`` kills a job from
any machine; queues route CUDA jobs to GPU workers. Dramatiq's time limit raises an exception
in a thread (a kernel never sees it) and RQ forks a fresh process per job (no warm worker).

Both sides import this module: web replicas to send jobs, ``gradtrace worker`` to run them. It
imports neither torch nor ``app.lang`` (the worker's main process forks its children from a
clean state; they apply the fence before torch loads).

Messages are JSON, never pickle: anyone who can write to Redis must not be able to run code in
a worker. Arguments that are not JSON (the limits dataclasses, the run store) are tagged here
and rebuilt on the worker; a worker always uses its *own* run store, never one named in a
message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from celery import Celery

from app.config import ProgramLimits, Settings, TraceLimits, TrainingLimits
from app.jobs.protocol import JOB_KINDS
from app.jobs.worker.graph_jobs import run_graph_job
from app.jobs.worker.process import ping
from app.jobs.worker.training_jobs import predict_job, run_graph_step_job, run_training_job

# Job name (also the Celery task name after "gradtrace.") -> the function a worker runs.
JOBS: dict[str, Callable[..., Any]] = {
    "graph": run_graph_job,
    "train": run_training_job,
    "predict": predict_job,
    "graph_step": run_graph_step_job,
    "ping": ping,
}
JOB_NAMES: dict[Callable[..., Any], str] = {fn: name for name, fn in JOBS.items()}
# Which argument holds the requested device, for jobs that may ask for CUDA.
DEVICE_ARGUMENT = {"graph": 1, "train": 3}

# Programs and runs have queues of their own, as they have pools of their own when embedded, so
# a worker can be dedicated to either. "-cuda" queues are consumed only by workers with a GPU.
QUEUES = tuple(kind.queue for kind in JOB_KINDS)  # ("programs", "runs")
CUDA_SUFFIX = "-cuda"
TASK_PREFIX = "gradtrace."
# Run tasks have the id "run-<run id>", so any replica can revoke one knowing only the run.
RUN_TASK_PREFIX = "run-"

_TAG = "__gradtrace__"
_DATACLASSES = {
    "ProgramLimits": ProgramLimits,
    "TrainingLimits": TrainingLimits,
    "TraceLimits": TraceLimits,
}
STORE_PLACEHOLDER = {_TAG: "store"}


def make_celery(settings: Settings, *, results: bool = True) -> Celery:
    """The Celery app for ``settings.redis_url``.

    Web replicas pass ``results=False``: they read results with their own pub/sub listener
    (``results.py``), and Celery's result consumer would otherwise subscribe a channel per job.
    """
    if not settings.redis_url:
        raise ValueError("scale-out mode needs GRADTRACE_REDIS_URL")
    celery = Celery(
        "gradtrace",
        broker=settings.redis_url,
        backend=settings.redis_url if results else None,
        set_as_current=False,
    )
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # Acknowledged when done, so a worker reserves only the jobs it can start (with early
        # acks, one worker takes every queued job while the others idle). Still at most once:
        # a job whose child dies or times out is acknowledged as failed, never re-run
        # (reject_on_worker_lost off), and a job held by a worker that vanished whole is gone
        # with it (a program's client gets a 503 or a timeout; the lease sweep ends a run).
        task_acks_late=True,
        task_reject_on_worker_lost=False,
        task_acks_on_failure_or_timeout=True,
        task_track_started=True,  # the web's deadline switches from queue wait to time limit
        task_default_queue=QUEUES[0],
        result_expires=600,  # the web reads results at once; this only bounds leftovers
        worker_prefetch_multiplier=1,  # a job waits in Redis, not behind a busy worker's job
        worker_max_tasks_per_child=settings.worker_max_jobs,
        worker_max_memory_per_child=settings.worker_recycle_mb * 1024,  # KiB
        # The child's initializer imports torch and runs one program; Celery's default of 4 s
        # would kill it on a loaded machine.
        worker_proc_alive_timeout=120.0,
        # A killed child is reported (WorkerLostError) after this wait for a late result; the
        # 10 s default would let a run's lease expire first and blur why it failed.
        worker_lost_wait=2.0,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "socket_connect_timeout": 2,
            # Jobs leave Redis when a worker takes them; the worker counts the ones it has not
            # finished (which is what limits its prefetch). Redis's own "unacked" copies would
            # hand a job still running to a second worker after a visibility timeout, and
            # restoring them when the connection drops crashes this kombu's worker.
            "ack_emulation": False,
        },
        result_backend_transport_options={"retry_policy": {"timeout": 20.0}},
        # A broker outage must not abandon the runs in flight: they only need the run store.
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return celery


def lost_worker_detail(message: str) -> str:
    """Celery's "Worker exited prematurely: signal 9 (SIGKILL) Job: 3." as "killed by SIGKILL"."""
    signal_name = re.search(r"\((SIG[A-Z0-9]+)\)", message)
    if signal_name:
        return f"killed by {signal_name.group(1)}"
    code = re.search(r"exitcode (\d+)", message)
    return f"exit code {code.group(1)}" if code else "the worker process was lost"


def queue_for(kind: str, device: str | None) -> str:
    """The queue of a ``kind`` ("programs" or "runs") job asking for ``device``."""
    return kind + CUDA_SUFFIX if device == "cuda" else kind


def task_name(job: str) -> str:
    return TASK_PREFIX + job


def run_task_id(run_id: str) -> str:
    return RUN_TASK_PREFIX + run_id


def encode_args(args: tuple[Any, ...]) -> list[Any]:
    """A job's arguments as JSON-safe values (see the module docstring)."""
    return [_encode(arg) for arg in args]


def decode_args(args: list[Any], store: Callable[[], Any]) -> list[Any]:
    """The worker's side of ``encode_args``; ``store()`` gives the worker's run store."""
    return [_decode(arg, store) for arg in args]


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and type(value).__name__ in _DATACLASSES:
        return {_TAG: type(value).__name__, "fields": dataclasses.asdict(value)}  # type: ignore[arg-type]
    if hasattr(value, "append_event") and hasattr(value, "events_after"):  # a RunStore
        return STORE_PLACEHOLDER
    return value


def _decode(value: Any, store: Callable[[], Any]) -> Any:
    if isinstance(value, dict) and _TAG in value:
        if value[_TAG] == "store":
            return store()
        return _DATACLASSES[value[_TAG]](**value["fields"])
    return value
