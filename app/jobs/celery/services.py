"""A web replica's services in scale-out mode (``GRADTRACE_REDIS_URL`` set).

``create_app``'s lifespan enters ``scale_out_services`` instead of starting pebble pools. It
puts on ``app.state`` what the routes use in both modes: ``pool`` (a ``JobBackend`` for
programs), ``run_manager`` (a ``RunManager``, with its ``store``), ``notifier`` (wakes SSE
readers) and ``device`` (what "auto" means: "cuda" when a live worker has a GPU). Background
tasks relay run appends from Redis to the SSE readers, sweep lost runs and follow the live
workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from app.config import Settings
from app.jobs.celery.backend import CeleryJobs
from app.jobs.celery.engine import RUN_TASK_PREFIX, make_celery
from app.jobs.celery.lease import RunLease
from app.jobs.celery.registry import WorkerRegistry
from app.jobs.celery.results import ResultWaiter
from app.jobs.celery.run_manager import CeleryRunManager
from app.jobs.protocol import PROGRAMS, RUNS
from app.runs.redis_notify import relay_appends
from app.runs.redis_store import RedisRunStore
from app.runs.stream import AppendNotifier

log = logging.getLogger("gradtrace")

WORKER_WATCH_S = 2.0
# Store calls run in threads (redis-py is synchronous); every SSE subscriber makes them, so the
# default executor (CPUs + 4 threads) would queue a crowd of subscribers behind each other.
STORE_THREADS = 64


@contextlib.asynccontextmanager
async def scale_out_services(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Connect to Redis and run this replica's background tasks for the app's lifetime."""
    assert settings.redis_url
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(STORE_THREADS))
    replica_id = uuid.uuid4().hex[:12]
    celery = make_celery(settings, results=False)
    store = RedisRunStore(settings.redis_url, max_events=settings.train_max_epochs + 16)
    waiter = ResultWaiter(settings.redis_url, [f"{replica_id}-", RUN_TASK_PREFIX])
    await waiter.start()
    programs = CeleryJobs(PROGRAMS, celery, waiter, settings, replica_id)
    run_jobs = CeleryJobs(RUNS, celery, waiter, settings, replica_id)
    lease = RunLease(store.redis, store.namespace, settings.run_lease_s)
    manager = CeleryRunManager(store, run_jobs, lease, settings)
    notifier = AppendNotifier()
    registry = WorkerRegistry(store.redis, store.namespace)
    app.state.pool, app.state.run_manager, app.state.notifier = programs, manager, notifier
    await asyncio.to_thread(follow_workers, registry, app, programs, run_jobs)
    background = [
        asyncio.create_task(relay_appends(settings.redis_url, store.channel, notifier)),
        asyncio.create_task(manager.reap_forever()),
        asyncio.create_task(watch_workers(registry, app, programs, run_jobs)),
    ]
    log.info(
        "gradtrace replica %s ready: scale-out mode, %d worker processes",
        replica_id,
        programs.workers,
    )
    try:
        yield
    finally:
        await manager.close()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await waiter.close()
        celery.close()
        store.close()


def follow_workers(
    registry: WorkerRegistry, app: FastAPI, programs: CeleryJobs, run_jobs: CeleryJobs
) -> None:
    """Read the live workers once: their processes for /health, CUDA for "auto" and 400s."""
    live = registry.live()
    programs.workers = run_jobs.workers = sum(int(w.get("concurrency", 0)) for w in live)
    programs.cuda = run_jobs.cuda = any(w.get("device") == "cuda" for w in live)
    app.state.device = "cuda" if programs.cuda else "cpu"


async def watch_workers(
    registry: WorkerRegistry, app: FastAPI, programs: CeleryJobs, run_jobs: CeleryJobs
) -> None:
    """Follow the live workers every WORKER_WATCH_S until cancelled."""
    while True:
        await asyncio.sleep(WORKER_WATCH_S)
        try:
            await asyncio.to_thread(follow_workers, registry, app, programs, run_jobs)
        except Exception:  # Redis down: keep the last known state
            log.debug("could not read the live workers", exc_info=True)
