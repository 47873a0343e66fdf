"""The worker's loss landscape and histograms against plain PyTorch and numpy, computed here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from sklearn.datasets import make_regression
from torch import nn

from app.config import TrainingLimits
from app.training.config import validate_config
from app.training.histograms import histograms
from app.training.landscape import filter_normalized_direction
from app.training.loop import train
from tests.training_support import one_thread, preset  # noqa: F401 (one_thread: a fixture)


def events_of(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    return list(train(cfg, device="cpu"))


def plain_loss(
    x: torch.Tensor, y: torch.Tensor, w: float, b: float | None, reduction: str
) -> float:
    """nn.Linear(1, 1) set to (w, b) and the MSE loss on all the data, as a script writes it."""
    model = nn.Linear(1, 1, bias=b is not None)
    with torch.no_grad():
        model.weight.fill_(w)
        if b is not None:
            model.bias.fill_(b)
        return nn.MSELoss(reduction=reduction)(model(x), y).item()


SEED_DATA = (torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[2.0], [4.0], [6.0]]))


def seed003_data() -> tuple[torch.Tensor, torch.Tensor]:
    x, y = make_regression(n_samples=100, n_features=1, noise=10, bias=14.5, random_state=0)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).reshape(-1, 1)


def check_grid(grid: dict[str, Any], x: torch.Tensor, y: torch.Tensor, reduction: str) -> None:
    """Every grid value equals the plain loss at that point."""
    axes = [a["values"] for a in grid["axes"]]
    if grid["dims"] == 1:
        expected = [plain_loss(x, y, w, None, reduction) for w in axes[0]]
        assert grid["loss"] == pytest.approx(expected, rel=1e-5, abs=1e-5)
        return
    for j, b in enumerate(axes[1]):
        expected = [plain_loss(x, y, w, b, reduction) for w in axes[0]]
        assert grid["loss"][j] == pytest.approx(expected, rel=1e-5, abs=1e-4), (j, b)


@pytest.mark.parametrize(
    ("preset_id", "data", "reduction", "dims"),
    [
        ("seed-000-w-times-x", SEED_DATA, "mean", 1),
        ("seed-004-linear-model", SEED_DATA, "sum", 2),
        ("seed-003-linear-regression", None, "mean", 2),
    ],
)
def test_landscape_values_are_plain_pytorch_losses(
    preset_id: str, data: Any, reduction: str, dims: int
) -> None:
    events = events_of(preset(preset_id, device="cpu"))
    x, y = data if data is not None else seed003_data()
    grids = [e["landscape"] for e in events if "landscape" in e]
    assert len(grids) >= 2  # at least the first epoch's and the final one
    assert all(g["kind"] == "exact" and g["dims"] == dims for g in grids)
    assert [len(a["values"]) for a in grids[-1]["axes"]] == [41] * dims
    for grid in (grids[0], grids[-1]):
        check_grid(grid, x, y, reduction)


def test_the_path_is_the_runs_parameters_and_its_losses() -> None:
    events = events_of(preset("seed-004-linear-model", device="cpu"))
    epochs, done = events[:-1], events[-1]
    x, y = SEED_DATA
    # The tutorial's loop, here: full batch, SGD lr 0.01, MSE sum, from w = 1, b = 0.
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.fill_(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for event in epochs:
        loss = nn.MSELoss(reduction="sum")(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        w, b = model.weight.item(), model.bias.item()
        point = event["landscape_point"]
        assert point["at"] == pytest.approx([w, b], rel=1e-6)
        assert point["at"] == [event["params"]["0.weight"][0][0], event["params"]["0.bias"][0]]
        assert point["loss"] == pytest.approx(plain_loss(x, y, w, b, "sum"), rel=1e-5)
    final = done["landscape"]
    assert final["start"] == [1.0, 0.0]
    # The final grid holds the whole path.
    (w_lo, w_hi), (b_lo, b_hi) = ((a["values"][0], a["values"][-1]) for a in final["axes"])
    for event in epochs:
        w, b = event["landscape_point"]["at"]
        assert w_lo <= w <= w_hi and b_lo <= b <= b_hi


def test_random_slices_are_centred_on_the_trained_model() -> None:
    cfg = preset("moons-mlp", device="cpu", landscape="random_2d", epochs=20)
    events = events_of(cfg)
    done = events[-1]
    grid = done["landscape"]
    assert grid["kind"] == "random" and grid["dims"] == 2
    assert [a["name"] for a in grid["axes"]] == ["alpha", "beta"]
    middle = len(grid["axes"][0]["values"]) // 2
    assert grid["axes"][0]["values"][middle] == 0.0
    assert all("landscape" not in e for e in events[:-1])
    # At alpha = beta = 0 the loss is the trained model's on the training rows, in eval mode.
    model = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2)
    )
    model.load_state_dict({k: torch.tensor(v) for k, v in done["params"].items()})
    from app.training.loop import prepare

    session = prepare(validate_config(cfg), torch.device("cpu"))
    with torch.no_grad():
        expected = nn.CrossEntropyLoss()(model(session.x_train), session.y_train).item()
    assert grid["loss"][middle][middle] == pytest.approx(expected, rel=1e-5)
    one_d = events_of({**cfg, "landscape": "random_1d"})[-1]["landscape"]
    assert one_d["dims"] == 1 and one_d["loss"][middle] == pytest.approx(expected, rel=1e-5)


def test_directions_are_filter_normalised() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    direction = filter_normalized_direction(model, torch.Generator().manual_seed(1))
    for name, p in model.named_parameters():
        d = direction[name]
        if p.dim() == 1:
            assert torch.count_nonzero(d) == 0  # biases: no direction (Li et al.)
        else:
            assert torch.allclose(d.norm(dim=1), p.detach().norm(dim=1), rtol=1e-5)


def test_random_slice_cost_is_bounded() -> None:
    cfg = preset("moons-mlp", device="cpu", landscape="random_2d")
    with pytest.raises(ValidationError, match="train_max_work"):
        validate_config(cfg, TrainingLimits(max_work=1e6))
    validate_config(cfg, TrainingLimits())


def test_histograms_are_numpys() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 3))
    model(torch.randn(32, 4)).pow(2).mean().backward()
    found = histograms(model, 20)
    for name, p in model.named_parameters():
        for group, tensor in (("params", p), ("grads", p.grad)):
            values = tensor.detach().numpy().ravel()
            hist = found[group][name]
            assert hist["min"] == values.min() and hist["max"] == values.max()
            counts, _ = np.histogram(values, 20, (values.min(), values.max()))
            # Float32 against numpy's float64 bin edges: a value exactly on an edge may land
            # one bin over; nothing else differs.
            assert sum(hist["counts"]) == values.size and hist["nonfinite"] == 0
            assert np.abs(np.array(hist["counts"]) - counts).sum() <= 2, (group, name)


def test_histograms_leave_out_non_finite_values() -> None:
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
        model.weight[1, 2] = float("inf")
        model.bias.fill_(float("nan"))
    found = histograms(model, 4)
    finite = model.weight.detach().numpy().ravel()[[1, 2, 3, 4]]
    weight = found["params"]["weight"]
    assert weight["nonfinite"] == 2 and sum(weight["counts"]) == 4
    assert weight["min"] == finite.min() and weight["max"] == finite.max()
    assert found["params"]["bias"] == {"min": None, "max": None, "counts": [0] * 4, "nonfinite": 2}
    assert found["grads"] == {"weight": None, "bias": None}


def test_insight_can_be_switched_off() -> None:
    events = events_of(
        preset("seed-004-linear-model", device="cpu", landscape="off", histograms=False)
    )
    assert not any({"landscape", "landscape_point", "histograms"} & set(e) for e in events)
    on = events_of(preset("seed-004-linear-model", device="cpu"))
    assert [e["loss"] for e in on[:-1]] == [e["loss"] for e in events[:-1]]
    assert all(len(e["histograms"]["params"]["0.weight"]["counts"]) == 30 for e in on[:-1])
