"""The loss landscape of a run: the loss over a grid of parameter values, computed in the worker.

Two kinds, chosen by the config's ``landscape`` field:

* ``exact`` (``"auto"`` on a model with 1 or 2 trainable scalars, the seed 000/003/004 models):
  the axes are the parameters themselves (``0.weight``, ``0.bias``), so the optimizer's path is
  the run's per-epoch parameters, drawn on the grid as it is. The grid is laid around the path
  so far and laid again, wider, whenever the path leaves it; the last one (in the done event)
  fits the whole path.
* ``random`` (``"random_1d"``/``"random_2d"``, any model, on request): a slice through the
  trained parameters along random directions, filter-normalised as in Li et al. 2018
  ("Visualizing the Loss Landscape of Neural Nets"): each row (filter) of a weight matrix's
  direction is scaled to that row's norm in the trained weights; biases and batch-norm
  parameters (1-D tensors) get no direction. Computed once, when training ends.

The loss is the run's criterion on the training rows (a strided sample of at most
``landscape_rows`` of them), model in eval mode, with ``torch.func.functional_call`` batched by
``vmap`` over grid points. Sizes are bounded by ``landscape_points`` per axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import torch
from torch import nn
from torch.func import functional_call, vmap

LandscapeMode = Literal["auto", "off", "random_1d", "random_2d"]
# Grid points times rows evaluated at once: bounds the batched forward pass's memory.
_CHUNK_VALUES = 2_000_000
_FINAL_PAD = 0.35  # the final grid: the whole path and a third of its span around it
_LIVE_PAD = 1.0  # a live grid leaves room ahead of the optimizer, so it is laid again rarely


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode for a while (dropout off, batch norm on its running statistics), so the
    landscape is one function of the parameters; the mode before is restored."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def trainable(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def exact_axes(model: nn.Module) -> list[str] | None:
    """The names of the model's 1 or 2 trainable scalars, or None when it has more."""
    named = trainable(model)
    if sum(p.numel() for _, p in named) > 2:
        return None
    return [n for n, _ in named]


