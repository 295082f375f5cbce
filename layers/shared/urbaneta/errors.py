"""Typed domain errors. Raised anywhere in the package; mapped to HTTP in ``urbaneta.http.errors`` only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class UrbanetaError(Exception):
    """Base of every error a client may see. ``code`` is the stable machine-readable code."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class BadRequest(UrbanetaError):
    code = "BAD_REQUEST"


class Unauthorized(UrbanetaError):
    code = "UNAUTHORIZED"


class Forbidden(UrbanetaError):
    code = "FORBIDDEN"


class NotFound(UrbanetaError):
    code = "NOT_FOUND"


class MethodNotAllowed(UrbanetaError):
    code = "METHOD_NOT_ALLOWED"


class Conflict(UrbanetaError):
    code = "CONFLICT"


class PayloadTooLarge(UrbanetaError):
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(UrbanetaError):
    code = "UNSUPPORTED_MEDIA_TYPE"


class ValidationFailed(UrbanetaError):
    code = "VALIDATION_FAILED"

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, errors=[FieldError(field, message)])


class TooManyRequests(UrbanetaError):
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class PreconditionFailed(UrbanetaError):
    code = "PRECONDITION_FAILED"


class ServiceUnavailable(UrbanetaError):
    code = "SERVICE_UNAVAILABLE"
