"""What a run's event log holds beyond its loss curve, over REST: the loss landscape with the
optimizer's path, the per-epoch histograms, and the per-epoch history as CSV or JSON.

Everything here is read back from the run's events (app.runs), never recomputed: the worker
wrote the grids and histograms as the run went (app/training/landscape.py, histograms.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import RunStoreDep
from app.api.responses import StrictJSONResponse
from app.api.runs import NOT_FOUND, RunId, not_found
from app.runs.records import HISTORY_KEYS, RunStore, StoredEvent

router = APIRouter(prefix="/api", tags=["runs"])

_PAGE = 500

LANDSCAPE_EXAMPLE = {
    "id": "3f2a9c0d1e",
    "status": "succeeded",
    "landscape": {
        "kind": "exact",
        "dims": 2,
        "axes": [
            {"name": "0.weight", "values": [0.5, 1.25, 2.0]},
            {"name": "0.bias", "values": [-0.5, 0.0, 0.5]},
        ],
        "loss": [[30.1, 6.9, 3.2], [25.5, 4.0, 2.1], [21.3, 2.6, 1.6]],
        "rows": 3,
        "start": [1.0, 0.0],
        "epoch": 100,
    },
    "path": [
        {"epoch": 0, "at": [1.0, 0.0], "loss": 14.0},
        {"epoch": 1, "at": [1.28, 0.12], "loss": 7.9},
    ],
}
HISTOGRAMS_EXAMPLE = {
    "id": "3f2a9c0d1e",
    "status": "running",
    "bins": 3,
    "epochs": [1, 2],
    "params": {
        "0.weight": [
            {"min": -0.6, "max": 0.7, "counts": [10, 12, 10], "nonfinite": 0},
            {"min": -0.6, "max": 0.71, "counts": [9, 13, 10], "nonfinite": 0},
        ]
    },
    "grads": {
        "0.weight": [
            {"min": -0.01, "max": 0.02, "counts": [4, 20, 8], "nonfinite": 0},
            {"min": -0.01, "max": 0.01, "counts": [5, 19, 8], "nonfinite": 0},
        ]
    },
}


def _events(store: RunStore, run_id: str) -> Iterator[StoredEvent]:
    last = 0
    while True:
        page = store.events_after(run_id, last, _PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        last = page[-1].id


def landscape_of(store: RunStore, run_id: str) -> dict[str, Any]:
    """The latest grid of the run (the done event's when it has one) and, for the exact kind,
    the optimizer's path: the start, then each epoch's values of the grid's axes."""
    grid: dict[str, Any] | None = None
    epochs: list[tuple[int, dict[str, Any]]] = []
    for event in _events(store, run_id):
        if event.type not in ("epoch", "done"):
            continue
        data = event.payload()
        if event.type == "epoch":
            epochs.append((data["epoch"], data.get("landscape_point") or {}))
        if "landscape" in data:
            grid = {**data["landscape"], "epoch": data.get("epoch", data.get("epochs"))}
    path: list[dict[str, Any]] = []
    if grid is not None and grid.get("kind") == "exact":
        path.append({"epoch": 0, "at": grid["start"], "loss": grid.get("start_loss")})
        path += [{"epoch": e, **p} for e, p in epochs if p]
    return {"landscape": grid, "path": path}


def histograms_of(store: RunStore, run_id: str, max_epochs: int) -> dict[str, Any]:
    """Each parameter's and gradient's histogram per epoch, at most ``max_epochs`` epochs
    (evenly spread over the run, its last epoch included)."""
    found = [
        (event.payload(), event.id) for event in _events(store, run_id) if event.type == "epoch"
    ]
    found = [(data, i) for data, i in found if "histograms" in data]
    if len(found) > max_epochs:
        step = (len(found) - 1) / (max_epochs - 1) if max_epochs > 1 else len(found)
        keep = sorted({round(k * step) for k in range(max_epochs)} | {len(found) - 1})
        found = [found[k] for k in keep if k < len(found)]
    body: dict[str, Any] = {"bins": None, "epochs": [], "params": {}, "grads": {}}
    for data, _ in found:
        hist = data["histograms"]
        body["epochs"].append(data["epoch"])
        for group in ("params", "grads"):
            for name, h in hist[group].items():
                body[group].setdefault(name, []).append(h)
                if h is not None:
                    body["bins"] = len(h["counts"])
    return body


@router.get(
    "/runs/{run_id}/landscape",
    responses={**NOT_FOUND, 200: {"content": {"application/json": {"example": LANDSCAPE_EXAMPLE}}}},
    summary="The run's loss landscape and the optimizer's path on it",
    description='For a model of 1 or 2 trainable scalars (config `landscape: "auto"`): the '
    "loss on a grid of the parameters' values (`loss[j][i]` at `axes[0].values[i]`, "
    "`axes[1].values[j]`; a list for one axis), laid around the path and laid again as it "
    "grows, and `path`: the start (epoch 0) and every epoch's parameters. With "
    '`landscape: "random_1d"`/`"random_2d"` a slice through the trained parameters along '
    'random filter-normalised directions (`kind: "random"`, axes `alpha`, `beta` in '
    "[-1, 1]) once the run is done, and no path. `landscape` is null when there is none (yet).",
)
async def run_landscape(run_id: RunId, store: RunStoreDep) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    if record is None:
        return not_found(run_id)
    body = await asyncio.to_thread(landscape_of, store, run_id)
    return StrictJSONResponse({"id": run_id, "status": record.status, **body})


@router.get(
    "/runs/{run_id}/histograms",
    responses={
        **NOT_FOUND,
        200: {"content": {"application/json": {"example": HISTOGRAMS_EXAMPLE}}},
    },
    summary="Histograms of each parameter and its gradient, per epoch",
    description="`params[name][k]` and `grads[name][k]` are the histograms at `epochs[k]`: "
    "`bins` equal-width bins from `min` to `max`, non-finite values counted apart. A grad is "
    "null where backward gave none. Long runs are thinned to `max_epochs` epochs, evenly.",
)
async def run_histograms(
    run_id: RunId,
    store: RunStoreDep,
    max_epochs: Annotated[int, Query(ge=1, le=2_000)] = 200,
) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id, history=False)
    if record is None:
        return not_found(run_id)
    body = await asyncio.to_thread(histograms_of, store, run_id, max_epochs)
    return StrictJSONResponse({"id": run_id, "status": record.status, **body})


