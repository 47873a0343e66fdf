"""The dependencies routes annotate, as ``Annotated`` aliases: ``SettingsDep``, ``PoolDep``,
``RunManagerDep``, ``RunStoreDep``, and the app state the lifespan sets (``DeviceDep``,
``NotifierDep``, ``RenderSlotsDep``).

They give the interfaces both job backends implement (``app.jobs.protocol``), never the
embedded classes, so a route works unchanged in scale-out mode. They are ``async def`` although
they only read app state: FastAPI runs a plain ``def`` dependency in a worker thread, a needless
hop on every request.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import Depends, Request

from app.config import Settings
from app.jobs.protocol import JobBackend, RunManager
from app.runs.records import RunStore
from app.runs.stream import AppendNotifier


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


async def server_device(request: Request) -> Literal["cpu", "cuda"]:
    """What "auto" means here: "cuda" when this server (scale-out: a live worker) has a GPU."""
    device: Literal["cpu", "cuda"] = request.app.state.device
    return device


async def append_notifier(request: Request) -> AppendNotifier:
    """Wakes SSE readers when a run's log grows."""
    notifier: AppendNotifier = request.app.state.notifier
    return notifier


async def render_slots(request: Request) -> asyncio.Semaphore:
    """The dot processes this web process may run at once (layouts are CPU-bound)."""
    slots: asyncio.Semaphore = request.app.state.render_slots
    return slots


SettingsDep = Annotated[Settings, Depends(app_settings)]
PoolDep = Annotated[JobBackend, Depends(job_pool)]
RunManagerDep = Annotated[RunManager, Depends(run_manager)]
RunStoreDep = Annotated[RunStore, Depends(run_store)]
DeviceDep = Annotated[Literal["cpu", "cuda"], Depends(server_device)]
NotifierDep = Annotated[AppendNotifier, Depends(append_notifier)]
RenderSlotsDep = Annotated[asyncio.Semaphore, Depends(render_slots)]
