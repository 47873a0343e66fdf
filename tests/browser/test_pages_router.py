"""The pages router without a browser: HTML shells, the examples API (and that its ids cannot
reach other files), and that every vendored library is present and listed with its license."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from app.api import pages

REPO_DIR = Path(__file__).resolve().parents[2]
STATIC = REPO_DIR / "static"


@pytest.fixture
def examples_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private examples folder, so these tests do not depend on the real index's contents."""
    (tmp_path / "index.json").write_text(
        json.dumps(
            [
                {"id": "seed000_intro", "title": "Intro", "seed": "000", "description": "d0"},
                {"id": "seed001_mean", "title": "Mean", "seed": 1, "expects_error": False},
                {"id": "no_file", "title": "Listed but missing", "seed": "002"},
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "seed000_intro.py").write_text("import torch\n", encoding="utf-8")
    (tmp_path / "seed001_mean.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "secret.py").write_text("not listed\n", encoding="utf-8")
    monkeypatch.setattr(pages, "EXAMPLES_DIR", tmp_path)
    return tmp_path


@pytest.fixture
def pages_client() -> TestClient:
    app = FastAPI()
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return TestClient(app)


def test_graph_page_renders_with_default_example(
    pages_client: TestClient, examples_dir: Path
) -> None:
    response = pages_client.get("/")
    assert response.status_code == 200
    html = response.text
    assert 'id="source"' in html and 'id="graph-canvas"' in html
    # Seed 1 written as an integer still counts as seed 001, the default.
    assert 'data-default="seed001_mean"' in html
    assert '<script type="module" src="/static/js/graph-view.js">' in html


def test_train_page_renders(pages_client: TestClient) -> None:
    response = pages_client.get("/train")
    assert response.status_code == 200
    assert 'id="config-form"' in response.text
    assert "/static/js/train-view.js" in response.text


def test_examples_index_and_source(pages_client: TestClient, examples_dir: Path) -> None:
    index = pages_client.get("/api/examples").json()
    assert [e["id"] for e in index] == ["seed000_intro", "seed001_mean", "no_file"]
    body = pages_client.get("/api/examples/seed000_intro").json()
    assert body["source"] == "import torch\n"
    assert body["title"] == "Intro" and body["description"] == "d0"


@pytest.mark.parametrize(
    "example_id", ["secret", "no_file", "..%2Fsecret", "%2E%2E", "seed000_intro.py", "index"]
)
def test_unknown_or_unlisted_examples_are_404(
    pages_client: TestClient, examples_dir: Path, example_id: str
) -> None:
    response = pages_client.get(f"/api/examples/{example_id}")
    assert response.status_code == 404
    # An id with a slash never reaches the route (the router's own 404 answers it).
    if "error" in response.json():
        assert response.json()["error"]["type"] == "not_found"


def test_no_index_means_no_examples(
    pages_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "EXAMPLES_DIR", tmp_path)
    assert pages_client.get("/api/examples").json() == []
    assert pages_client.get("/").status_code == 200


def test_real_examples_index_is_served(pages_client: TestClient) -> None:
    """Every entry of the project's own index resolves to a program (once the index exists)."""
    if not (pages.EXAMPLES_DIR / "index.json").is_file():
        pytest.skip("app/examples/index.json is not written yet")
    index = pages_client.get("/api/examples").json()
    assert index
    for entry in index:
        body = pages_client.get(f"/api/examples/{entry['id']}")
        assert body.status_code == 200, entry
        assert body.json()["source"].strip()
    assert pages.default_example_id(index) is not None


def test_vendored_libraries_are_listed_with_licenses() -> None:
    versions = (STATIC / "vendor" / "VERSIONS.md").read_text(encoding="utf-8")
    for lib, license_name in (
        ("codemirror", "MIT"),
        ("uplot", "MIT"),
        ("svg-pan-zoom", "BSD-2-Clause"),
        ("@hpcc-js/wasm-graphviz", "Apache-2.0"),
    ):
        row = next(line for line in versions.splitlines() if line.startswith(f"| [{lib}]"))
        assert license_name in row
        folder = "graphviz" if lib.startswith("@hpcc-js") else lib
        assert (STATIC / "vendor" / folder / "LICENSE").is_file()
        for path in re.findall(r"`([^`]+\.(?:js|css))`", row):
            assert (STATIC / "vendor" / path).is_file(), path


def test_templates_and_scripts_load_nothing_from_other_hosts() -> None:
    """No CDN: every src/href/import in our own files is a local path."""
    files = [*(REPO_DIR / "templates").glob("*.html"), *(STATIC / "js").glob("*.js")]
    files += list((STATIC / "css").glob("*.css"))
    pattern = re.compile(
        r"""(?:src|href)=["'](?:https?:)?//|import[^;]*["']https?://|url\(\s*["']?https?://"""
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not pattern.search(text), path
