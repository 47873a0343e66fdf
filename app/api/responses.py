"""Response classes: strict JSON out, and JSON text a worker has already written."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response

from app.encoding import dumps


class StrictJSONResponse(JSONResponse):
    """JSON that any parser reads: no NaN/Infinity literals, valid UTF-8 (app.encoding)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


class JSONBytesResponse(Response):
    """A body that is JSON text already (written by a worker with app.encoding)."""

    media_type = "application/json"
