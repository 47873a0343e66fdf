"""GET /health and the OpenAPI documents, against the live server."""

from __future__ import annotations

import httpx

import app


def test_health_reports_version_workers_device_and_queue(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "version": app.__version__,
        "workers": 2,
        "device": response.json()["device"],
        "queue": {"in_flight": 0, "capacity": 64},
    }
    assert response.json()["device"] in ("cpu", "cuda")


def test_openapi_documents_both_graph_routes_with_examples(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "gradtrace"
    post = spec["paths"]["/api/graph"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert "m.backward()" in examples["seed"]["value"]["source"]
    assert {"400", "413", "422", "503"} <= set(post["responses"])
    svg = spec["paths"]["/api/graph.svg"]["get"]
    assert "image/svg+xml" in svg["responses"]["200"]["content"]
    assert client.get("/docs").status_code == 200


def test_unknown_paths_use_the_error_envelope(client: httpx.Client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
