"""Every setting and limit of gradtrace, with its default, read from GRADTRACE_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


@dataclass(frozen=True)
class ProgramLimits:
    """Limits on one user program, enforced by the interpreter (app.lang) in the worker."""

    max_source_bytes: int = 100_000
    max_line_chars: int = 2_000
    max_ast_nodes: int = 20_000
    max_ast_depth: int = 100
    max_steps: int = 1_000_000
    max_call_depth: int = 64
    max_tensor_elements: int = 10_000_000
    max_total_elements: int = 200_000_000
    max_sequence_length: int = 1_000_000
    max_int_bits: int = 4_096
    max_output_chars: int = 200_000
    max_plot_points: int = 100_000
    max_live_generators: int = 1_000  # started, unfinished generators (each holds a stack)


@dataclass(frozen=True)
class TrainingLimits:
    """Limits on one training config, enforced when it is validated (app.training.config).

    Each is read from GRADTRACE_TRAIN_<NAME>, e.g. GRADTRACE_TRAIN_MAX_EPOCHS, and a breach
    names the setting (``train_max_epochs``).
    """

    max_rows: int = 10_000  # rows of data (inline, synthetic n_samples or CSV)
    max_width: int = 4_096  # features of the data; in/out features of a layer
    max_data_values: int = 2_000_000  # rows * (features + targets)
    max_classes: int = 100
    max_layers: int = 64
    max_parameters: int = 1_000_000
    max_epochs: int = 10_000
    max_steps: int = 200_000  # optimizer steps: epochs * batches per epoch
    max_work: float = 2e10  # epochs * training rows * parameters, a proxy for compute
    max_csv_bytes: int = 200_000
    max_abs_value: float = 1e6  # any data value, init value, synthetic noise or bias
    max_lr: float = 10.0
    max_coefficient: float = 100.0  # weight decay, negative slope, loss beta/delta, eps...
    max_seed: int = 2**32 - 1  # torch seed and scikit-learn random_state
    max_predict_rows: int = 1_000  # rows of "predict_x" in a config
    max_final_values: int = 20_000  # the done event carries full parameters up to this
    prediction_points: int = 200  # points of the fitted line / predictions in the done event
    landscape_points: int = 41  # loss-landscape grid points per axis (41 x 41 for 2 axes)
    landscape_rows: int = 1_000  # training rows the landscape's loss is computed on (strided)
    histogram_bins: int = 30  # bins of each parameter's and gradient's histogram per epoch


@dataclass(frozen=True)
class TraceLimits:
    """Bounds on one trace of autograd's work (``"trace": true``, app.graph.trace).

    Each is read from GRADTRACE_TRACE_<NAME>, e.g. GRADTRACE_TRACE_MAX_FRAMES. Past a bound the
    trace keeps what fits and says ``truncated``; the program itself runs on unchanged.
    """

    max_frames: int = 400  # frames kept in all (the first ones and the last ones)
    loop_iterations: int = 5  # of each loop, the first K and the last K iterations are kept
    max_values: int = 16  # values shown per tensor (a value, a .grad, an edge's gradient)
    max_tensors: int = 24  # named tensors shown per frame
    max_nodes: int = 5_000  # autograd nodes followed (ids, lines, liveness, saved bytes)
    max_backward: int = 40  # backward()/autograd.grad passes kept
    max_steps: int = 5_000  # node steps recorded in one backward pass
    max_bytes: int = 1_000_000  # the timeline's JSON size


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Settings(BaseSettings):
    """Service settings. Each field is read from the environment as GRADTRACE_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="GRADTRACE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    data_dir: Path = Path("data")

    # Execution of one job in a worker.
    job_timeout_s: float = Field(default=5.0, gt=0, le=600)
    worker_memory_mb: int = Field(default=3_072, ge=256)
    worker_max_jobs: int = Field(default=200, ge=1)
    # Share of the GPU's memory each worker may take (torch's per-process fraction).
    worker_gpu_memory_fraction: float = Field(default=0.25, gt=0, le=1)
    max_queue: int = Field(default=64, ge=1)

    # Training runs: their own worker processes, so a long run never delays a program.
    run_workers: int = Field(default=2, ge=1, le=64)
    run_timeout_s: float = Field(default=600.0, gt=0, le=86_400)
    max_runs_in_flight: int = Field(default=16, ge=1)
    sse_poll_s: float = Field(default=0.25, gt=0, le=10)
    sse_ping_s: float = Field(default=15.0, gt=0, le=300)

    # Scale-out mode (docs/deploy.md): set redis_url and jobs go to `gradtrace worker`
    # processes through Celery on Redis, runs live in Redis. Unset: everything in-process.
    redis_url: str | None = None
    queue_wait_s: float = Field(default=30.0, gt=0, le=3_600)  # a program waiting for a worker
    worker_recycle_mb: int = Field(default=1_536, ge=128)  # resident size that retires a worker
    run_lease_s: float = Field(default=15.0, ge=1, le=600)  # silence that ends a run as failed

    # HTTP edges.
    max_body_bytes: int = Field(default=256_000, ge=1_024)
    max_json_int_digits: int = Field(default=20, ge=1, le=4_000)  # digits of a JSON integer
    rate_limit_per_minute: int = Field(default=600, ge=1)  # POST /api/* per client address
    rate_limit_burst: int = Field(default=60, ge=1)
    trust_forwarded_for: bool = False  # key clients by X-Forwarded-For (behind our own proxy)

    # Rendering.
    dot_timeout_s: float = Field(default=10.0, gt=0)
    max_graph_nodes: int = Field(default=50_000, ge=10)
    # POST /api/graph lays out graphs up to this many nodes with Graphviz; bigger ones are drawn
    # by the page (GET /api/graph.svg, for export, lays out any size under dot_timeout_s).
    svg_max_nodes: int = Field(default=2_000, ge=0)
    max_value_elements: int = Field(default=1_000, ge=1)

    # Program limits (see ProgramLimits for their meaning).
    max_source_bytes: int = ProgramLimits.max_source_bytes
    max_line_chars: int = ProgramLimits.max_line_chars
    max_ast_nodes: int = ProgramLimits.max_ast_nodes
    max_ast_depth: int = ProgramLimits.max_ast_depth
    max_steps: int = ProgramLimits.max_steps
    max_call_depth: int = ProgramLimits.max_call_depth
    max_tensor_elements: int = ProgramLimits.max_tensor_elements
    max_total_elements: int = ProgramLimits.max_total_elements
    max_sequence_length: int = ProgramLimits.max_sequence_length
    max_int_bits: int = ProgramLimits.max_int_bits
    max_output_chars: int = ProgramLimits.max_output_chars
    max_plot_points: int = ProgramLimits.max_plot_points
    max_live_generators: int = ProgramLimits.max_live_generators

    # Training limits (see TrainingLimits for their meaning).
    train_max_rows: int = TrainingLimits.max_rows
    train_max_width: int = TrainingLimits.max_width
    train_max_data_values: int = TrainingLimits.max_data_values
    train_max_classes: int = TrainingLimits.max_classes
    train_max_layers: int = TrainingLimits.max_layers
    train_max_parameters: int = TrainingLimits.max_parameters
    train_max_epochs: int = TrainingLimits.max_epochs
    train_max_steps: int = TrainingLimits.max_steps
    train_max_work: float = TrainingLimits.max_work
    train_max_csv_bytes: int = TrainingLimits.max_csv_bytes
    train_max_abs_value: float = TrainingLimits.max_abs_value
    train_max_lr: float = TrainingLimits.max_lr
    train_max_coefficient: float = TrainingLimits.max_coefficient
    train_max_seed: int = TrainingLimits.max_seed
    train_max_predict_rows: int = TrainingLimits.max_predict_rows
    train_max_final_values: int = TrainingLimits.max_final_values
    train_prediction_points: int = TrainingLimits.prediction_points
    train_landscape_points: int = Field(default=TrainingLimits.landscape_points, ge=3, le=201)
    train_landscape_rows: int = Field(default=TrainingLimits.landscape_rows, ge=1, le=100_000)
    train_histogram_bins: int = Field(default=TrainingLimits.histogram_bins, ge=1, le=256)

    # Trace limits (see TraceLimits for their meaning).
    trace_max_frames: int = Field(default=TraceLimits.max_frames, ge=2, le=100_000)
    trace_loop_iterations: int = Field(default=TraceLimits.loop_iterations, ge=1, le=10_000)
    trace_max_values: int = Field(default=TraceLimits.max_values, ge=1, le=10_000)
    trace_max_tensors: int = Field(default=TraceLimits.max_tensors, ge=1, le=1_000)
    trace_max_nodes: int = Field(default=TraceLimits.max_nodes, ge=10, le=1_000_000)
    trace_max_backward: int = Field(default=TraceLimits.max_backward, ge=1, le=10_000)
    trace_max_steps: int = Field(default=TraceLimits.max_steps, ge=1, le=1_000_000)
    trace_max_bytes: int = Field(default=TraceLimits.max_bytes, ge=10_000, le=100_000_000)

    def trace_limits(self) -> TraceLimits:
        names = TraceLimits.__dataclass_fields__
        return TraceLimits(**{name: getattr(self, f"trace_{name}") for name in names})

    def program_limits(self) -> ProgramLimits:
        names = ProgramLimits.__dataclass_fields__
        return ProgramLimits(**{name: getattr(self, name) for name in names})

    def training_limits(self) -> TrainingLimits:
        names = TrainingLimits.__dataclass_fields__
        return TrainingLimits(**{name: getattr(self, f"train_{name}") for name in names})


@lru_cache
def get_settings() -> Settings:
    return Settings()
