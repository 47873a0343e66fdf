"""The HTTP edges: one error envelope, strict JSON in and out, a body size cap.

Every error leaves as ``{"error": {"type", "message", "line", "column"}}``. Program mistakes are
4xx, never 5xx: a 500 means a bug in gradtrace, and says nothing about the server (no traceback,
path or environment) while the log keeps the details.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.encoding import dumps
from app.jobs.pool import Saturated
from app.lang.errors import ProgramError

log = logging.getLogger("gradtrace.api")

# Program errors by type. 400: the program is wrong. 422: the program is well-formed but asked
# for more than the service gives (a limit, the time limit, or enough to crash its worker);
# not 408, which means the *client* was slow and which browsers retry on their own.
PROGRAM_ERROR_STATUS = {
    "syntax": 400,
    "not_allowed": 400,
    "runtime": 400,
    "limit": 422,
    "timeout": 422,
    "crash": 422,
}
HTTP_ERROR_TYPES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


class StrictJSONResponse(JSONResponse):
    """JSON that any parser reads: no NaN/Infinity literals, valid UTF-8 (app.encoding)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


class JSONBytesResponse(Response):
    """A body that is JSON text already (written by a worker with app.encoding)."""

    media_type = "application/json"


def error_response(
    status: int,
    type_: str,
    message: str,
    *,
    line: int | None = None,
    column: int | None = None,
    limit: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> StrictJSONResponse:
    """A response in the error envelope; ``extra`` keys go next to ``error`` (e.g. detail)."""
    error: dict[str, Any] = {"type": type_, "message": message, "line": line, "column": column}
    if limit is not None:
        error["limit"] = limit
    body: dict[str, Any] = {"error": error, **extra}
    return StrictJSONResponse(body, status_code=status, headers=headers)


def program_error_response(err: ProgramError) -> StrictJSONResponse:
    """The response for an error in the user's program."""
    status = PROGRAM_ERROR_STATUS.get(err.type, 400)
    return StrictJSONResponse({"error": err.to_json()}, status_code=status)


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


class BodyGuard:
    """ASGI middleware: cap the request body while it arrives, then insist on strict JSON.

    The cap is checked on Content-Length and again on every chunk, so a client cannot make the
    server buffer more than ``max_body_bytes`` by lying or by chunked encoding. A JSON body must
    then be UTF-8 without NaN/Infinity, out-of-range numbers, integers longer than
    ``max_json_int_digits``, duplicate keys or lone surrogates; Python's json module accepts all
    of these, and each would otherwise reach the program or the response as a surprise.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_json_int_digits: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_int_digits = max_json_int_digits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "0")
        if not declared.isdigit():
            await error_response(400, "http", "invalid Content-Length")(scope, receive, send)
            return
        if int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if body and _is_json(headers.get("content-type", "")):
            problem = strict_json_problem(bytes(body), self.max_json_int_digits)
            if problem is not None:
                response = error_response(400, "invalid_json", f"invalid JSON body: {problem}")
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body is larger than {self.max_body_bytes} bytes (max_body_bytes)"
        await error_response(413, "too_large", message)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that first hands over the body already read, then the real one
    (which later reports the client's disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def strict_json_problem(body: bytes, max_int_digits: int) -> str | None:
    """Why ``body`` is not strict JSON, or None when it is."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > max_int_digits:
            raise ValueError(f"an integer has more than {max_int_digits} digits")
        return int(digits)

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"the number {text[:40]} is out of range")
        return value

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            raise ValueError("an object has a duplicate key")
        return result

    try:
        text = body.decode("utf-8")
        value = json.loads(
            text,
            parse_constant=constant,
            parse_int=integer,
            parse_float=number,
            object_pairs_hook=pairs,
        )
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    except RecursionError:
        return "it is nested too deeply"
    except ValueError as error:  # includes json.JSONDecodeError
        return str(error)
    return _lone_surrogate(value)


def _lone_surrogate(value: Any) -> str | None:
    """Find a string holding half a surrogate pair ("\\ud800"), which is no Unicode text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds a lone surrogate (\\ud800-\\udfff)"
    return None
