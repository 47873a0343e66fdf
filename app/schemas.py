"""Request and response models of the JSON API (programs, runs, health), shared by app/api and
the OpenAPI page."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Device = Literal["auto", "cpu", "cuda"]

SEED_PROGRAM = """\
import torch

x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
y = x + 1
z = 2 * y
m = z.mean()
m.backward()
"""


class GraphRequest(BaseModel):
    """A program to run and what to send back."""

    # Strict: "true" is not a bool and unknown keys are refused, so a typo is an error and not a
    # silently ignored option.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"source": SEED_PROGRAM, "device": "auto"}]},
    )

    source: str = Field(description="The PyTorch program (the supported subset of Python).")
    device: Device = Field(
        default="auto", description='"auto" uses CUDA when the server has it, else the CPU.'
    )
    show_saved: bool = Field(
        default=False, description="List the tensors each op saved for backward."
    )
    render_svg: bool = Field(default=True, description="Lay the graph out as SVG with Graphviz.")


class ErrorBody(BaseModel):
    """What went wrong, for a person; ``line``/``column`` are 1-based when known."""

    type: str = Field(
        description="syntax, not_allowed, limit, runtime, timeout, crash (the program); "
        "validation, invalid_json, too_large, saturated, not_found, method_not_allowed, http, "
        "render, internal (the request or the server)",
        examples=["syntax"],
    )
    message: str = Field(examples=["invalid syntax"])
    line: int | None = Field(default=None, examples=[2])
    column: int | None = Field(default=None, examples=[5])
    limit: str | None = Field(default=None, description="The setting breached, for type limit.")


class ErrorResponse(BaseModel):
    """The envelope of every error the API returns."""

    error: ErrorBody
    detail: list[dict[str, Any]] | None = Field(
        default=None, description="FastAPI's list of problems, for type validation only."
    )


class TensorInfo(BaseModel):
    """One tensor of the program (values are nested lists, cut to max_value_elements)."""

    shape: list[int]
    dtype: str
    device: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None
    value: Any
    value_truncated: bool
    value_text: str
    grad: Any
    grad_truncated: bool
    grad_text: str | None
    is_view: bool
    numel: int


class GraphJSON(BaseModel):
    """The autograd graph: ops and leaves as nodes, data flowing from ``source`` to ``target``."""

    root: str | None = Field(description="The program's name for the tensor drawn as the root.")
    root_id: str | None
    nodes: list[dict[str, Any]] = Field(
        description="id, kind (op|leaf), op, vars, label, shape, dtype, device, is_view, saved, "
        "module (path of the nn.Module call that made it, or the module owning a parameter)"
    )
    edges: list[dict[str, Any]] = Field(description="id, source, target, count")
    truncated: bool
    max_nodes: int | None
    dropped_nodes: int = Field(
        default=0, description="Nodes left out of a truncated graph (counted, not kept)."
    )
    modules: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Module clusters, parents first: path, class, parent, children, calls, "
        "nodes, total_nodes, params (node ids of its parameter leaves)",
    )
    folds: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Repeated blocks: id, count, size, label, hash, template, members (node ids "
        "of each copy in canonical order), inputs, outputs",
    )


class Timings(BaseModel):
    """Milliseconds spent waiting for a worker, running, walking the graph, rendering, in all."""

    queue: float
    run: float
    walk: float
    render: float
    total: float


class RenderProblem(BaseModel):
    """Why there is no SVG although one was asked for (the JSON graph is still there)."""

    reason: Literal["missing", "timeout", "failed", "skipped"] = Field(
        description="skipped: more than svg_max_nodes nodes, left to the page's own layout"
    )
    message: str


class GraphResponse(BaseModel):
    """Everything one program run produced."""

    variables: dict[str, TensorInfo] = Field(
        description="The program's tensors and module parameters (dotted names), in order."
    )
    graph: GraphJSON
    dot: str = Field(description="The graph as Graphviz DOT text.")
    svg: str | None = Field(description="The graph laid out as SVG, null if not asked for.")
    svg_error: RenderProblem | None = None
    stdout: str = Field(description="What the program printed.")
    warnings: list[str] = Field(description="Warnings PyTorch raised while it ran, with lines.")
    plots: list[dict[str, Any]] = Field(description="matplotlib-style figures the program drew.")
    device: Literal["cpu", "cuda"]
    timings_ms: Timings


class QueueInfo(BaseModel):
    """Jobs running or waiting now, and how many may be at once before 503."""

    in_flight: int
    capacity: int


class HealthResponse(BaseModel):
    """The service is up and its job pool started."""

    status: Literal["ok"]
    version: str
    workers: int
    device: Literal["cpu", "cuda"]
    queue: QueueInfo


# No docstrings on these two: they would become descriptions in the OpenAPI schema.
class RunCreated(BaseModel):
    id: str
    status: str
    events_url: str


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: list[list[float]] = Field(min_length=1, max_length=1_000)
