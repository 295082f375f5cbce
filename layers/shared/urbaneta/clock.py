"""Time and ids in one place, so tests and scheduled functions can reason about "now"."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return rfc3339(utcnow())


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def today() -> date:
    return utcnow().date()


BALTIC_OFFSET = timedelta(hours=3)
"""Tallinn, Riga and Vilnius are UTC+2, UTC+3 in summer: the latest date it can be there."""


def baltic_today() -> date:
    """The date it already is in the Baltics (the bound of a date a person says has happened)."""
    return (utcnow() + BALTIC_OFFSET).date()


def new_id() -> str:
    return str(uuid.uuid4())
