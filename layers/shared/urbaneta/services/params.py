"""Query parameters a service reads from their raw text (the route checks their form only): dates.

Kept apart from any use case so that a route parsing a date loads nothing else (the accounts function's first
request used to import the invoice list's module, its models and the invoice messages just for this)."""

from __future__ import annotations

from datetime import date

from urbaneta.errors import ValidationFailed


def query_date(raw: str | None, field_name: str) -> date | None:
    """``YYYY-MM-DD``; absent or empty is none; anything else is 422 naming ``field_name``."""
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.one(field_name, "must be a date (YYYY-MM-DD)") from exc
