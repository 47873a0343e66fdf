"""POST /api/graph and GET /api/graph.svg against the live server, and the HTTP edges."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from app.schemas import SEED_PROGRAM


def post(client: httpx.Client, source: str, **options: object) -> httpx.Response:
    return client.post("/api/graph", json={"source": source, **options})


def error_of(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body["error"]) >= {"type", "message", "line", "column"}
    return body["error"]


# --- programs ---------------------------------------------------------------------------------


def test_seed_program_gives_its_graph_values_and_gradients(client: httpx.Client) -> None:
    response = post(client, SEED_PROGRAM)
    assert response.status_code == 200, response.text
    body = response.json()
    ops = {node["op"] for node in body["graph"]["nodes"] if node["kind"] == "op"}
    assert {"MeanBackward0", "MulBackward0", "AddBackward0"} <= ops
    leaves = [node for node in body["graph"]["nodes"] if node["kind"] == "leaf"]
    assert [leaf["vars"] for leaf in leaves] == [["x"]]
    assert body["graph"]["root"] == "m"
    x = body["variables"]["x"]
    assert x["is_leaf"] and x["shape"] == [2, 3]
    assert x["grad"] == [[pytest.approx(1 / 3)] * 3] * 2
    assert body["svg"].lstrip().startswith("<svg")
    assert "MeanBackward0" in body["dot"]
    assert body["device"] == "cpu"
    assert set(body["timings_ms"]) == {"queue", "run", "walk", "render", "total"}


def test_render_svg_false_skips_the_layout(client: httpx.Client) -> None:
    body = post(client, SEED_PROGRAM, render_svg=False, show_saved=True).json()
    assert body["svg"] is None
    assert body["timings_ms"]["render"] == 0
    mean = next(n for n in body["graph"]["nodes"] if n["op"] == "MeanBackward0")
    assert mean["saved"]  # show_saved lists what the op kept for backward


def test_stdout_comes_back(client: httpx.Client) -> None:
    body = post(client, "print('hello', 1 + 1)", render_svg=False).json()
    assert body["stdout"] == "hello 2\n"


def test_syntax_error_is_400_with_line_and_column(client: httpx.Client) -> None:
    response = post(client, "import torch\nx = (1,\n")
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "syntax"
    assert isinstance(error["line"], int) and error["line"] >= 1
    assert isinstance(error["column"], int)


def test_runtime_error_keeps_pytorchs_wording_and_line(client: httpx.Client) -> None:
    response = post(client, "import torch\na = torch.ones(2)\nb = a @ torch.ones(3)\n")
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "runtime"
    assert error["line"] == 3
    assert "size" in str(error["message"]).lower()


def test_an_error_brings_what_was_printed_before_it(client: httpx.Client) -> None:
    source = "for i in range(3):\n    print('step', i)\nx = torch.ones(2) @ torch.ones(3)\n"
    error = error_of(post(client, source))
    assert (error["type"], error["line"]) == ("runtime", 3)
    assert error["stdout"] == "step 0\nstep 1\nstep 2\n"
    assert "stdout" not in error_of(post(client, "import os"))  # refused before it ran


def test_forbidden_import_is_400(client: httpx.Client) -> None:
    response = post(client, "import os")
    assert response.status_code == 400
    assert error_of(response)["type"] == "not_allowed"


def test_cuda_without_cuda_is_a_400_saying_so(client: httpx.Client) -> None:
    if client.get("/health").json()["device"] == "cuda":
        pytest.skip("this server has CUDA")
    response = post(client, SEED_PROGRAM, device="cuda")
    assert response.status_code == 400
    assert "CUDA is not available" in str(error_of(response)["message"])


SLOW_TORCH = """\
import torch
a = torch.randn(1500, 1500)
for i in range(100000):
    b = a @ a
"""


@pytest.mark.slow
def test_slow_program_hits_the_time_limit_and_the_next_one_runs(client: httpx.Client) -> None:
    started = time.monotonic()
    response = post(client, SLOW_TORCH)
    assert time.monotonic() - started < 15
    assert response.status_code == 422
    assert error_of(response) == {
        "type": "timeout",
        "message": "the program ran longer than the 5 s limit (job_timeout_s)",
        "line": None,
        "column": None,
        "limit": "job_timeout_s",
    }
    assert post(client, SEED_PROGRAM, render_svg=False).status_code == 200


@pytest.mark.slow
def test_runaway_program_is_stopped_and_the_next_one_runs(client: httpx.Client) -> None:
    started = time.monotonic()
    response = post(client, "while True:\n    pass\n")
    assert time.monotonic() - started < 15
    assert response.status_code == 422
    assert error_of(response)["type"] in ("timeout", "limit")
    after = post(client, SEED_PROGRAM, render_svg=False)
    assert after.status_code == 200


# --- SVG --------------------------------------------------------------------------------------


def test_get_svg_returns_an_image(client: httpx.Client) -> None:
    response = client.get("/api/graph.svg", params={"source": SEED_PROGRAM})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text and "MeanBackward0" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_get_svg_errors_are_json(client: httpx.Client) -> None:
    response = client.get("/api/graph.svg", params={"source": "x = (1,"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "syntax"


# --- HTTP edges -------------------------------------------------------------------------------


def test_oversize_body_is_413(client: httpx.Client) -> None:
    response = post(client, "#" * 300_000)
    assert response.status_code == 413
    assert error_of(response)["type"] == "too_large"


def test_oversize_chunked_body_is_413_while_reading(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap must count as bytes arrive
        yield b'{"source": "'
        for _ in range(40):
            yield b"#" * 10_000
        yield b'"}'

    response = client.post(
        "/api/graph", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "raw",
    [
        '{"source": NaN}',
        '{"source": "x = 1", "show_saved": Infinity}',
        '{"source": "x = 1", "n": 1e999}',
        '{"source": "x = 1", "n": 123456789012345678901234567890}',
        '{"source": "x = 1", "source": "y = 2"}',
        '{"source": "\\ud800"}',
        "[" * 100_000 + "]" * 100_000,
        '{"source": ',
    ],
)
def test_non_strict_json_is_400(client: httpx.Client, raw: str) -> None:
    response = client.post("/api/graph", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [
        {"source": "x = 1", "colour": "red"},
        {"source": "x = 1", "device": "tpu"},
        {"source": "x = 1", "render_svg": "yes"},
        {"source": 42},
        {},
    ],
)
def test_bodies_off_the_schema_are_422_validation(client: httpx.Client, body: object) -> None:
    response = client.post("/api/graph", json=body)
    assert response.status_code == 422
    assert error_of(response)["type"] == "validation"
    assert response.json()["detail"]


def test_unexpected_errors_are_a_bare_json_500() -> None:
    app = create_app(Settings(workers=1))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret /etc/path detail")

    async def get() -> httpx.Response:
        # Straight to the ASGI app: no lifespan, so no workers are started for this route.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await http.get("/boom")

    response = asyncio.run(get())
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "type": "internal",
            "message": "internal server error; it has been logged",
            "line": None,
            "column": None,
        }
    }
    assert "secret" not in response.text
