"""HTTP routes, one module per resource, and the dependencies they share.

Dependencies are ``async def`` although they only read app state: FastAPI runs a plain ``def``
dependency in a worker thread, a needless hop on every request.

Routes stay thin: validate (pydantic), hand the work to a job, shape the response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from app.config import Settings

if TYPE_CHECKING:  # importing the pool pulls in torch; routes only need it at request time
    from app.jobs.pool import JobPool


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (CLI flags over GRADTRACE_* variables)."""
    return request.app.state.settings


async def job_pool(request: Request) -> JobPool:
    """The app's pool of warm workers, started by the lifespan."""
    return request.app.state.pool
