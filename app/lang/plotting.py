"""A stand-in for matplotlib.pyplot that records what a program plots, for the page to draw."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from app.lang.errors import LimitExceeded
from app.lang.result import Figure, PlotSeries

# Display-only calls that change nothing a browser chart would draw differently.
_IGNORED = frozenset(
    """
show savefig close clf cla tight_layout axis xticks yticks xlim ylim text annotate subplot
subplots_adjust axhline axvline fill_between colorbar imshow suptitle
""".split()
)


def _ignored(name: str) -> Callable[..., None]:
    def ignore(self: Any, *args: Any, **kwargs: Any) -> None:
        """Accept a display-only call (limits, ticks, layout) that changes no recorded data."""

    ignore.__name__ = ignore.__qualname__ = name
    return ignore


class PyplotRecorder:
    """Records plt.plot/scatter/bar/hist series and labels into figures."""

    gradtrace_attributes = frozenset(
        {"plot", "scatter", "bar", "hist", "xlabel", "ylabel", "title", "legend", "grid",
         "figure", "rcParams"} | _IGNORED
    )  # fmt: skip

    def __init__(self, max_points: int):
        self.max_points = max_points
        self.points = 0
        self.figures: list[Figure] = []
        self.rcParams: dict[str, Any] = {}
        self._closed = True  # the next series opens a new figure

    def __getattr__(self, name: str) -> Any:
        if name in _IGNORED:
            # A method of this name, so that the guard (which allows a bound method by its
            # name) accepts the call; savefig writes no file, it is ignored like the rest.
            return types.MethodType(_ignored(name), self)
        raise AttributeError(name)

    def _current(self) -> Figure:
        if self._closed or not self.figures:
            self.figures.append(Figure(index=len(self.figures)))
            self._closed = False
        return self.figures[-1]

    def figure(self, *args: Any, **kwargs: Any) -> None:
        self._closed = True

    def show(self, *args: Any, **kwargs: Any) -> None:
        self._closed = True

    def plot(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        data = [a for a in args if not isinstance(a, str)]  # drop format strings like 'r-'
        if len(data) == 1:
            ys = self._numbers(data[0])
            xs = [float(i) for i in range(len(ys))]
        elif len(data) >= 2:
            xs, ys = self._numbers(data[0]), self._numbers(data[1])
        else:
            return
        self._add("line", xs, ys, label)

    def scatter(self, x: Any, y: Any, *args: Any, label: Any = None, **kwargs: Any) -> None:
        self._add("scatter", self._numbers(x), self._numbers(y), label)

    def bar(self, x: Any, height: Any, *args: Any, label: Any = None, **kwargs: Any) -> None:
        self._add("bar", self._numbers(x), self._numbers(height), label)

    def hist(self, x: Any, bins: int = 10, *args: Any, label: Any = None, **kwargs: Any) -> None:
        values = np.asarray(self._numbers(x), dtype=float)
        counts, edges = np.histogram(values, bins=int(min(max(bins, 1), 1000)))
        centers = ((edges[:-1] + edges[1:]) / 2).tolist()
        self._add("bar", centers, [float(c) for c in counts], label)

    def xlabel(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._current().xlabel = str(text)

    def ylabel(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._current().ylabel = str(text)

    def title(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._current().title = str(text)

    def legend(self, *args: Any, **kwargs: Any) -> None:
        self._current().legend = True

    def grid(self, *args: Any, **kwargs: Any) -> None:
        self._current().grid = True

    def _add(self, kind: str, xs: list[float], ys: list[float], label: Any) -> None:
        if len(xs) != len(ys):
            raise ValueError(
                f"x and y must have same first dimension, but have shapes ({len(xs)},) "
                f"and ({len(ys)},)"
            )
        self.points += len(xs)
        if self.points > self.max_points:
            raise LimitExceeded(
                "max_plot_points", self.max_points, "the program plots too many points"
            )
        figure = self._current()
        text = None if label is None else str(label)
        figure.series.append(PlotSeries(kind, xs, ys, text, figure.index))

    def _numbers(self, values: Any) -> list[float]:
        """Plot data as floats: tensors and arrays flattened, lists of scalars."""
        if isinstance(values, torch.Tensor):
            return [float(v) for v in values.detach().cpu().double().flatten().tolist()]
        if isinstance(values, np.ndarray):
            return [float(v) for v in values.astype(float).ravel().tolist()]
        if isinstance(values, (int, float, np.generic)):
            return [float(values)]
        if isinstance(values, Iterable) and not isinstance(values, (str, bytes, dict)):
            out: list[float] = []
            for item in values:
                out.extend(self._numbers(item))
                if len(out) > self.max_points:
                    raise LimitExceeded(
                        "max_plot_points", self.max_points, "the program plots too many points"
                    )
            return out
        raise TypeError(f"cannot plot a value of type {type(values).__name__}")
