"""The training loop: a generator that yields one event per epoch, then ``done`` (or ``cancelled``).

The numbers are a bare PyTorch loop's: ``torch.manual_seed(seed)`` before the model is built, a
``DataLoader`` with ``torch.Generator().manual_seed(seed)`` for the batch order, and per batch
``zero_grad(); loss.backward(); step()``. With the same seed a hand-written script gets the same
init, batches and losses.

Epoch ``loss`` (``report_loss: "epoch"``): for reduction ``mean``, the batch losses weighted by
batch size, i.e. the mean per-sample loss over the epoch (the parameters move within it); for
``sum``, the sum of the batch losses, i.e. the epoch's total loss over all its samples (full batch:
exactly the criterion's value). ``report_loss: "last_batch"`` reports the last batch's loss, what
the tutorials print after their inner loop. ``val_loss`` is the criterion on the validation rows
in eval mode after the epoch (a sum over them for reduction ``sum``), None without a split.
``grad_norms`` are those of the epoch's last step, ``lr`` the rate the epoch ran with (the
scheduler steps after it), ``elapsed_ms`` the time since ``train`` began.

Threads: tiny models are many times slower with several intra-op threads on a busy machine
(measured 24 s against 0.8 s for the moons preset on 2 shared cores); the worker process that
calls ``train`` should ``torch.set_num_threads(1)`` unless a model is large.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np
import torch
from torch import nn

from app.config import TrainingLimits
from app.training.build import (
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    resolve_device,
)
from app.training.config import TrainConfig, validate_config
from app.training.data import Dataset, split_indices
from app.training.histograms import histograms
from app.training.landscape import ExactLandscape, exact_axes, random_slice, sample_rows
from app.training.limits import current_limits
from app.training.predict import accuracy, forward, predictions


@dataclass
class Session:
    """Everything one run needs, made in the order a hand-written script makes it."""

    cfg: TrainConfig
    data: Dataset
    model: nn.Sequential
    criterion: nn.Module
    x: torch.Tensor  # all rows, for predictions
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    epoch_batches: Callable[[], Iterator[slice | torch.Tensor]]


def prepare(cfg: TrainConfig, device: torch.device) -> Session:
    """Seed, build the model (default init draws from the seeded stream), load and split data."""
    data = cfg.data.load()
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model).to(device)
    x, y = dataset_tensors(data, cfg.loss.type, device)
    train_rows, val_rows = split_indices(len(x), cfg.validation_split, cfg.seed)
    x_train = _take(x, train_rows)
    return Session(
        cfg=cfg,
        data=data,
        model=model,
        criterion=build_loss(cfg.loss),
        x=x,
        x_train=x_train,
        y_train=_take(y, train_rows),
        x_val=_take(x, val_rows),
        y_val=_take(y, val_rows),
        epoch_batches=batch_order(cfg, len(x_train)),
    )


def train(
    config: TrainConfig | Mapping[str, Any],
    *,
    device: str,
    should_stop: Callable[[], bool] | None = None,
    param_sample: int = 64,
) -> Iterator[dict[str, Any]]:
    """Train ``config`` on ``device``, yielding ``epoch`` events and a final ``done``.

    ``device`` is "cpu", "cuda" or "auto"; the caller passes the config's own ``device`` or
    overrides it (a worker without a GPU).

    ``should_stop`` is asked before every batch; when it returns True the generator yields
    ``{"type": "cancelled", "epoch": n, "elapsed_ms": ...}`` and ends. Errors propagate.
    """
    started = perf_counter()
    cfg = validate_config(config)
    run = prepare(cfg, torch.device(resolve_device(device)))
    model = run.model
    optimizer = build_optimizer(cfg.optimizer, model.parameters())
    scheduler = build_scheduler(cfg.scheduler, optimizer)
    predict_x = None
    if cfg.predict_x is not None:
        predict_x = torch.tensor(cfg.predict_x, dtype=torch.float32, device=run.x.device)
    initial = None if predict_x is None else forward(model, predict_x)
    weight = cfg.loss.reduction == "mean"  # mean losses are weighted by batch size
    insight = Insight(run, current_limits())

    def ms() -> float:
        return (perf_counter() - started) * 1000

    loss_value, val_loss, epoch = float("nan"), None, 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        total, last = 0.0, float("nan")
        for batch in run.epoch_batches():
            if should_stop is not None and should_stop():
                yield {"type": "cancelled", "epoch": epoch, "elapsed_ms": ms()}
                return
            xb, yb = run.x_train[batch], run.y_train[batch]
            loss = run.criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last = loss.item()
            total += last * len(xb) if weight else last
        epoch_loss = total / len(run.x_train) if weight else total
        loss_value = last if cfg.report_loss == "last_batch" else epoch_loss
        val_loss = _evaluate(model, run.criterion, run.x_val, run.y_val)
        lr = float(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step()
        event = {
            "type": "epoch",
            "epoch": epoch,
            "loss": loss_value,
            "val_loss": val_loss,
            "params": param_values(model, param_sample),
            "grad_norms": grad_norms(model),
            "lr": lr,
        }
        insight.add_to_epoch(event)
        event["elapsed_ms"] = ms()
        yield event
    done = done_event(run, param_sample)
    insight.add_to_done(done)
    done.update(loss=loss_value, val_loss=val_loss, epochs=epoch)
    if predict_x is not None:
        y_pred = forward(model, predict_x)
        done["predict"] = {"x": cfg.predict_x, "y_pred_initial": initial, "y_pred": y_pred}
    done["elapsed_ms"] = ms()
    yield done


def done_event(run: Session, param_sample: int) -> dict[str, Any]:
    """The trained model's values (in full when small), predictions and metrics."""
    limits = current_limits()
    model, cfg = run.model, run.cfg
    full = sum(p.numel() for p in model.parameters()) <= limits.max_final_values
    done: dict[str, Any] = {
        "type": "done",
        "params": param_values(model, limits.max_final_values if full else param_sample),
        "predictions": predictions(cfg, model, run.data, run.x, limits.prediction_points),
    }
    buffers = {n: b for n, b in model.named_buffers() if b.dtype.is_floating_point}
    if buffers:  # batchnorm running statistics: needed with the params to predict again
        done["buffers"] = {n: _values(b, limits.max_final_values) for n, b in buffers.items()}
    if cfg.loss.type in ("cross_entropy", "bce_with_logits"):
        done["metrics"] = {
            "accuracy": accuracy(cfg, model, run.x_train, run.y_train),
            "val_accuracy": accuracy(cfg, model, run.x_val, run.y_val),
        }
    return done


