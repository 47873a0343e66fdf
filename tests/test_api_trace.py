"""``"trace": true`` on POST /api/graph and ``?trace=true`` on GET /api/runs/{id}/graph, against
the live server, with the expected gradients computed by PyTorch in the test."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import torch

from app.schemas import GraphResponse, Timeline
from app.training.presets import get_preset

EXAMPLES = Path(__file__).resolve().parent.parent / "app" / "examples"


def post(client: httpx.Client, source: str, **options: object) -> httpx.Response:
    return client.post("/api/graph", json={"source": source, "render_svg": False, **options})


def test_seed_001_traced_through_the_server(client: httpx.Client) -> None:
    source = (EXAMPLES / "seed001_mean_backward.py").read_text()
    response = post(client, source, trace=True)
    assert response.status_code == 200, response.text
    body = response.json()
    GraphResponse.model_validate(body)  # the documented shape, every field
    timeline = body["timeline"]
    assert timeline["truncated"] is False
    (entry,) = timeline["backward"]
    assert entry["line"] == 16 and entry["root"] == body["graph"]["root_id"]
    # Independently: d mean(2 (x + 1)) / dx, and what flows into each node, by autograd.grad.
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x + 1
    z = 2 * y
    m = torch.mean(z)
    dz, dy, dx = torch.autograd.grad(m, [z, y, x])
    by_op = {step["op"]: step for step in entry["steps"]}
    assert by_op["MeanBackward0"]["edges"][0]["grad"]["values"] == pytest.approx(
        dz.flatten().tolist()
    )
    assert by_op["MulBackward0"]["edges"][0]["grad"]["values"] == pytest.approx(
        dy.flatten().tolist()
    )
    assert by_op["AddBackward0"]["edges"][0]["grad"]["values"] == pytest.approx(
        dx.flatten().tolist()
    )
    nodes = {n["id"]: n for n in body["graph"]["nodes"]}
    for step in entry["steps"]:
        for edge in step["edges"]:  # graph ids: the page finds the edge it labels
            assert edge["source"] in nodes and edge["target"] in nodes
    add = next(n for n in nodes.values() if n["op"] == "AddBackward0")
    assert (add["line"], add["column"], add["saved_bytes"]) == (12, 1, 0)
    frame = next(f for f in timeline["frames"] if f["line"] == 18)
    assert frame["tensors"]["x"]["grad"] == pytest.approx([1 / 3] * 6)


def test_without_trace_nothing_changes(client: httpx.Client) -> None:
    body = post(client, "x = torch.ones(2, requires_grad=True)\n(x * 2).sum().backward()\n").json()
    assert "timeline" not in body
    assert all("line" not in node for node in body["graph"]["nodes"])


def test_trace_must_be_a_boolean(client: httpx.Client) -> None:
    response = post(client, "x = 1\n", trace="yes")
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "validation"


def test_an_error_keeps_its_trace_up_to_the_error_frame(client: httpx.Client) -> None:
    source = (EXAMPLES / "seed001_second_backward_error.py").read_text()
    response = post(client, source, trace=True)
    assert response.status_code == 400
    body = response.json()
    assert "backward through the graph a second time" in body["error"]["message"]
    Timeline.model_validate(body["timeline"])
    last = body["timeline"]["frames"][-1]
    assert last["kind"] == "error" and last["line"] == body["error"]["line"] == 12
    assert "second time" in last["error"]
    assert body["graph"]["nodes"] and all("line" in n for n in body["graph"]["nodes"])
    plain = post(client, source).json()
    assert set(plain) == {"error"}  # without trace, the envelope as before


def test_one_training_step_traced(client: httpx.Client) -> None:
    preset = get_preset("seed-004-linear-model")
    assert preset is not None
    created = client.post("/api/runs", json={**preset["config"], "epochs": 1})
    assert created.status_code in (200, 201, 202), created.text
    run_id = created.json()["id"]
    response = client.get(f"/api/runs/{run_id}/graph", params={"trace": True, "render_svg": False})
    assert response.status_code == 200, response.text
    body = response.json()
    GraphResponse.model_validate(body)
    frames = body["timeline"]["frames"]
    assert [f["kind"] for f in frames] == ["forward", "backward", "step"]
    # Independently: one SGD step of w x + b on the preset's data, MSE summed.
    w = torch.tensor([[1.0]], requires_grad=True)
    b = torch.tensor([0.0], requires_grad=True)
    x = torch.tensor([[1.0], [2.0], [3.0]])
    loss = torch.nn.functional.mse_loss(
        x @ w.T + b, torch.tensor([[2.0], [4.0], [6.0]]), reduction="sum"
    )
    loss.backward()
    assert frames[0]["tensors"]["loss"]["value"] == [pytest.approx(loss.item())]
    assert frames[1]["tensors"]["0.weight"]["grad"] == [pytest.approx(w.grad.item())]
    assert frames[1]["tensors"]["0.bias"]["grad"] == [pytest.approx(b.grad.item())]
    assert frames[2]["tensors"]["0.weight"]["value"] == [pytest.approx(1.0 - 0.01 * w.grad.item())]
    (entry,) = body["timeline"]["backward"]
    leaves = {leaf["node"]: leaf for leaf in entry["leaves"]}
    weight = next(n for n in body["graph"]["nodes"] if n["vars"] == ["0.weight"])
    assert leaves[weight["id"]]["after"]["values"] == [pytest.approx(w.grad.item())]
    plain = client.get(f"/api/runs/{run_id}/graph", params={"render_svg": False}).json()
    assert "timeline" not in plain