def sample_rows(x: torch.Tensor, y: torch.Tensor, limit: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every k-th row so that at most ``limit`` remain (all of them when there are fewer)."""
    step = max(1, math.ceil(len(x) / max(1, limit)))
    return (x, y) if step == 1 else (x[::step], y[::step])


class LossSurface:
    """The full-data loss as a function of a few coordinates: ``base + Σ coord_i * dir_i``.

    For the exact kind ``base`` holds the model's parameters with the axes' entries zeroed and
    each direction is a one-hot on one scalar, so a coordinate *is* that parameter's value.
    """

    def __init__(
        self,
        model: nn.Module,
        criterion: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        directions: list[dict[str, torch.Tensor]],
        base: dict[str, torch.Tensor],
    ) -> None:
        self.model, self.criterion, self.x, self.y = model, criterion, x, y
        self.directions, self.base = directions, base
        self.buffers = {n: b.detach() for n, b in model.named_buffers()}

    def _one(self, coords: torch.Tensor) -> torch.Tensor:
        params = dict(self.base)
        for i, direction in enumerate(self.directions):
            for name, d in direction.items():
                params[name] = params[name] + coords[i] * d
        out = functional_call(self.model, (params, self.buffers), (self.x,))
        loss: torch.Tensor = self.criterion(out, self.y)
        return loss

    @torch.no_grad()
    def losses(self, coords: torch.Tensor) -> list[float]:
        """The loss at each row of ``coords`` [points, dims]."""
        with evaluating(self.model):
            chunk = max(1, _CHUNK_VALUES // max(1, self.x.numel() + self.y.numel()))
            parts = [vmap(self._one)(c) for c in torch.split(coords, chunk)]
            return torch.cat(parts).tolist()

    def loss_now(self) -> float:
        """The loss at the model's own parameters: one plain forward pass."""
        with torch.no_grad(), evaluating(self.model):
            return float(self.criterion(self.model(self.x), self.y))


def _grid_payload(
    kind: str, axes: list[str], values: list[list[float]], loss: list[float], rows: int
) -> dict[str, Any]:
    dims = len(axes)
    n = len(values[0])
    shaped: list[Any] = loss if dims == 1 else [loss[j * n : (j + 1) * n] for j in range(n)]
    return {
        "kind": kind,
        "dims": dims,
        "axes": [{"name": a, "values": v} for a, v in zip(axes, values, strict=True)],
        "loss": shaped,  # 2-D: loss[j][i] at (axes[0].values[i], axes[1].values[j])
        "rows": rows,
    }


def _coords(values: list[list[float]], device: torch.device) -> torch.Tensor:
    """Every grid point as a row; for 2-D the first axis varies fastest (row-major loss[j][i])."""
    if len(values) == 1:
        return torch.tensor(values[0], device=device).unsqueeze(1)
    a, b = (torch.tensor(v, device=device) for v in values)
    yy, xx = torch.meshgrid(b, a, indexing="ij")
    return torch.stack([xx.flatten(), yy.flatten()], dim=1)


def _linspace(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * k / (n - 1) for k in range(n)]  # the middle of [-1, 1] is 0.0


class ExactLandscape:
    """The live landscape of a model with 1 or 2 scalars, laid around the optimizer's path."""

    def __init__(
        self,
        model: nn.Module,
        criterion: nn.Module,
        rows: tuple[torch.Tensor, torch.Tensor],
        axes: list[str],
        points: int,
    ) -> None:
        x, y = rows
        self.axes, self.points, self.rows = axes, points, len(x)
        named = dict(model.named_parameters())
        base = {n: p.detach().clone() for n, p in named.items()}
        directions = []
        for name in axes:
            base[name] = torch.zeros_like(base[name])
            directions.append({name: torch.ones_like(base[name])})
        self.surface = LossSurface(model, criterion, x, y, directions, base)
        self.named = named
        self.path: list[list[float]] = [self.position()]  # the start: epoch 0
        self.bounds: list[tuple[float, float]] | None = None

    def position(self) -> list[float]:
        return [float(self.named[n].detach().reshape(())) for n in self.axes]

    def start(self) -> list[float]:
        return self.path[0]

    def point(self) -> dict[str, Any]:
        """Where the optimizer is now and the landscape's loss there (the path's next point)."""
        return {"at": self.path[-1], "loss": self.surface.loss_now()}

    def step(self) -> dict[str, Any] | None:
        """After an epoch: a new grid when this is the first or the path has left the last one."""
        self.path.append(self.position())
        here = self.path[-1]
        inside = self.bounds is not None and all(
            lo <= v <= hi for v, (lo, hi) in zip(here, self.bounds, strict=True)
        )
        if inside or not all(math.isfinite(v) for v in here):
            return None
        return self.grid(_LIVE_PAD)

    def final(self) -> dict[str, Any]:
        return self.grid(_FINAL_PAD)

    def grid(self, pad: float) -> dict[str, Any]:
        finite = [p for p in self.path if all(math.isfinite(v) for v in p)] or [[0.0] * 2]
        self.bounds = []
        for i in range(len(self.axes)):
            lo = min(p[i] for p in finite)
            hi = max(p[i] for p in finite)
            # A path still standing on one spot gets a span from its size (or 1 at 0).
            span = max(hi - lo, 0.5 * max(abs(lo), abs(hi)), 1e-3)
            self.bounds.append((lo - pad * span, hi + pad * span))
        values = [_linspace(lo, hi, self.points) for lo, hi in self.bounds]
        loss = self.surface.losses(_coords(values, self.surface.x.device))
        payload = _grid_payload("exact", self.axes, values, loss, self.rows)
        payload["start"] = self.start()
        payload["start_loss"] = self.surface.losses(
            torch.tensor([self.start()], device=self.surface.x.device)
        )[0]
        return payload


def filter_normalized_direction(
    model: nn.Module, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """One random direction, each weight row scaled to that row's norm in the model (Li et al.);
    1-D tensors (biases, batch-norm scale and shift) get none."""
    direction = {}
    for name, p in trainable(model):
        w = p.detach()
        if w.dim() <= 1:
            direction[name] = torch.zeros_like(w)
            continue
        d = torch.randn(w.shape, generator=generator).to(w.device)
        rows_d = d.reshape(len(d), -1)
        rows_w = w.reshape(len(w), -1)
        scale = rows_w.norm(dim=1, keepdim=True) / (rows_d.norm(dim=1, keepdim=True) + 1e-10)
        direction[name] = (rows_d * scale).reshape(w.shape)
    return direction


def random_slice(
    model: nn.Module,
    criterion: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    dims: int,
    points: int,
    seed: int,
) -> dict[str, Any]:
    """The loss at ``θ + α·d1 (+ β·d2)`` for α, β in [-1, 1], θ the model's parameters now."""
    generator = torch.Generator().manual_seed(seed)
    directions = [filter_normalized_direction(model, generator) for _ in range(dims)]
    base = {n: p.detach().clone() for n, p in model.named_parameters()}
    surface = LossSurface(model, criterion, x, y, directions, base)
    axes = ["alpha", "beta"][:dims]
    values = [_linspace(-1.0, 1.0, points) for _ in axes]
    loss = surface.losses(_coords(values, x.device))
    payload = _grid_payload("random", axes, values, loss, len(x))
    payload["center"] = "final"
    payload["seed"] = seed
    return payload