def history_csv(history: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_KEYS)
    for row in history:
        writer.writerow(["" if row.get(k) is None else row[k] for k in HISTORY_KEYS])
    return out.getvalue()


@router.get(
    "/runs/{run_id}/history.csv",
    responses={
        **NOT_FOUND,
        200: {
            "content": {
                "text/csv": {"example": "epoch,loss,val_loss,lr,elapsed_ms\n1,12.5,,0.01,3.1\n"}
            }
        },
    },
    summary="The run's per-epoch history as CSV",
    description="One row per epoch: epoch, loss, val_loss (empty without a validation split), "
    "lr, elapsed_ms; a diverged loss reads NaN or Infinity.",
)
async def run_history_csv(run_id: RunId, store: RunStoreDep) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id)
    if record is None:
        return not_found(run_id)
    headers = {"Content-Disposition": f'attachment; filename="run-{run_id}-history.csv"'}
    return Response(history_csv(record.history or []), media_type="text/csv", headers=headers)


@router.get(
    "/runs/{run_id}/history.json",
    responses={
        **NOT_FOUND,
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "id": "3f2a9c0d1e",
                        "config": {"epochs": 100},
                        "history": [
                            {
                                "epoch": 1,
                                "loss": 12.5,
                                "val_loss": None,
                                "lr": 0.01,
                                "elapsed_ms": 3.1,
                            }
                        ],
                    }
                }
            }
        },
    },
    summary="The run's config and per-epoch history as a JSON download",
)
async def run_history_json(run_id: RunId, store: RunStoreDep) -> Response:
    record = await asyncio.to_thread(store.get_run, run_id)
    if record is None:
        return not_found(run_id)
    headers = {"Content-Disposition": f'attachment; filename="run-{run_id}-history.json"'}
    body = {"id": run_id, "config": record.config, "history": record.history or []}
    return StrictJSONResponse(body, headers=headers)
