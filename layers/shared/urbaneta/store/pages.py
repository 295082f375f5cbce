"""Lists: ``PageRequest`` (limit and cursor, parsed once) and ``Page`` (items and the next cursor).

A cursor is opaque and tamper-proof: the table's LastEvaluatedKey (or a service's own position), signed and bound
to the tenant and the query (``scope``) that made it; any other tenant or query gets 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from urbaneta.adapters.secrets import derived_key
from urbaneta.errors import BadRequest, ValidationFailed

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

T = TypeVar("T")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes) -> str:
    return _b64(hmac.new(derived_key("cursor"), payload, hashlib.sha256).digest()[:18])


def encode_cursor(last_key: dict[str, Any] | None, *, tenant_id: str, scope: str) -> str | None:
    """``scope`` names the query (route and filters); a cursor only works for the same tenant and scope."""
    if not last_key:
        return None
    payload = json.dumps({"k": last_key, "t": tenant_id, "s": scope}, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_sign(payload)}"


def decode_cursor(cursor: str | None, *, tenant_id: str, scope: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        body, signature = cursor.split(".", 1)
        payload = _unb64(body)
        valid = hmac.compare_digest(signature, _sign(payload))
        data = json.loads(payload) if valid else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not data or data.get("t") != tenant_id or data.get("s") != scope or not isinstance(data.get("k"), dict):
        raise BadRequest("The cursor is invalid for this request.")
    key: dict[str, Any] = data["k"]
    return key


def parse_limit(raw: str | None) -> int:
    """Absent: the default; given, it must be a whole number 1..MAX_LIMIT (an empty ``?limit=`` too is 422)."""
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.one("limit", f"must be an integer from 1 to {MAX_LIMIT}")
    return limit


class Page(NamedTuple, Generic[T]):
    """One page of a list: ``{"data": items, "nextCursor": next_cursor}`` on the wire."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    """A list request: the limit (1..100, default 25) and where to start (the decoded cursor), for one query."""

    tenant_id: str
    scope: str
    limit: int = DEFAULT_LIMIT
    start: dict[str, Any] | None = None

    @classmethod
    def parse(cls, tenant_id: str, scope: str, *, limit: str | int | None, cursor: str | None) -> PageRequest:
        """422 for a bad limit, 400 for a cursor made by another tenant or query."""
        size = limit if isinstance(limit, int) else parse_limit(limit)
        return cls(tenant_id, scope, size, decode_cursor(cursor, tenant_id=tenant_id, scope=scope))

    @property
    def is_first(self) -> bool:
        return self.start is None

    def page(self, items: Sequence[T], last: dict[str, Any] | None) -> Page[T]:
        """The page of ``items``; ``last`` (the next start, or None at the end) becomes the signed cursor."""
        return Page(list(items), encode_cursor(last, tenant_id=self.tenant_id, scope=self.scope))
