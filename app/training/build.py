"""From specs to torch objects, through fixed tables from a type name to a constructor.

Names are only ever looked up in these dicts, never with ``getattr(torch.nn, name)``, so a config
can reach exactly the layers, losses and optimizers listed here and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from app.training.specs import LossSpec, ModelSpec, OptimizerSpec, SchedulerSpec


def _linear(spec: Any) -> nn.Module:
    layer = nn.Linear(spec.in_features, spec.out_features, bias=spec.bias)
    if spec.init is not None:
        # After construction, so the default init still draws from the seeded stream exactly as
        # a hand-written script that builds nn.Linear and then overwrites it.
        with torch.no_grad():
            if spec.init.weight is not None:
                layer.weight.copy_(torch.tensor(spec.init.weight, dtype=torch.float32))
            if spec.init.bias is not None:
                layer.bias.copy_(torch.tensor(spec.init.bias, dtype=torch.float32))
    return layer


LAYERS: dict[str, Callable[[Any], nn.Module]] = {
    "linear": _linear,
    "relu": lambda s: nn.ReLU(),
    "leaky_relu": lambda s: nn.LeakyReLU(s.negative_slope),
    "tanh": lambda s: nn.Tanh(),
    "sigmoid": lambda s: nn.Sigmoid(),
    "gelu": lambda s: nn.GELU(approximate=s.approximate),
    "dropout": lambda s: nn.Dropout(s.p),
    "batchnorm1d": lambda s: nn.BatchNorm1d(s.num_features, eps=s.eps, momentum=s.momentum),
    "flatten": lambda s: nn.Flatten(),
}

LOSSES: dict[str, Callable[[Any], nn.Module]] = {
    "mse": lambda s: nn.MSELoss(reduction=s.reduction),
    "l1": lambda s: nn.L1Loss(reduction=s.reduction),
    "smooth_l1": lambda s: nn.SmoothL1Loss(reduction=s.reduction, beta=s.beta),
    "huber": lambda s: nn.HuberLoss(reduction=s.reduction, delta=s.delta),
    "bce_with_logits": lambda s: nn.BCEWithLogitsLoss(reduction=s.reduction),
    "cross_entropy": lambda s: nn.CrossEntropyLoss(
        reduction=s.reduction, label_smoothing=s.label_smoothing
    ),
}

Params = Iterable[nn.Parameter]

OPTIMIZERS: dict[str, Callable[[Any, Params], torch.optim.Optimizer]] = {
    "sgd": lambda s, p: torch.optim.SGD(
        p, lr=s.lr, momentum=s.momentum, nesterov=s.nesterov, weight_decay=s.weight_decay
    ),
    "adam": lambda s, p: torch.optim.Adam(
        p, lr=s.lr, betas=tuple(s.betas), eps=s.eps, weight_decay=s.weight_decay, amsgrad=s.amsgrad
    ),
    "adamw": lambda s, p: torch.optim.AdamW(
        p, lr=s.lr, betas=tuple(s.betas), eps=s.eps, weight_decay=s.weight_decay, amsgrad=s.amsgrad
    ),
    "rmsprop": lambda s, p: torch.optim.RMSprop(
        p,
        lr=s.lr,
        alpha=s.alpha,
        eps=s.eps,
        momentum=s.momentum,
        weight_decay=s.weight_decay,
        centered=s.centered,
    ),
    "adagrad": lambda s, p: torch.optim.Adagrad(
        p, lr=s.lr, lr_decay=s.lr_decay, weight_decay=s.weight_decay, eps=s.eps
    ),
}

Scheduler = torch.optim.lr_scheduler.LRScheduler

SCHEDULERS: dict[str, Callable[[Any, torch.optim.Optimizer], Scheduler]] = {
    "step": lambda s, o: torch.optim.lr_scheduler.StepLR(o, step_size=s.step_size, gamma=s.gamma),
    "cosine": lambda s, o: torch.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=s.t_max, eta_min=s.eta_min
    ),
}


def build_model(spec: ModelSpec) -> nn.Sequential:
    """The layers as an ``nn.Sequential``; seed torch first for a reproducible default init."""
    return nn.Sequential(*(LAYERS[layer.type](layer) for layer in spec.layers))


def build_loss(spec: LossSpec) -> nn.Module:
    return LOSSES[spec.type](spec)


def build_optimizer(spec: OptimizerSpec, params: Params) -> torch.optim.Optimizer:
    return OPTIMIZERS[spec.type](spec, params)


def build_scheduler(
    spec: SchedulerSpec | None, optimizer: torch.optim.Optimizer
) -> Scheduler | None:
    return None if spec is None else SCHEDULERS[spec.type](spec, optimizer)


def resolve_device(name: str) -> str:
    """``auto`` is CUDA when this process sees a GPU, else CPU; ``cuda`` without one is an error."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was asked for but no CUDA device is available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {name!r}")
    return name


def load_state(model: nn.Module, state: dict[str, Any]) -> None:
    """Copy named values (parameters and buffers, as nested lists) into ``model``.

    Every parameter must be present with its exact shape; a summarized value (from a model too
    large to send in full) cannot be loaded and says so.
    """
    own = dict(model.state_dict())
    missing = [name for name, t in own.items() if name not in state and t.dtype.is_floating_point]
    if missing:
        raise ValueError(f"state is missing {', '.join(missing)}")
    unknown = sorted(set(state) - set(own))
    if unknown:
        raise ValueError(f"state has values the model does not: {', '.join(unknown)}")
    with torch.no_grad():
        for name, value in state.items():
            if isinstance(value, dict):
                raise ValueError(f"{name} is a summary, not the full values; cannot load it")
            target = own[name]
            tensor = torch.as_tensor(value, dtype=target.dtype)
            if tensor.shape != target.shape:
                raise ValueError(
                    f"{name} has shape {list(tensor.shape)}, expected {list(target.shape)}"
                )
            target.copy_(tensor)
