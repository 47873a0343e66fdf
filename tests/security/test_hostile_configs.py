"""Hostile and clumsy training configs: each is refused with a 4xx naming the problem, nothing
is stored or started, and the server keeps serving runs and programs afterwards."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from tests.security.conftest import HostileServer

BASE: dict[str, Any] = {
    "model": {"layers": [{"type": "linear", "in_features": 1, "out_features": 1}]},
    "data": {"x": [[1.0], [2.0], [3.0]], "y": [[2.0], [4.0], [6.0]]},
    "loss": {"type": "mse", "reduction": "mean"},
    "optimizer": {"type": "sgd", "lr": 0.01},
    "epochs": 5,
    "batch_size": 3,
}


def changed(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path (list indexes as numbers) replaced."""
    config = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node: Any = config
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return config


WIDE = [{"type": "linear", "in_features": 1, "out_features": 4096}]
WIDE += [{"type": "linear", "in_features": 4096, "out_features": 4096}] * 2
WIDE += [{"type": "linear", "in_features": 4096, "out_features": 1}]

# (name, config or raw JSON text, expected status, a word the message must contain)
HOSTILE: list[tuple[str, Any, int, str]] = [
    ("unknown_top_key", BASE | {"__class__": 1}, 422, "extra"),
    ("unknown_layer_type", changed("model.layers.0.type", "os.system"), 422, "type"),
    ("layer_by_import_path", changed("model.layers.0.type", "torch.nn.Linear"), 422, "type"),
    ("optimizer_by_name", changed("optimizer.type", "torch.load"), 422, "type"),
    ("loss_by_name", changed("loss.type", "__import__"), 422, "type"),
    ("huge_width", changed("model.layers.0.out_features", 10**9), 422, "train_max_width"),
    ("many_parameters", changed("model.layers", WIDE), 422, "max_parameters"),
    ("many_layers", changed("model.layers", [{"type": "relu"}] * 1000), 422, "layers"),
    ("huge_epochs", BASE | {"epochs": 10**9}, 422, "train_max_epochs"),
    ("negative_epochs", BASE | {"epochs": -1}, 422, "epochs"),
    ("zero_batch", BASE | {"batch_size": 0}, 422, "batch_size"),
    ("huge_lr", changed("optimizer.lr", 1e300), 422, "train_max_lr"),
    ("string_number", changed("optimizer.lr", "0.01; import os"), 422, "lr"),
    ("huge_value", changed("data.x", [[1e300], [2.0], [3.0]]), 422, "train_max_abs_value"),
    ("ragged_rows", changed("data.x", [[1.0], [2.0, 3.0], [3.0]]), 422, "x"),
    ("rows_mismatch", changed("data.y", [[2.0]]), 422, "y"),
    ("shape_mismatch", changed("model.layers.0.in_features", 7), 422, "in_features"),
    ("init_shape_mismatch", changed("model.layers.0.init", {"weight": [[1.0, 2.0]]}), 422, "init"),
    (
        "synthetic_rows",
        BASE | {"data": {"synthetic": {"kind": "regression", "n_samples": 10**9}}},
        422,
        "train_max_rows",
    ),
    ("csv_bomb", BASE | {"data": {"csv": "a,b\n" + "1,2\n" * 100_000, "target": "b"}}, 413, ""),
    ("csv_not_numbers", BASE | {"data": {"csv": "a,b\nx,y\n", "target": "b"}}, 422, "csv"),
    ("huge_seed", BASE | {"seed": 10**30}, 400, "integer"),
    ("cuda_on_cpu_host", BASE | {"device": "cuda"}, 400, "CUDA is not available"),
    ("predict_wrong_width", BASE | {"predict_x": [[1.0, 2.0]]}, 422, "predict_x"),
    ("nan_literal", '{"epochs": NaN}', 400, "NaN"),
    ("infinity_literal", json.dumps(BASE).replace('"lr": 0.01', '"lr": Infinity'), 400, ""),
    ("deep_json", "[" * 100_000 + "]" * 100_000, 400, ""),
    ("not_an_object", "[1, 2, 3]", 422, ""),
]


@pytest.mark.parametrize(("name", "config", "status", "word"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_config_is_refused(
    hostile_server: HostileServer, name: str, config: Any, status: int, word: str
) -> None:
    with httpx.Client(base_url=hostile_server.url, timeout=60) as client:
        before = client.get("/api/runs", params={"limit": 200}).json()["runs"]
        body = config if isinstance(config, str) else json.dumps(config)
        response = client.post(
            "/api/runs", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == status, response.text[:500]
        error = response.json()["error"]
        assert word.lower() in json.dumps(response.json()).lower(), error
        assert "Traceback" not in response.text and "/work/" not in response.text
        after = client.get("/api/runs", params={"limit": 200}).json()["runs"]
        assert len(after) == len(before)  # nothing stored, nothing started
        assert client.get("/health").status_code == 200


def test_a_normal_run_still_trains_after_the_hostile_configs(hostile_server: HostileServer):
    with httpx.Client(base_url=hostile_server.url, timeout=60) as client:
        created = client.post("/api/runs", json=BASE)
        assert created.status_code == 201, created.text
        with client.stream("GET", created.json()["events_url"]) as stream:
            kinds = [line[7:] for line in stream.iter_lines() if line.startswith("event: ")]
        assert kinds == ["epoch"] * 5 + ["done"]
