"""Training runs over REST and Server-Sent Events: start, list, read, cancel, predict, stream,
and the autograd graph of one training step."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.responses import Response
from sse_starlette.sse import EventSourceResponse

from app.api.deps import (
    DeviceDep,
    NotifierDep,
    PoolDep,
    RenderSlotsDep,
    RunManagerDep,
    RunStoreDep,
    SettingsDep,
)
from app.api.envelope import error_response
from app.api.graph import graph_response
from app.api.responses import JSONBytesResponse, StrictJSONResponse
from app.jobs.protocol import Saturated
from app.jobs.worker.training_jobs import predict_job, run_graph_step_job
from app.runs.records import RunRecord, RunStore
from app.runs.stream import run_events
from app.schemas import ErrorResponse, GraphResponse, PredictRequest, RunCreated
from app.training.config import TrainConfig
from app.training.presets import get_preset, presets

router = APIRouter(prefix="/api", tags=["runs"])

RunId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The run's id.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No run has this id."}
}


@router.get("/presets", summary="Training configs that reproduce the seed tutorials")
async def list_presets() -> list[dict[str, Any]]:
    return presets()


@router.post(
    "/runs",
    status_code=201,
    response_model=RunCreated,
    responses={422: {"model": ErrorResponse, "description": "The config is invalid."}},
    summary="Start a training run",
    description="Validates the config (unknown keys refused, every number bounded; a 422 names "
    "the field) and starts the run in a worker. Follow it at `events_url` (SSE).",
)
async def create_run(
    config: Annotated[
        TrainConfig,
        Body(
            openapi_examples={"seed_004": {"value": get_preset("seed-004-linear-model")["config"]}}
        ),
    ],
    manager: RunManagerDep,
    settings: SettingsDep,
    device: DeviceDep,
) -> Response:
    if config.device == "cuda" and device != "cuda":
        return error_response(
            400, "runtime", 'CUDA is not available on this server; use device "cpu" or "auto"'
        )
    pool = manager.pool
    if pool.in_flight >= pool.capacity:
        raise Saturated(pool.in_flight, pool.capacity, 5)
    spec = config.model_dump(mode="json")
    run_id = await asyncio.to_thread(manager.store.create_run, spec)
    manager.launch(run_id, spec, settings.training_limits())
    body = {"id": run_id, "status": "queued", "events_url": f"/api/runs/{run_id}/events"}
    return StrictJSONResponse(body, status_code=201, headers={"Location": f"/api/runs/{run_id}"})


@router.get("/runs", summary="Runs, newest first")
async def list_runs(
    store: RunStoreDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    records = await asyncio.to_thread(store.list_runs, limit, offset)
    body = {"runs": [summary(r) for r in records], "limit": limit, "offset": offset}
    return StrictJSONResponse(body)


@router.get("/runs/{run_id}", responses=NOT_FOUND, summary="A run with its per-epoch history")
async def get_run(run_id: RunId, store: RunStoreDep) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id)
    if record is None:
        return not_found(run_id)
    body = {**summary(record), "config": record.config, "history": record.history}
    body["final"] = await asyncio.to_thread(final_event, store, record)
    return StrictJSONResponse(body)


@router.delete("/runs/{run_id}", responses=NOT_FOUND, summary="Cancel a run")
async def cancel_run(run_id: RunId, store: RunStoreDep, manager: RunManagerDep) -> Response:
    if not await manager.cancel(run_id):
        record = await asyncio.to_thread(store.get_run, run_id, history=False)
        if record is None:
            return not_found(run_id)
        if record.status == "queued":  # created but not yet handed to this process's pool
            await asyncio.to_thread(store.set_status, run_id, "cancelled")
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    assert record is not None
    return StrictJSONResponse(summary(record))


@router.post(
    "/runs/{run_id}/predict",
    responses={**NOT_FOUND, 409: {"model": ErrorResponse, "description": "Not finished."}},
    summary="Outputs of a finished run's model for some inputs",
)
async def predict(
    run_id: RunId,
    payload: PredictRequest,
    store: RunStoreDep,
    pool: PoolDep,
    settings: SettingsDep,
) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    if record is None:
        return not_found(run_id)
    final = await asyncio.to_thread(final_event, store, record)
    # The done event decides, not the status: a worker appends done before it sets
    # "succeeded", and a client that predicts the moment it sees done must get its answer.
    if not final or "params" not in final:
        return error_response(
            409, "conflict", f"run {run_id} has no trained model ({record.status})"
        )
    state = {**final["params"], **final.get("buffers", {})}
    limits = settings.training_limits()
    outputs = await pool.submit(predict_job, record.config, state, payload.inputs, limits)
    return StrictJSONResponse({"inputs": payload.inputs, "outputs": outputs})


@router.get(
    "/runs/{run_id}/graph",
    response_model=GraphResponse,
    responses=NOT_FOUND,
    summary="The autograd graph of one training step of a run",
)
async def run_graph(
    run_id: RunId,
    store: RunStoreDep,
    settings: SettingsDep,
    pool: PoolDep,
    slots: RenderSlotsDep,
    render_svg: bool = True,
    show_saved: bool = False,
    trace: Annotated[
        bool,
        Query(
            description="Watch one whole training step (forward, backward, optimizer step): "
            'the body gains `timeline`, as POST /api/graph with `"trace": true`.'
        ),
    ] = False,
) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    if record is None:
        return not_found(run_id)
    started = time.perf_counter()
    result = await pool.submit(
        run_graph_step_job,
        record.config,
        show_saved,
        settings.max_value_elements,
        settings.max_graph_nodes,
        settings.training_limits(),
        render_svg,
        settings.trace_limits() if trace else None,
    )
    outcome = await graph_response(result, render_svg, settings, slots, started)
    return JSONBytesResponse(outcome.body)


@router.get(
    "/runs/{run_id}/events",
    responses={**NOT_FOUND, 200: {"content": {"text/event-stream": {}}}},
    summary="The run's events as Server-Sent Events, resumable with Last-Event-ID",
    description="`epoch` events, then exactly one of `done`, `error`, `cancelled`. Every event "
    "has an integer id; reconnecting with `Last-Event-ID` (or `?after=`) sends every later "
    "event, none twice. A client arriving after the end gets the whole history and the end.",
)
async def run_event_stream(
    run_id: RunId,
    store: RunStoreDep,
    settings: SettingsDep,
    notifier: NotifierDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    if record is None:
        return not_found(run_id)
    resume_from = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        resume_from = int(last_event_id.strip())
    events = run_events(
        store,
        run_id,
        resume_from,
        poll_interval=settings.sse_poll_s,
        notifier=notifier,
    )
    return EventSourceResponse(
        events, ping=settings.sse_ping_s, headers={"Cache-Control": "no-store"}
    )


def summary(record: RunRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "status": record.status,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "error": record.error,
        "metrics": record.metrics,
        "last_event_id": record.last_event_id,
        "events_url": f"/api/runs/{record.id}/events",
    }


def final_event(store: RunStore, record: RunRecord) -> dict[str, Any] | None:
    """The done event's data (final loss, parameters, predictions), when the run has one."""
    if record.last_event_id == 0:
        return None
    (last,) = store.events_after(record.id, record.last_event_id - 1, 1) or (None,)
    return last.payload() if last is not None and last.type == "done" else None


def not_found(run_id: str) -> Response:
    return error_response(404, "not_found", f"no run has id {run_id}")
