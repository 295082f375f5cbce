"""Time and ids in one place, so tests and scheduled functions can reason about "now"."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime


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


def new_id() -> str:
    return str(uuid.uuid4())
