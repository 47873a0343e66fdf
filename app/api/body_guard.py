"""BodyGuard, an ASGI middleware: a body size cap while the body arrives, then strict JSON in.

Its refusals leave in the error envelope (400 invalid_json, 413 too_large).
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.envelope import error_response


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
