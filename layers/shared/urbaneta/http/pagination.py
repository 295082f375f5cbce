"""Opaque, tamper-proof cursors bound to the tenant and the query that made them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from urbaneta.adapters.secrets import derived_key
from urbaneta.errors import BadRequest, ValidationFailed

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


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
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.one("limit", f"must be an integer from 1 to {MAX_LIMIT}")
    return limit
