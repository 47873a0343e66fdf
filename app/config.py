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
    max_steps: int = 2_000_000
    max_call_depth: int = 64
    max_tensor_elements: int = 10_000_000
    max_total_elements: int = 200_000_000
    max_sequence_length: int = 1_000_000
    max_int_bits: int = 4_096
    max_output_chars: int = 200_000
    max_plot_points: int = 100_000


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
    max_queue: int = Field(default=64, ge=1)

    # HTTP edges.
    max_body_bytes: int = Field(default=256_000, ge=1_024)
    rate_limit_per_minute: int = Field(default=600, ge=1)

    # Rendering.
    dot_timeout_s: float = Field(default=10.0, gt=0)
    max_graph_nodes: int = Field(default=5_000, ge=10)
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

    def program_limits(self) -> ProgramLimits:
        names = ProgramLimits.__dataclass_fields__
        return ProgramLimits(**{name: getattr(self, name) for name in names})


@lru_cache
def get_settings() -> Settings:
    return Settings()
