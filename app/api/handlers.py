"""Exception handlers: every exception the app can raise leaves in the error envelope.

A 500 says nothing about the server (no traceback, path or environment) while the log keeps
the details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.envelope import HTTP_ERROR_TYPES, error_response, program_error_response
from app.api.responses import StrictJSONResponse
from app.jobs.protocol import Saturated
from app.lang.errors import ProgramError

log = logging.getLogger("gradtrace.api")


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception the app can raise into the envelope."""

    async def on_program_error(_: Request, exc: Exception) -> StrictJSONResponse:
        assert isinstance(exc, ProgramError)
        return program_error_response(exc)

    async def on_saturated(_: Request, exc: Exception) -> StrictJSONResponse:
        assert isinstance(exc, Saturated)
        headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(503, "saturated", f"the server is busy: {exc}", headers=headers)

    async def on_validation(_: Request, exc: Exception) -> StrictJSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Keep FastAPI's list, minus the echoed input (which may be a 200 kB program).
        detail = [
            {k: v for k, v in problem.items() if k in ("type", "loc", "msg", "ctx")}
            for problem in exc.errors()
        ]
        first = detail[0] if detail else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        return error_response(422, "validation", message, detail=jsonable_encoder(detail))

    async def on_http(_: Request, exc: Exception) -> StrictJSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        type_ = HTTP_ERROR_TYPES.get(exc.status_code, "http")
        return error_response(
            exc.status_code, type_, str(exc.detail), headers=exc.headers, detail=exc.detail
        )

    async def on_anything(request: Request, exc: Exception) -> StrictJSONResponse:
        # Starlette re-raises after this response, so the server logs the traceback too.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error_response(500, "internal", "internal server error; it has been logged")

    app.add_exception_handler(ProgramError, on_program_error)
    app.add_exception_handler(Saturated, on_saturated)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_anything)
