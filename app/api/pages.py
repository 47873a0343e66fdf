"""The two HTML pages (graph view and training view) and the read-only examples API.

Pages are server-rendered Jinja2 shells; everything dynamic happens in the ES modules under
``static/js``, which talk to the JSON API. Examples live as plain files in ``app/examples``:
``index.json`` lists them and ``<id>.py`` holds each program. An id is only ever looked up in
the index, never joined onto a path as given, so a request cannot reach other files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

_APP_DIR = Path(__file__).resolve().parents[1]
_REPO_DIR = _APP_DIR.parent
EXAMPLES_DIR = _APP_DIR / "examples"


def _templates_dir() -> Path:
    """The templates folder: the repository's, or the copy bundled into an installed wheel."""
    for candidate in (_REPO_DIR / "templates", _APP_DIR / "_templates"):
        if candidate.is_dir():
            return candidate
    return _REPO_DIR / "templates"


templates = Jinja2Templates(directory=_templates_dir())
router = APIRouter()

# The example shown when the page opens without a program in its URL.
DEFAULT_SEED = "001"


def _seed_key(seed: Any) -> str:
    """Seeds may be written 1, "1" or "001" in the index; compare them as 3-digit strings."""
    text = str(seed).strip()
    return text.zfill(3) if text.isdigit() else text


def load_index(examples_dir: Path | None = None) -> list[dict[str, Any]]:
    """The examples index, or an empty list while no index has been written."""
    path = (examples_dir or EXAMPLES_DIR) / "index.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get("examples", []) if isinstance(data, dict) else data
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]


def default_example_id(index: list[dict[str, Any]]) -> str | None:
    """The id of the seed-001 example, else the first example, else None."""
    for entry in index:
        if _seed_key(entry.get("seed", "")) == DEFAULT_SEED:
            return str(entry["id"])
    return str(index[0]["id"]) if index else None


def _example_file(entry: dict[str, Any], examples_dir: Path) -> Path | None:
    """The source file of an index entry, refused if it would resolve outside the folder."""
    root = examples_dir.resolve()
    path = (examples_dir / f"{entry['id']}.py").resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def graph_page(request: Request) -> HTMLResponse:
    """The graph view: editor, autograd graph, variables, output and plots."""
    return templates.TemplateResponse(
        request,
        "graph.html",
        {"page": "graph", "default_example": default_example_id(load_index())},
    )


@router.get("/train", response_class=HTMLResponse, include_in_schema=False)
def train_page(request: Request) -> HTMLResponse:
    """The training view: config form, live charts and the runs list."""
    return templates.TemplateResponse(request, "train.html", {"page": "train"})


@router.get("/api/examples")
def list_examples() -> JSONResponse:
    """Every example of the index, in index order (the page's example picker)."""
    return JSONResponse(load_index())


@router.get("/api/examples/{example_id}")
def get_example(example_id: str) -> JSONResponse:
    """One example: its index entry plus ``source``, the program text."""
    for entry in load_index():
        if entry["id"] == example_id:
            path = _example_file(entry, EXAMPLES_DIR)
            if path is None:
                break
            return JSONResponse({**entry, "source": path.read_text(encoding="utf-8")})
    return JSONResponse(
        {"error": {"type": "not_found", "message": f"There is no example {example_id!r}."}},
        status_code=404,
    )
