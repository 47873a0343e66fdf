"""The one error envelope: ``{"error": {"type", "message", "line", "column"}}``, and the HTTP
status of each program error.

Program mistakes are 4xx, never 5xx: a 500 means a bug in gradtrace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.api.responses import StrictJSONResponse
from app.lang.errors import ProgramError

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


def error_response(
    status: int,
    type_: str,
    message: str,
    *,
    line: int | None = None,
    column: int | None = None,
    limit: str | None = None,
    headers: Mapping[str, str] | None = None,
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
    body = err.to_json()
    body.pop("trace", None)  # "trace": true: the timeline up to the error, and its graph
    return StrictJSONResponse({"error": body, **(err.trace or {})}, status_code=status)
