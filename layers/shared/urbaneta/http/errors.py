"""The one mapping from errors to HTTP: status codes and the error body of API.md."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from urbaneta.errors import (
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    UrbanetaError,
    ValidationFailed,
)

STATUS: dict[type[UrbanetaError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    ValidationFailed: 422,
    TooManyRequests: 429,
    ServiceUnavailable: 503,
}


def status_of(exc: UrbanetaError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, request_id: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "requestId": request_id}
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return {"error": body}


def error_response(exc: UrbanetaError, request_id: str) -> Response:
    headers: dict[str, str] = {"X-Request-ID": request_id}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, MethodNotAllowed) and getattr(exc, "allow", None):
        headers["Allow"] = ", ".join(exc.allow)  # type: ignore[attr-defined]
    return Response(
        status_code=status_of(exc),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(exc.code, exc.message, request_id, exc.errors)),
        headers=headers,
    )


def internal_error_response(request_id: str) -> Response:
    return Response(
        status_code=500,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body("INTERNAL_ERROR", "An unexpected error occurred.", request_id)),
        headers={"X-Request-ID": request_id},
    )


def from_validation_errors(raw: list[Any]) -> UrbanetaError:
    """Powertools/pydantic validation errors → BadRequest (malformed JSON) or ValidationFailed (every field)."""
    if any(isinstance(e, dict) and e.get("type") == "json_invalid" for e in raw):
        return BadRequest("The request body is not valid JSON.")
    fields: list[FieldError] = []
    for err in raw:
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "body"
        path = ".".join(loc[1:]) if len(loc) > 1 else where
        message = str(err.get("msg", "is invalid"))
        if err.get("type") == "missing":
            message = "is required"
        elif err.get("type") == "extra_forbidden":
            message = "is not a field of this resource (unknown or server-owned)"
        fields.append(FieldError(path, message))
    return ValidationFailed("The request is invalid.", errors=fields)
