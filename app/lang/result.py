"""What running a program gives back: the program's names, its printed text and its plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PlotSeries:
    """One call such as plt.plot(xs, ys, label=...) or plt.scatter(xs, ys)."""

    kind: str  # "line" | "scatter" | "bar" | "hist"
    x: list[float]
    y: list[float]
    label: str | None = None
    figure: int = 0


@dataclass
class Figure:
    """One matplotlib figure as the program described it (plt.figure / plt.show split figures)."""

    index: int
    series: list[PlotSeries] = field(default_factory=list)
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    legend: bool = False
    grid: bool = False


@dataclass
class ProgramResult:
    """The state of a finished program.

    ``namespace`` holds the program's global names in first-assignment order (functions, modules
    and imports left out); ``backward_roots`` the tensors `.backward()` was called on, most recent
    last, as the expressions the user wrote (``"m"``, ``"loss"``).
    """

    namespace: dict[str, Any]
    stdout: str
    figures: list[Figure] = field(default_factory=list)
    backward_roots: list[str] = field(default_factory=list)
    root_tensors: dict[str, Any] = field(default_factory=dict)
    function_locals: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
