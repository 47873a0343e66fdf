"""GET /health: is the service up, and how busy is it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app import __version__
from app.api import app_settings, job_pool
from app.config import Settings
from app.jobs.pool import JobPool
from app.schemas import HealthResponse, QueueInfo

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Liveness and load",
    description="Answers from the web process alone (it never waits for a worker), so a busy "
    "pool still reports: `queue.in_flight` jobs are running or waiting, at most "
    "`queue.capacity` (max_queue) before requests get 503.",
)
async def health(
    request: Request,
    settings: Annotated[Settings, Depends(app_settings)],
    pool: Annotated[JobPool, Depends(job_pool)],
) -> HealthResponse:
    return HealthResponse(
        status="ok",
        version=__version__,
        workers=pool.workers,  # settings.workers when embedded; live worker processes else
        device=request.app.state.device,
        queue=QueueInfo(in_flight=pool.in_flight, capacity=pool.capacity),
    )
