"""The loop's numbers are a bare PyTorch loop's, and its events are what the page draws."""

from __future__ import annotations

import copy
import json
import math
import time
from typing import Any

import pytest
import torch
from sklearn.datasets import make_regression
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from app.runs.store import dumps_strict
from app.training.config import TrainConfig
from app.training.loop import grad_norms, graph_step, param_values, train
from app.training.predict import predict
from tests.training_support import one_thread, preset  # noqa: F401 (one_thread: a fixture)


def run(cfg: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return list(train(cfg, device="cpu", **kw))


def test_seed_000_equals_the_tutorial_script() -> None:
    events = run(preset("seed-000-w-times-x"))
    # The tutorial, as written: w = torch.Tensor([1.0]), per-sample loss, manual update.
    w = torch.Tensor([1.0])
    w.requires_grad = True
    last, means = [], []
    for _ in range(100):
        losses = []
        for x, y in zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], strict=True):
            loss = (x * w - y) ** 2
            loss.backward()
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()
            losses.append(loss.item())
        last.append(loss.item())
        means.append(sum(losses) / 3)
    epochs = [e for e in events if e["type"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, 101))
    # 1e-6 absolute: torch's SGD step may round w differently in the last bit (fused
    # multiply-add) from the tutorial's `w.data - 0.01 * w.grad.data`.
    assert [e["loss"] for e in epochs] == pytest.approx(last, rel=1e-6, abs=1e-6)
    assert events[-1]["params"]["0.weight"][0][0] == pytest.approx(w.item(), rel=1e-6)
    assert events[-1]["predict"]["y_pred_initial"] == [[4.0]]
    assert events[-1]["predict"]["y_pred"][0][0] == pytest.approx((4 * w).item(), rel=1e-6)
    # report_loss "epoch" gives the mean over the epoch's samples instead.
    means_events = run(preset("seed-000-w-times-x", report_loss="epoch"))[:-1]
    assert [e["loss"] for e in means_events] == pytest.approx(means, rel=1e-6, abs=1e-6)


