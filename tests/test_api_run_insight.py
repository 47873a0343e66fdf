"""GET /api/runs/{id}/landscape, /histograms, /history.csv and /history.json on a real server,
checked against plain PyTorch and against the run's own event stream."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
import torch
from torch import nn

from tests.test_api_runs import SEED_004, preset_config, run_to_end


def plain_loss(w: float, b: float) -> float:
    x = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([[2.0], [4.0], [6.0]])
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(w)
        model.bias.fill_(b)
        return nn.MSELoss(reduction="sum")(model(x), y).item()


def test_landscape_route_gives_the_grid_and_the_runs_path(client: httpx.Client) -> None:
    run = run_to_end(client, preset_config(SEED_004))
    response = client.get(f"/api/runs/{run.id}/landscape")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == run.id and body["status"] == "succeeded"
    grid = body["landscape"]
    assert grid["kind"] == "exact" and grid["dims"] == 2 and grid["epoch"] == 100
    assert [a["name"] for a in grid["axes"]] == ["0.weight", "0.bias"]
    ws, bs = (a["values"] for a in grid["axes"])
    for j in range(0, len(bs), 5):
        for i in range(0, len(ws), 5):
            assert grid["loss"][j][i] == pytest.approx(plain_loss(ws[i], bs[j]), rel=1e-5, abs=1e-4)
    # The path: the start, then exactly the parameters each epoch event carried.
    epochs = run.stream.epochs
    assert [p["epoch"] for p in body["path"]] == list(range(0, len(epochs) + 1))
    assert body["path"][0]["at"] == [1.0, 0.0]
    assert body["path"][0]["loss"] == pytest.approx(plain_loss(1.0, 0.0), rel=1e-6)
    for point, event in zip(body["path"][1:], epochs, strict=True):
        params = event.data["params"]
        assert point["at"] == [params["0.weight"][0][0], params["0.bias"][0]]
        assert point["loss"] == pytest.approx(plain_loss(*point["at"]), rel=1e-5)


def test_histograms_route_follows_the_epochs(client: httpx.Client) -> None:
    run = run_to_end(client, preset_config(SEED_004, epochs=30))
    body = client.get(f"/api/runs/{run.id}/histograms").json()
    assert body["epochs"] == list(range(1, 31)) and body["bins"] == 30
    assert set(body["params"]) == set(body["grads"]) == {"0.weight", "0.bias"}
    for event, hist in zip(run.stream.epochs, body["params"]["0.weight"], strict=True):
        assert hist == event.data["histograms"]["params"]["0.weight"]
        assert hist["min"] == hist["max"] == event.data["params"]["0.weight"][0][0]
    thinned = client.get(f"/api/runs/{run.id}/histograms", params={"max_epochs": 4}).json()
    assert thinned["epochs"][0] == 1 and thinned["epochs"][-1] == 30
    assert len(thinned["epochs"]) == 4
    bad = client.get(f"/api/runs/{run.id}/histograms", params={"max_epochs": 0})
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "validation"


def test_history_downloads(client: httpx.Client) -> None:
    run = run_to_end(client, preset_config(SEED_004, epochs=5))
    response = client.get(f"/api/runs/{run.id}/history.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4, 5]
    history = run.body["history"]
    assert [float(r["loss"]) for r in rows] == [h["loss"] for h in history]
    assert all(r["val_loss"] == "" for r in rows)
    as_json = client.get(f"/api/runs/{run.id}/history.json").json()
    assert as_json["history"] == history and as_json["config"] == run.body["config"]


@pytest.mark.parametrize("route", ["landscape", "histograms", "history.csv", "history.json"])
def test_unknown_runs_are_404(client: httpx.Client, route: str) -> None:
    response = client.get(f"/api/runs/nosuchrun/{route}")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_a_model_without_landscape_says_so(client: httpx.Client) -> None:
    run = run_to_end(client, preset_config("moons-mlp", epochs=3))
    body = client.get(f"/api/runs/{run.id}/landscape").json()
    assert body["landscape"] is None and body["path"] == []


def test_new_routes_are_documented_with_examples(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for route, media in [
        ("landscape", "application/json"),
        ("histograms", "application/json"),
        ("history.csv", "text/csv"),
        ("history.json", "application/json"),
    ]:
        op = paths[f"/api/runs/{{run_id}}/{route}"]["get"]
        assert op["summary"]
        assert "example" in op["responses"]["200"]["content"][media], route
        assert "404" in op["responses"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"landscape": "everywhere"}, "landscape"),
        ({"histograms": "yes"}, "histograms"),
        ({"landscape": None}, "landscape"),
    ],
)
def test_bad_insight_fields_are_422_naming_them(
    client: httpx.Client, change: dict[str, object], field: str
) -> None:
    response = client.post("/api/runs", json=preset_config(SEED_004, **change))
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["type"] == "validation"
    assert any(field in d["loc"] for d in body["detail"]), body


def test_a_random_slice_too_costly_is_refused(client: httpx.Client) -> None:
    config = {
        **preset_config("moons-mlp"),
        "landscape": "random_2d",
        "model": {
            "layers": [
                {"type": "linear", "in_features": 2, "out_features": 2048},
                {"type": "relu"},
                {"type": "linear", "in_features": 2048, "out_features": 256},
                {"type": "relu"},
                {"type": "linear", "in_features": 256, "out_features": 2},
            ]
        },
        "epochs": 1,
    }
    response = client.post("/api/runs", json=config)
    assert response.status_code == 422, response.text
    assert "train_max_work" in response.text and "landscape" in response.text
