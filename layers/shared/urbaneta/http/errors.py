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
    PreconditionFailed,
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
    PreconditionFailed: 412,
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
        fields.append(FieldError(path, field_message(err)))
    return ValidationFailed("The request is invalid.", errors=fields)


# pydantic's error types in the product's own words, each naming what is expected ({...} from the error's ctx)
_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this resource (unknown, server-owned, or spelled otherwise: fields are "
                       "camelCase)",
    "date_parsing": "must be a date in the form YYYY-MM-DD, e.g. 2026-01-31",
    "date_from_datetime_parsing": "must be a date in the form YYYY-MM-DD, e.g. 2026-01-31",
    "date_from_datetime_inexact": "must be a date in the form YYYY-MM-DD, e.g. 2026-01-31",
    "date_type": "must be a date in the form YYYY-MM-DD, e.g. 2026-01-31",
    "datetime_parsing": "must be a date and time in ISO 8601 form, e.g. 2026-01-31T09:30:00Z",
    "datetime_from_date_parsing": "must be a date and time in ISO 8601 form, e.g. 2026-01-31T09:30:00Z",
    "datetime_type": "must be a date and time in ISO 8601 form, e.g. 2026-01-31T09:30:00Z",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "decimal_max_places": "must have at most {decimal_places} decimal places",
    "decimal_max_digits": "must have at most {max_digits} digits",
    "decimal_whole_digits": "must have at most {whole_digits} digits before the decimal point",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be at most {max_length} characters long",
    "string_pattern_mismatch": "does not have the expected form (pattern {pattern})",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "uuid_parsing": "must be a UUID, e.g. 3f2b8c1e-4d5a-4e8b-9c7d-2a1b0c9d8e7f",
    "uuid_type": "must be a UUID, e.g. 3f2b8c1e-4d5a-4e8b-9c7d-2a1b0c9d8e7f",
    "url_parsing": "must be a URL, e.g. https://example.ee/hooks",
    "url_scheme": "must be a URL starting with {expected_schemes}",
    "none_required": "must be null",
}


def field_message(err: dict[str, Any]) -> str:
    """One validation error in the product's words: our own validators' messages as they are (without
    pydantic's ``Value error, `` prefix), pydantic's own types by the table above."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        if "reason" in ctx:  # email-validator's reason
            return f"must be an e-mail address ({str(ctx['reason']).rstrip('.')})"
        text = str(ctx.get("error") or err.get("msg", "is invalid"))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return "is invalid"
    try:
        return template.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template.split(" {")[0].split(" (")[0]
