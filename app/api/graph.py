"""POST /api/graph and GET /api/graph.svg: run a program in a worker, return its autograd graph.

The program runs in a fenced worker (app.jobs), which also writes most of the response body and
lays out small graphs; a large graph is laid out here by ``dot`` under its own timeout (its input
is our own DOT text, never the user's code).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from app.api.deps import PoolDep, RenderSlotsDep, SettingsDep
from app.api.envelope import error_response
from app.api.responses import JSONBytesResponse
from app.config import Settings
from app.encoding import dumps
from app.graph import RenderError, render_svg_async
from app.jobs.protocol import JobBackend, unpack_result
from app.jobs.worker.graph_jobs import run_graph_job
from app.schemas import SEED_PROGRAM, Device, ErrorResponse, GraphRequest, GraphResponse

router = APIRouter(prefix="/api", tags=["graph"])

# The SVG comes from Graphviz, but its labels carry the program's names: forbid scripts outright
# in case a browser opens it directly, and stop type sniffing.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "The program is wrong (type syntax, not_allowed or runtime, with its "
        "line and column) or the body is not strict JSON (invalid_json).",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "type": "syntax",
                        "message": "invalid syntax",
                        "line": 2,
                        "column": 7,
                    }
                }
            }
        },
    },
    413: {"model": ErrorResponse, "description": "The body is over max_body_bytes (too_large)."},
    422: {
        "model": ErrorResponse,
        "description": "The program needs more than the service gives: type limit (names the "
        "setting in `limit`), timeout (job_timeout_s) or crash (its worker died). Also type "
        "validation for a body that does not fit the schema, with FastAPI's `detail` list.",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "type": "timeout",
                        "message": "the program ran longer than the 5 s limit (job_timeout_s)",
                        "line": None,
                        "column": None,
                        "limit": "job_timeout_s",
                    }
                }
            }
        },
    },
    503: {
        "model": ErrorResponse,
        "description": "Too many jobs in flight (saturated, with a Retry-After header), or "
        "Graphviz could not lay out the SVG (render).",
    },
}


@router.post(
    "/graph",
    response_model=GraphResponse,
    responses=ERRORS,
    summary="Run a program and get its autograd graph",
    description="Runs `source` in a warm worker under the service's limits (job_timeout_s, "
    "max_steps, max_tensor_elements, ...; see the README). Returns the program's tensors with "
    "values and gradients, the graph as JSON and DOT, and as SVG unless `render_svg` is false.",
)
async def post_graph(
    payload: Annotated[
        GraphRequest,
        Body(
            openapi_examples={
                "seed": {
                    "summary": "The seed program",
                    "value": {"source": SEED_PROGRAM, "device": "auto", "show_saved": False},
                },
                "trace": {
                    "summary": "The seed program, traced (timeline of frames and backward)",
                    "value": {"source": SEED_PROGRAM, "trace": True, "render_svg": False},
                },
                "syntax_error": {
                    "summary": "A syntax error (400)",
                    "value": {"source": "x = torch.tensor([1.,\ny = x +"},
                },
            }
        ),
    ],
    settings: SettingsDep,
    pool: PoolDep,
    slots: RenderSlotsDep,
) -> Response:
    outcome = await build_graph(payload, settings, pool, slots)
    return JSONBytesResponse(outcome.body)


@router.get(
    "/graph.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "The graph as SVG."},
        **ERRORS,
    },
    summary="Run a program and get its autograd graph as an SVG image",
    description="The same run as POST /api/graph, for an `<img src>` or a browser tab; "
    "errors still come back as JSON.",
)
async def get_graph_svg(
    settings: SettingsDep,
    pool: PoolDep,
    slots: RenderSlotsDep,
    source: Annotated[str, Query(description="The program.", examples=[SEED_PROGRAM])],
    device: Annotated[Device, Query()] = "auto",
    show_saved: Annotated[bool, Query()] = False,
) -> Response:
    payload = GraphRequest(source=source, device=device, show_saved=show_saved)
    outcome = await build_graph(payload, settings, pool, slots, for_export=True)
    if outcome.svg is None:
        problem = outcome.svg_error or {"reason": "render", "message": "no SVG was made"}
        if problem["reason"] == "timeout":
            return error_response(422, "limit", problem["message"], limit="dot_timeout_s")
        return error_response(503, "render", problem["message"])
    return Response(outcome.svg, media_type="image/svg+xml", headers=SVG_HEADERS)


async def build_graph(
    payload: GraphRequest,
    settings: Settings,
    pool: JobBackend,
    render_slots: asyncio.Semaphore,
    *,
    for_export: bool = False,
) -> GraphOutcome:
    """Run the job, lay out the SVG, and assemble the response body with its timings.

    ``for_export`` (GET /api/graph.svg) lays out any graph; otherwise a graph of more than
    svg_max_nodes nodes, or one whose edges cross too many ranks for dot to be quick
    (app.graph.render.slow_layout), is left to the browser (``svg_error.reason`` "skipped").
    """
    started = time.perf_counter()
    outcome = await pool.submit(
        run_graph_job,
        payload.source,
        payload.device,
        payload.show_saved,
        settings.program_limits(),
        settings.max_value_elements,
        settings.max_graph_nodes,
        payload.render_svg,
        settings.trace_limits() if payload.trace else None,
    )
    return await graph_response(
        unpack_result(outcome),
        payload.render_svg,
        settings,
        render_slots,
        started,
        for_export=for_export,
    )


@dataclass(frozen=True)
class GraphOutcome:
    """A graph response: its JSON body, and the SVG (or why there is none) for graph.svg."""

    body: bytes
    svg: str | None
    svg_error: dict[str, str] | None


async def graph_response(
    result: dict[str, Any],
    render_svg: bool,
    settings: Settings,
    render_slots: asyncio.Semaphore,
    started: float,
    *,
    for_export: bool = False,
) -> GraphOutcome:
    """A worker's graph result as the response body: SVG laid out here, timings added.

    The worker wrote most of the body (``result["body"]``, JSON text); the fields known only
    here - ``dot``, ``svg``, ``svg_error`` and ``timings_ms`` - are appended to it, so the web
    process never decodes or re-encodes a program's values.
    """
    round_trip_ms = _ms_since(started)
    job_ms = result["timings_ms"]
    svg: str | None = result.get("svg")  # small graphs come laid out by the worker
    svg_error: dict[str, str] | None = None
    render_started = time.perf_counter()
    nodes = int(result.get("nodes", 0))
    if render_svg and not for_export and nodes > settings.svg_max_nodes:
        # A big graph is laid out by the page (clusters, folds); Graphviz would take seconds.
        svg = None
        svg_error = {
            "reason": "skipped",
            "message": f"the graph has {nodes} nodes, more than svg_max_nodes "
            f"({settings.svg_max_nodes}): the page lays it out; GET /api/graph.svg draws it",
        }
    elif render_svg and not for_export and result.get("svg_skipped"):
        # So is one whose long edges would keep dot busy for seconds (a weight used all along
        # a loop), however few its nodes.
        svg = None
        svg_error = {"reason": "skipped", "message": str(result["svg_skipped"])}
    elif render_svg and svg is None:
        # A few dot processes at a time: layouts are CPU-bound and the workers need the cores.
        async with render_slots:
            try:
                svg = await render_svg_async(result["dot"], timeout=settings.dot_timeout_s)
            except RenderError as error:
                svg_error = {"reason": error.reason, "message": str(error)}
    render_ms = _ms_since(render_started) + job_ms.get("render", 0.0) if render_svg else 0.0
    tail = dumps(
        {
            "dot": result["dot"],
            "svg": svg,
            "svg_error": svg_error,
            "timings_ms": {
                # Time to reach a worker and come back, i.e. all but the worker's own work.
                "queue": round(max(0.0, round_trip_ms - job_ms.get("job", 0.0)), 2),
                "run": round(job_ms.get("run", 0.0), 2),
                "walk": round(job_ms["walk"], 2),
                "render": round(render_ms, 2),
                "total": round(_ms_since(started), 2),
            },
        }
    )
    head = result["body"].encode()
    return GraphOutcome(head[:-1] + b"," + tail[1:], svg, svg_error)


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000
