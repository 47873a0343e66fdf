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
    trace: bool = Field(
        default=False,
        description="Watch autograd work: the response gains `timeline` (frames after each "
        "statement, every backward pass edge by edge) and graph nodes gain `line`, `column`, "
        "`saved_bytes`. Bounded by the trace_* settings.",
    )


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
    timeline: Timeline | None = Field(
        default=None,
        description='With "trace": true, a program that failed: its trace up to the error '
        "(the last frame has kind error).",
    )
    graph: GraphJSON | None = Field(
        default=None, description='With "trace": true: the graph of what the program left.'
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
        "module (path of the nn.Module call that made it, or the module owning a parameter); "
        "with trace also line, column (where the program made the node), saved_bytes (bytes "
        "saved for backward, 0 once freed), saved_freed, iteration, layer, requires_grad_line"
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
        description="skipped: more than svg_max_nodes nodes, or edges crossing too many ranks "
        "for Graphviz to be quick (a tensor used all along a long loop); left to the page's own "
        "layout"
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
    timeline: Timeline | None = Field(
        default=None, description='Only with "trace": true: autograd at work, frame by frame.'
    )


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


# ----- "trace": true (app/graph/trace) ------------------------------------------------------
# Node ids: a node of the response's graph keeps its graph id ("n3"); any other node the trace
# saw (freed, replaced, a second layer) is "t<number>" and is described in timeline.nodes.


class TensorSummary(BaseModel):
    """A gradient or value, bounded: the first trace_max_values values, flat, row-major."""

    shape: list[int] | None
    dtype: str
    values: list[Any] | None = Field(description="Flat; NaN/Infinity as strings.")
    truncated: bool = Field(description="The tensor has more values than shown.")
    norm: Any = Field(description="The 2-norm of the whole tensor.")


class TraceEdge(BaseModel):
    """The gradient sent along one edge of the graph. ``source``/``target`` are as in
    graph.edges (the data flowed from source into target); the gradient flows back, from
    target to source: it is the gradient of the root with respect to source's output, as far
    as it comes through target."""

    source: str
    target: str
    grad: TensorSummary


class Accumulation(BaseModel):
    """A leaf's .grad: before + arriving = after (after = arriving when before is null)."""

    before: TensorSummary | None
    arriving: TensorSummary | None
    after: TensorSummary | None = None


class LeafAccumulation(Accumulation):
    node: str


class TraceStep(BaseModel):
    """One node running in a backward pass, in the order autograd ran them."""

    node: str
    op: str
    grad_output: list[TensorSummary | None] = Field(
        description="The gradient arriving at the node's output(s)."
    )
    edges: list[TraceEdge] = Field(default_factory=list)
    accumulate: Accumulation | None = Field(default=None, description="Leaves only.")


class BackwardPass(BaseModel):
    """One backward() / torch.autograd.backward / torch.autograd.grad call."""

    kind: Literal["backward", "grad"]
    line: int | None
    column: int | None
    iteration: list[int] | None = Field(description="Loop iterations, outermost first.")
    root: str | None = Field(description="The node of the (first) tensor differentiated.")
    roots: list[str | None]
    retain_graph: bool = Field(description="Saved buffers kept (else freed after the pass).")
    create_graph: bool
    error: str | None = Field(description="PyTorch's message when the call raised.")
    steps: list[TraceStep]
    leaves: list[LeafAccumulation] = Field(description="Accumulation into leaves' .grad.")
    freed: list[str] = Field(description="Nodes whose saved tensors this pass released.")
    second_layer: list[str] = Field(
        description="create_graph=True: the nodes of the gradients' own graph (layer 2)."
    )
    truncated: bool


class FrameTensor(BaseModel):
    """A named tensor at a frame (module tensors, model.layer.weight, function:local)."""

    node: str | None = Field(description="Its grad_fn's node, or its leaf node.")
    shape: list[int] | None
    dtype: str | None = None
    requires_grad: bool | None = None
    value: list[Any] | None
    truncated: bool | None = None
    version: int | None = Field(default=None, description="The tensor's _version.")
    grad: list[Any] | None = Field(default=None, description="A leaf's .grad values.")
    grad_truncated: bool | None = None


class SavedState(BaseModel):
    held: list[str] = Field(description="Alive nodes holding tensors saved for backward.")
    freed: list[str] = Field(description="Alive nodes whose saved tensors backward freed.")


class TraceFrame(BaseModel):
    """The program's state at one moment. ``kind``: statement (after a top-level statement,
    loop bodies included), iteration (end of an iteration of a loop inside a function),
    error (where PyTorch or the program raised; ``error`` has the message), skipped (frames
    left out: ``iterations`` of a loop, ``frames``, ``backward_count``), end; a training step
    has forward, backward, step."""

    index: int
    kind: str
    line: int | None
    column: int | None
    iteration: list[int] | None
    nodes: list[str] = Field(default_factory=list, description="Nodes alive now.")
    new_nodes: list[str] = Field(default_factory=list, description="Nodes new since the last.")
    tensors: dict[str, FrameTensor] = Field(default_factory=dict)
    saved: SavedState | None = None
    saved_bytes: int = Field(default=0, description="Bytes held for backward, all nodes.")
    backward: list[int] = Field(
        default_factory=list, description="Indexes in timeline.backward of passes run since."
    )
    error: str | None = None
    iterations: int | None = None
    frames: int | None = None
    backward_count: int | None = Field(
        default=None, description="skipped: passes left out (null when not counted)."
    )


class TraceNode(BaseModel):
    """Every node the trace saw (graph ones included): where it was made, what it saved."""

    id: str
    kind: Literal["op", "leaf"]
    op: str
    line: int | None
    column: int | None
    iteration: list[int] | None
    layer: int = Field(description="2 for nodes made by a create_graph=True backward pass.")
    inputs: list[str | None] = Field(description="The nodes its data came from.")
    saved_bytes: int
    freed: bool
    requires_grad_line: int | None = Field(description="Leaves: where requires_grad was set.")
    in_graph: bool = Field(description="Also a node of the response's graph.")


class Timeline(BaseModel):
    """Autograd at work (``"trace": true``)."""

    frames: list[TraceFrame]
    backward: list[BackwardPass]
    nodes: list[TraceNode]
    truncated: bool = Field(description="Something was left out to stay within the limits.")
    limits: dict[str, int] = Field(description="The trace_* settings that bounded it.")


GraphResponse.model_rebuild()
ErrorResponse.model_rebuild()
