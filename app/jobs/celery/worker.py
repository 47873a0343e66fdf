"""``gradtrace worker``: a Celery worker that runs gradtrace's jobs under the embedded fence.

Its main process never imports torch. Each prefork child, when Celery starts it
(``worker_process_init``), does what a pebble worker does in ``init_worker``: the OS fence
(capped heap, no core dumps, file size cap, private directory, scrubbed environment), then
torch with one thread and one warm-up program. Jobs are the embedded pool's functions
(``engine.JOBS``) with their arguments rebuilt from JSON. The time limit is Celery's hard
``time_limit``, sent with each job: past it the main process kills the child and starts another.

A child also watches its parent: if the main process dies (SIGKILL, the OOM killer), the child
exits instead of running on unsupervised; a run it held then loses its lease and is ended.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from celery import Celery, signals

from app.config import Settings
from app.jobs.celery.engine import (
    CUDA_SUFFIX,
    JOBS,
    QUEUES,
    decode_args,
    lost_worker_detail,
    make_celery,
    task_name,
)
from app.jobs.celery.lease import RunLease
from app.jobs.celery.registry import WorkerRegistry
from app.jobs.protocol import JOB_KINDS, RUNS, crash_message, timeout_message
from app.jobs.worker import cleanup
from app.jobs.worker.fence import MAX_FILE_BYTES
from app.jobs.worker.process import init_worker
from app.runs.redis_store import RedisRunStore

log = logging.getLogger("gradtrace.worker")


class WorkerContext:
    """What the tasks and signal handlers of one worker process need: settings, its node name,
    its fence directory, and a run store made on first use in each process."""

    def __init__(self, settings: Settings, node: str, base_dir: str) -> None:
        self.settings = settings
        self.node = node
        self.base_dir = base_dir
        self._store: RedisRunStore | None = None
        self._store_pid = 0

    def store(self) -> RedisRunStore:
        if self._store is None or self._store_pid != os.getpid():
            assert self.settings.redis_url
            max_events = self.settings.train_max_epochs + 16
            self._store = RedisRunStore(self.settings.redis_url, max_events=max_events)
            self._store_pid = os.getpid()
        return self._store

    def lease(self) -> RunLease:
        store = self.store()
        return RunLease(store.redis, store.namespace, self.settings.run_lease_s)


def detect_device() -> str:
    """This machine's device: cuda when torch sees a GPU, else cpu. Asked in a child process:
    the main process must not import torch (its pool children are forked from it)."""
    try:
        if "+cpu" in importlib.metadata.version("torch"):
            return "cpu"  # a CPU-only build: no need to start torch to know
    except importlib.metadata.PackageNotFoundError:
        return "cpu"
    probe = "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"
    try:
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return "cpu"
    return "cuda" if result.stdout.strip() == "cuda" else "cpu"


def worker_queues(requested: Sequence[str] | None, device: str) -> list[str]:
    """The queues to consume: both by default; a GPU worker also takes their "-cuda" twins."""
    queues = [q for q in (requested or QUEUES) if not q.endswith(CUDA_SUFFIX)]
    if device == "cuda":
        queues += [q + CUDA_SUFFIX for q in queues]
    return queues


def default_concurrency(settings: Settings, queues: Sequence[str]) -> int:
    """As many processes as an embedded server has: ``workers`` for programs, ``run_workers``
    for runs."""
    taken = {q.removesuffix(CUDA_SUFFIX) for q in queues}
    return max(1, sum(kind.workers(settings) for kind in JOB_KINDS if kind.queue in taken))


def run_worker(
    settings: Settings,
    queues: Sequence[str] | None = None,
    concurrency: int | None = None,
    loglevel: str = "info",
) -> int:
    """Run a Celery worker until it is stopped (SIGTERM: finish the jobs in hand; return)."""
    device = detect_device()
    chosen = worker_queues(queues, device)
    processes = concurrency or default_concurrency(settings, chosen)
    node = f"gradtrace-{os.getpid()}@{socket.gethostname()}"
    base_dir = tempfile.mkdtemp(prefix="gradtrace-worker-")
    atexit.register(shutil.rmtree, base_dir, ignore_errors=True)
    context = WorkerContext(settings, node, base_dir)
    celery = make_celery(settings)
    register_tasks(celery, context)
    info = {"node": node, "device": device, "concurrency": processes, "queues": chosen}
    connect_signals(context, info)
    worker = celery.Worker(
        hostname=node,
        queues=chosen,
        concurrency=processes,
        pool_cls="prefork",
        loglevel=loglevel.upper(),
        optimization="fair",
        without_gossip=True,  # no chatter between workers: each stands alone
        without_mingle=True,
        without_heartbeat=True,
    )
    if loglevel != "debug":
        # Celery logs every job's result at INFO: user programs' values, in every worker's log.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    log.info("gradtrace worker %s: %d processes on %s, queues %s", node, processes, device, chosen)
    worker.start()
    return int(worker.exitcode or 0)


def register_tasks(celery: Celery, context: WorkerContext) -> None:
    """One Celery task per job of ``engine.JOBS``, named ``gradtrace.<job>``."""
    for job, fn in JOBS.items():
        body = _training_task(fn, context) if job == "train" else _plain_task(fn, context)
        celery.task(name=task_name(job), typing=False)(body)


def _plain_task(fn: Callable[..., Any], context: WorkerContext) -> Callable[..., Any]:
    def task(*args: Any) -> Any:
        cleanup.wait()  # the last job's deferred cleanup (app.jobs.worker.cleanup)
        return fn(*decode_args(list(args), context.store))

    task.__name__ = task.__qualname__ = fn.__name__
    return task


def _training_task(fn: Callable[..., Any], context: WorkerContext) -> Callable[..., Any]:
    def task(*args: Any) -> Any:
        cleanup.wait()
        decoded = decode_args(list(args), context.store)
        run_id = decoded[0]
        record = context.store().get_run(run_id, history=False)
        if record is None or record.status != "queued":
            # Cancelled or swept while it waited, or (a job handed out twice) already taken.
            return record.status if record is not None else "missing"
        holder = {"pid": os.getpid(), "node": context.node}
        with context.lease().hold(run_id, holder):
            return fn(*decoded)

    task.__name__ = task.__qualname__ = fn.__name__
    return task


def connect_signals(context: WorkerContext, info: dict[str, Any]) -> None:
    """Child start-up (fence and warm-up), failures only the main process sees, heartbeats."""
    settings = context.settings

    def init_child(**_: Any) -> None:
        init_worker(settings.worker_memory_mb, context.base_dir, MAX_FILE_BYTES)
        _exit_with_parent()

    def record_lost_run(
        sender: Any = None, exception: Any = None, args: Any = None, **_: Any
    ) -> None:
        # Raised in the main process for a child it killed (time limit) or lost (crash): the
        # worker could not write the run's end, so it is written here, whatever the web does.
        if getattr(sender, "name", None) != task_name("train") or not args:
            return
        kind = type(exception).__name__
        if kind == "TimeLimitExceeded":
            limit = exception.args[0] if exception.args else settings.run_timeout_s
            message = timeout_message(RUNS.job_name, float(limit), RUNS.timeout_setting)
        elif kind == "WorkerLostError":
            message = crash_message(RUNS.job_name, lost_worker_detail(str(exception)))
        else:
            return  # raised inside the job: run_training_job recorded it itself
        context.store().set_status(args[0], "failed", message)

    registry: dict[str, Any] = {}

    def ready(**_: Any) -> None:
        workers = WorkerRegistry(context.store().redis, context.store().namespace)
        registry["stop"], registry["workers"] = workers.keep_alive(context.node, info), workers

    def shutdown(**_: Any) -> None:
        if registry:
            registry["stop"].set()
            registry["workers"].forget(context.node)

    # weak=False: these are closures, which Celery's default weak references would drop.
    signals.worker_process_init.connect(init_child, weak=False)
    signals.task_failure.connect(record_lost_run, weak=False)
    signals.worker_ready.connect(ready, weak=False)
    signals.worker_shutdown.connect(shutdown, weak=False)


def _exit_with_parent(interval_s: float = 1.0) -> None:
    """Exit this child when its parent (the worker's main process) is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)  # a cheap system call per second; no event exists for this
        os._exit(70)

    threading.Thread(target=watch, name="gradtrace-parent-watch", daemon=True).start()
