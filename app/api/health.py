"""GET /health: is the service up, and how busy is it."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import DeviceDep, PoolDep
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
    pool: PoolDep,
    device: DeviceDep,
) -> HealthResponse:
    return HealthResponse(
        status="ok",
        version=__version__,
        workers=pool.workers,  # settings.workers when embedded; live worker processes else
        device=device,
        queue=QueueInfo(in_flight=pool.in_flight, capacity=pool.capacity),
    )