class Insight:
    """What a run adds to its events beyond the numbers: per-epoch histograms (config
    ``histograms``) and the loss landscape (config ``landscape``), sized by the limits."""

    def __init__(self, run: Session, limits: TrainingLimits) -> None:
        self.run, self.limits = run, limits
        self.exact: ExactLandscape | None = None
        mode = run.cfg.landscape
        self.rows = sample_rows(run.x_train, run.y_train, limits.landscape_rows)
        axes = exact_axes(run.model) if mode == "auto" else None
        if axes:
            points = limits.landscape_points
            self.exact = ExactLandscape(run.model, run.criterion, self.rows, axes, points)

    def add_to_epoch(self, event: dict[str, Any]) -> None:
        if self.run.cfg.histograms:
            event["histograms"] = histograms(self.run.model, self.limits.histogram_bins)
        if self.exact is not None:
            grid = self.exact.step()
            if grid is not None:
                event["landscape"] = grid
            event["landscape_point"] = self.exact.point()

    def add_to_done(self, done: dict[str, Any]) -> None:
        mode = self.run.cfg.landscape
        if self.exact is not None:
            done["landscape"] = self.exact.final()
        elif mode in ("random_1d", "random_2d"):
            x, y = self.rows
            dims = 1 if mode == "random_1d" else 2
            points = self.limits.landscape_points
            model, criterion, seed = self.run.model, self.run.criterion, self.run.cfg.seed
            done["landscape"] = random_slice(model, criterion, x, y, dims, points, seed)


