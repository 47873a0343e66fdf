"""create_app(): the FastAPI application with its routers, static files, error handling and the
lifespan that starts the warm job pool and stops it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import torch
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import graph, health, pages, run_insight, runs
from app.api.body_guard import BodyGuard
from app.api.handlers import install_error_handlers
from app.api.ratelimit import RateLimit
from app.api.responses import StrictJSONResponse
from app.config import Settings, get_settings
from app.jobs.local.pool import JobPool
from app.jobs.local.run_manager import LocalRunManager
from app.jobs.protocol import PROGRAMS, RUNS
from app.runs.store import SQLiteRunStore
from app.runs.stream import AppendNotifier

log = logging.getLogger("gradtrace")

APP_DIR = Path(__file__).resolve().parent
REPO_DIR = APP_DIR.parent

DESCRIPTION = """\
Run a small PyTorch program and see its **autograd graph**: every op PyTorch recorded for
backward, every leaf with its gradient, as JSON, Graphviz DOT and SVG.

Programs run in warm worker processes behind an interpreter for a safe subset of Python and
torch, with a wall-clock limit (`job_timeout_s`), memory and size limits, and OS limits on each
worker. Errors always come back as `{"error": {"type", "message", "line", "column"}}`; mistakes
in a program are 4xx, never 5xx.
"""

TAGS = [
    {"name": "graph", "description": "Run a program, get its autograd graph."},
    {"name": "runs", "description": "Training runs: start, follow live (SSE), cancel, predict."},
    {"name": "health", "description": "Liveness and load of the service."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; the job pool starts when the server runs its lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.redis_url:  # scale-out: jobs and runs go through Redis (docs/deploy.md)
            from app.jobs.celery.services import scale_out_services

            async with scale_out_services(app, settings):
                yield
            return
        pool = JobPool.for_kind(PROGRAMS, settings)
        run_pool = JobPool.for_kind(RUNS, settings)
        app.state.pool = pool
        app.state.run_manager = await asyncio.to_thread(open_run_manager, settings, run_pool, app)
        pool.start()
        run_pool.start()
        try:
            # Serve only once a worker is warm: the first request must not pay for torch.
            await asyncio.gather(pool.warm_up(), run_pool.warm_up())
            log.info("gradtrace ready: %d workers on %s", settings.workers, app.state.device)
            yield
        finally:
            await app.state.run_manager.close()
            await asyncio.gather(asyncio.to_thread(pool.close), asyncio.to_thread(run_pool.close))

    app = FastAPI(
        title="gradtrace",
        summary="See PyTorch autograd: run a program, get its autograd graph.",
        description=DESCRIPTION,
        version=__version__,
        openapi_tags=TAGS,
        lifespan=lifespan,
        default_response_class=StrictJSONResponse,
    )
    app.state.settings = settings
    app.state.device = "cuda" if torch.cuda.is_available() else "cpu"
    app.state.render_slots = asyncio.Semaphore(settings.workers)
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        trust_forwarded=settings.trust_forwarded_for,
    )
    app.add_middleware(
        BodyGuard,
        max_body_bytes=settings.max_body_bytes,
        max_json_int_digits=settings.max_json_int_digits,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(graph.router)
    app.include_router(runs.router)
    app.include_router(run_insight.router)
    app.include_router(pages.router)
    _mount_files(app)
    return app


def open_run_manager(settings: Settings, pool: JobPool, app: FastAPI) -> LocalRunManager:
    """The durable run store (SQLite under data_dir) and the manager of runs in flight.

    Runs a previous server left queued or running lost their worker with it: they are ended
    now, with the reason, so none stays "running" forever.
    """
    notifier = AppendNotifier()
    app.state.notifier = notifier
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SQLiteRunStore(settings.data_dir / "runs.sqlite3", on_append=notifier.notify)
    ended = store.mark_interrupted_runs("the server restarted before the run finished")
    if ended:
        log.warning("ended %d run(s) cut off by a restart", len(ended))
    return LocalRunManager(store, pool, app.state.device)


def _mount_files(app: FastAPI) -> None:
    """/static from the repository's static/ (or the copy bundled in a wheel); the templates
    are app.api.pages' own."""
    static = _first_dir(REPO_DIR / "static", APP_DIR / "_static")
    if static is not None:
        app.mount("/static", StaticFiles(directory=static), name="static")


def _first_dir(*candidates: Path) -> Path | None:
    return next((path for path in candidates if path.is_dir()), None)
