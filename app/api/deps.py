"""The dependencies routes annotate, as ``Annotated`` aliases: ``SettingsDep``, ``PoolDep``,
``RunManagerDep``, ``RunStoreDep``.

They give the interfaces both job backends implement (``app.jobs.protocol``), never the
embedded classes, so a route works unchanged in scale-out mode. They are ``async def`` although
they only read app state: FastAPI runs a plain ``def`` dependency in a worker thread, a needless
hop on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.jobs.protocol import JobBackend, RunManager
from app.runs.records import RunStore


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (CLI flags over GRADTRACE_* variables)."""
    settings: Settings = request.app.state.settings
    return settings


async def job_pool(request: Request) -> JobBackend:
    """The backend that runs programs (and predictions, step graphs), started by the lifespan."""
    pool: JobBackend = request.app.state.pool
    return pool


async def run_manager(request: Request) -> RunManager:
    """The manager of training runs, started by the lifespan."""
    manager: RunManager = request.app.state.run_manager
    return manager


async def run_store(request: Request) -> RunStore:
    """The store of training runs and their event logs."""
    store: RunStore = request.app.state.run_manager.store
    return store


SettingsDep = Annotated[Settings, Depends(app_settings)]
PoolDep = Annotated[JobBackend, Depends(job_pool)]
RunManagerDep = Annotated[RunManager, Depends(run_manager)]
RunStoreDep = Annotated[RunStore, Depends(run_store)]
