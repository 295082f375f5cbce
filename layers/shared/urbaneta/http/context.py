"""The current request's caller and id: set by ``http.app`` (the guard and the handler wrapper), read by routes
and by the idempotency middleware. One execution environment serves one event at a time; context variables keep
even that honest."""

from __future__ import annotations

import contextvars

from urbaneta.auth.principal import Principal
from urbaneta.errors import Forbidden

current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
current_if_match: contextvars.ContextVar[str | None] = contextvars.ContextVar("if_match", default=None)


def principal() -> Principal:
    """The authenticated caller of the current request."""
    current = current_principal.get()
    if current is None:  # only reachable from a public route by mistake
        raise Forbidden("This operation needs an authenticated caller.")
    return current


def request_id() -> str:
    return current_request_id.get()


def if_match() -> str | None:
    """The request's ``If-Match`` header (None when absent): routes that change a resource pass it on."""
    return current_if_match.get()