class LinearModel(nn.Module):
    """The seed 004 tutorial's model."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def test_seed_004_equals_the_tutorial_script() -> None:
    events = run(preset("seed-004-linear-model"))
    model = LinearModel()
    with torch.no_grad():  # the preset's fixed init
        model.linear.weight.fill_(1.0)
        model.linear.bias.fill_(0.0)
    x_data = torch.Tensor([[1.0], [2.0], [3.0]])
    y_data = torch.Tensor([[2.0], [4.0], [6.0]])
    criterion = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(100):
        loss = criterion(model(x_data), y_data)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert [e["loss"] for e in events[:-1]] == pytest.approx(losses, rel=1e-6, abs=1e-9)
    done = events[-1]
    assert done["params"]["0.weight"][0][0] == pytest.approx(model.linear.weight.item(), 1e-6)
    assert done["params"]["0.bias"][0] == pytest.approx(model.linear.bias.item(), 1e-6)
    expected = model(torch.Tensor([[4.0]])).item()
    assert done["predict"]["y_pred"][0][0] == pytest.approx(expected, rel=1e-6)
    assert 7.8 < expected < 8.1


def test_seed_003_equals_the_tutorial_with_a_seeded_dataloader() -> None:
    events = run(preset("seed-003-linear-regression"))
    x, y, _ = make_regression(
        n_samples=100, n_features=1, noise=10, coef=True, bias=14.5, random_state=0
    )
    torch.manual_seed(0)
    model = nn.Linear(in_features=1, out_features=1)
    loader = DataLoader(
        TensorDataset(torch.tensor(x), torch.tensor(y)),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    criterion, optimizer = nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1e-2)
    epoch_losses = []
    for _ in range(100):
        total = 0.0
        for train_x, train_y in loader:
            y_pred = model(train_x.type(torch.float32))
            loss = criterion(y_pred, train_y.reshape(-1, 1).type(torch.float32))
            total += loss.item() * len(train_x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_losses.append(total / 100)
    assert [e["loss"] for e in events[:-1]] == pytest.approx(epoch_losses, rel=1e-6)
    assert events[-1]["params"]["0.weight"][0][0] == pytest.approx(model.weight.item(), 1e-6)
    assert events[-1]["params"]["0.bias"][0] == pytest.approx(model.bias.item(), 1e-6)


def test_epoch_events_carry_what_the_page_draws() -> None:
    cfg = preset("seed-003-linear-regression", epochs=3)
    events = run(cfg)
    first = events[0]
    assert set(first) == {
        "type", "epoch", "loss", "val_loss", "params", "grad_norms", "lr", "elapsed_ms",
        "histograms", "landscape", "landscape_point",  # issue 15, on by default for this model
    }  # fmt: skip
    assert set(first["params"]) == set(first["grad_norms"]) == {"0.weight", "0.bias"}
    assert first["val_loss"] is None and first["lr"] == 0.01
    assert all(isinstance(v, float) for v in first["grad_norms"].values())
    assert events[0]["elapsed_ms"] <= events[1]["elapsed_ms"] <= events[2]["elapsed_ms"]
    done = events[-1]
    assert done["type"] == "done" and done["epochs"] == 3 and done["loss"] == events[2]["loss"]
    line = done["predictions"]
    assert line["kind"] == "line" and len(line["x"]) == len(line["y_pred"]) == 200
    assert len(line["y_true"]) == 200 and len(line["data"]["x"]) == 100
    json.loads(dumps_strict(done))


def test_scheduler_and_validation_split_show_in_events() -> None:
    cfg = preset("seed-003-linear-regression", epochs=4, validation_split=0.2)
    cfg["scheduler"] = {"type": "step", "step_size": 2, "gamma": 0.5}
    events = run(cfg)
    assert [e["lr"] for e in events[:-1]] == pytest.approx([0.01, 0.01, 0.005, 0.005])
    assert all(isinstance(e["val_loss"], float) for e in events)


def test_large_parameters_are_summarized_cheaply() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(100, 500), nn.ReLU(), nn.Linear(500, 100), nn.Linear(100, 1))
    assert sum(p.numel() for p in model.parameters()) > 100_000
    model(torch.randn(8, 100)).sum().backward()
    values = param_values(model, 64)
    weight = values["0.weight"]
    assert weight["summarized"] is True and weight["shape"] == [500, 100]
    assert len(weight["sample"]) == 64
    assert weight["norm"] == pytest.approx(model[0].weight.norm().item(), rel=1e-5)
    assert weight["sample"] == model[0].weight.flatten()[:64].tolist()
    assert values["3.bias"] == model[3].bias.tolist()  # small: full values
    json.dumps({"params": param_values(model, 64), "grad_norms": grad_norms(model)})  # warm
    start = time.perf_counter()
    for _ in range(20):
        json.dumps({"params": param_values(model, 64), "grad_norms": grad_norms(model)})
    per_epoch_ms = (time.perf_counter() - start) / 20 * 1000
    assert per_epoch_ms < 50, per_epoch_ms  # ~0.5 ms measured; loose for a busy machine


def test_should_stop_is_checked_every_batch() -> None:
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 10  # during epoch 2 (7 batches per epoch)

    events = run(preset("seed-003-linear-regression"), should_stop=stop)
    assert [e["type"] for e in events] == ["epoch", "cancelled"]
    assert events[-1]["epoch"] == 2


def test_runs_are_deterministic() -> None:
    cfg = preset("three-classes", epochs=5)
    first, second = run(cfg), run(cfg)
    assert [e["loss"] for e in first] == [e["loss"] for e in second]
    assert first[-1]["params"] == second[-1]["params"]


def test_predict_rebuilds_the_trained_model() -> None:
    cfg = preset("three-classes", epochs=3)
    done = run(cfg)[-1]
    assert "1.running_mean" in done["buffers"]
    state = {**done["params"], **done["buffers"]}
    rows = [[0.1, -0.2, 0.3, 0.5], [1.0, 1.0, -1.0, 0.0]]
    out = predict(cfg, state, rows)
    assert len(out) == 2 and len(out[0]) == 3
    seed4 = preset("seed-004-linear-model")
    done4 = run(seed4)[-1]
    assert predict(seed4, done4["params"], [[4.0]]) == done4["predict"]["y_pred"]
    with pytest.raises(ValueError, match="summary"):
        predict(seed4, {"0.weight": {"summarized": True}, "0.bias": [0.0]}, [[4.0]])
    with pytest.raises(ValueError, match="inputs must be rows of 1"):
        predict(seed4, done4["params"], [[4.0, 1.0]])


def test_graph_step_returns_the_first_steps_loss_and_named_parameters() -> None:
    cfg = preset("seed-004-linear-model")
    loss, named = graph_step(cfg)
    assert list(named) == ["0.weight", "0.bias"]
    assert loss.grad_fn is not None and named["0.weight"].requires_grad
    assert loss.item() == pytest.approx(run(cfg)[0]["loss"])  # full batch: epoch 1's loss


def test_divergence_gives_non_finite_numbers_that_encode_strictly() -> None:
    cfg = preset("seed-004-linear-model", epochs=60)
    cfg["optimizer"] = {"type": "sgd", "lr": 10.0}
    events = run(cfg)
    assert not math.isfinite(events[-1]["loss"])
    text = dumps_strict(events[-1])
    json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
    assert '"NaN"' in text or '"Infinity"' in text


LOSSES = ["mse", "l1", "smooth_l1", "huber"]
OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_loss_and_optimizer_trains(loss: str, optimizer: str) -> None:
    cfg = preset("seed-003-linear-regression", epochs=2)
    cfg["loss"] = {"type": loss, "reduction": "sum"}
    cfg["optimizer"] = {"type": optimizer}
    events = run(cfg)
    assert events[-1]["type"] == "done" and math.isfinite(events[-1]["loss"])


def test_every_layer_type_trains() -> None:
    cfg = copy.deepcopy(preset("moons-mlp", epochs=2))
    cfg["model"]["layers"] = [
        {"type": "flatten"},
        {"type": "linear", "in_features": 2, "out_features": 8},
        {"type": "batchnorm1d", "num_features": 8},
        {"type": "leaky_relu", "negative_slope": 0.1},
        {"type": "dropout", "p": 0.2},
        {"type": "linear", "in_features": 8, "out_features": 8},
        {"type": "gelu", "approximate": "tanh"},
        {"type": "sigmoid"},
        {"type": "tanh"},
        {"type": "relu"},
        {"type": "linear", "in_features": 8, "out_features": 2},
    ]
    done = run(cfg)[-1]
    assert set(done["metrics"]) == {"accuracy", "val_accuracy"}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_closely() -> None:
    cfg = preset("seed-003-linear-regression", epochs=10)
    cpu = [e["loss"] for e in train(cfg, device="cpu")]
    gpu = [e["loss"] for e in train(cfg, device="cuda")]
    assert gpu == pytest.approx(cpu, rel=1e-4)


@pytest.mark.parametrize(
    ("rows", "batch", "seed"), [(100, 16, 0), (7, 3, 5), (10, 10, 1), (9, 4, 2)]
)
def test_shuffled_batches_are_a_seeded_dataloaders(rows: int, batch: int, seed: int) -> None:
    from app.training.loop import batch_order

    config = preset("seed-003-linear-regression") | {"batch_size": batch, "seed": seed}
    cfg = TrainConfig.model_validate(config)
    ours = batch_order(cfg, rows)
    loader = DataLoader(range(rows), batch_size=batch, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))  # fmt: skip
    for _ in range(3):  # epochs draw on from the same generator
        assert [b.tolist() for b in ours()] == [b.tolist() for b in loader]