def batch_order(cfg: TrainConfig, rows: int) -> Callable[[], Iterator[slice | torch.Tensor]]:
    """A function giving one epoch's batches of row indices each time it is called.

    Shuffled, each epoch draws from one seeded generator exactly what a tutorial's
    ``DataLoader(dataset, batch_size, shuffle=True, generator=g)`` draws per epoch (the
    loader's base seed, then RandomSampler's permutations), so the batches are the same; doing
    it directly skips the loader's per-batch machinery, about 10% of a small model's epoch.
    tests/test_training_loop.py checks the equality against a real DataLoader. Unshuffled
    batches come out as slices, which index without a copy.
    """
    batch = cfg.batch_rows()
    generator = torch.Generator().manual_seed(cfg.seed)

    def epoch() -> Iterator[slice | torch.Tensor]:
        if not cfg.shuffle:
            for start in range(0, rows, batch):
                yield slice(start, min(start + batch, rows))
            return
        torch.empty((), dtype=torch.int64).random_(generator=generator)  # the loader's seed
        order = torch.randperm(rows, generator=generator)
        torch.randperm(rows, generator=generator)  # RandomSampler's (empty) remainder draw
        yield from order.split(batch)  # type: ignore[no-untyped-call]

    return epoch


def dataset_tensors(data: Dataset, loss: str, device: torch.device) -> tuple[torch.Tensor, ...]:
    """Inputs as float32 [rows, features]; targets as class indices or float32 [rows, k]."""
    x = torch.as_tensor(data.x, dtype=torch.float32, device=device)
    if loss == "cross_entropy":
        return x, torch.as_tensor(data.y.reshape(-1), dtype=torch.long, device=device)
    y = data.y.reshape(len(data.y), -1)
    return x, torch.as_tensor(y, dtype=torch.float32, device=device)


def param_values(model: nn.Module, full_up_to: int) -> dict[str, Any]:
    """Named parameters as nested lists when they have <= ``full_up_to`` values, else summaries."""
    return {name: _values(p, full_up_to) for name, p in model.named_parameters()}


def grad_norms(model: nn.Module) -> dict[str, float | None]:
    """L2 norm of each parameter's gradient (None where backward gave it none)."""
    named = [(n, p.grad) for n, p in model.named_parameters()]
    present = [g.detach().norm() for _, g in named if g is not None]
    values = iter(torch.stack(present).tolist()) if present else iter(())
    return {n: (next(values) if g is not None else None) for n, g in named}


def _values(t: torch.Tensor, full_up_to: int) -> Any:
    t = t.detach()
    if t.numel() <= full_up_to:
        return t.cpu().tolist()
    flat = t.flatten().float()
    # One stack, one transfer: a GPU tensor costs a single synchronisation, not three.
    norm, mean, std = torch.stack([flat.norm(), flat.mean(), flat.std(correction=0)]).tolist()
    sample = flat[: max(full_up_to, 0)].cpu().tolist()
    return {
        "shape": list(t.shape),
        "norm": norm,
        "mean": mean,
        "std": std,
        "sample": sample,
        "summarized": True,
    }


def _take(t: torch.Tensor, rows: np.ndarray) -> torch.Tensor:
    if len(rows) == len(t):
        return t  # no split (rows are sorted and unique): keep the tensor, no copy
    return t[torch.as_tensor(rows, dtype=torch.long, device=t.device)]


@torch.no_grad()
def _evaluate(model: nn.Module, criterion: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Any:
    if len(x) == 0:
        return None
    model.eval()
    value = criterion(model(x), y).item()
    model.train()
    return value


def graph_step(
    config: TrainConfig | Mapping[str, Any], *, device: str = "cpu"
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss of a run's first training step (not yet backpropagated) with the model's
    parameters by name (``0.weight``...), so the autograd graph of one step can be drawn."""
    run = prepare(validate_config(config), torch.device(resolve_device(device)))
    first = next(run.epoch_batches())
    loss = run.criterion(run.model(run.x_train[first]), run.y_train[first])
    return loss, dict(run.model.named_parameters())


def step_session(
    config: TrainConfig | Mapping[str, Any], *, device: str = "cpu"
) -> tuple[Session, torch.optim.Optimizer]:
    """A run's session and optimizer, made as ``train`` makes them, for watching one whole
    training step (forward, backward, optimizer step) of its first batch."""
    cfg = validate_config(config)
    run = prepare(cfg, torch.device(resolve_device(device)))
    return run, build_optimizer(cfg.optimizer, run.model.parameters())
