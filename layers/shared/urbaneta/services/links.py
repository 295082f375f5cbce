"""The links e-mails carry: where they point (the API's own hosted pages, or ``PUBLIC_APP_URL``, an
organisation's own front end, which then serves the same paths), and the signed, expiring token of an
invoice's hosted page (``/pay/{token}``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from urbaneta.adapters.secrets import derived_key
from urbaneta.domain.invoices import Invoice
from urbaneta.settings import get_settings

PAY_LINK_DAYS = 365
"""An invoice's hosted page opens for a year after the later of its due date and the day the link was made."""

_PURPOSE = "urbaneta/pay-link/v1"


def app_base() -> str:
    """Where a person's links point: the organisation's own front end when configured, else the API."""
    settings = get_settings()
    return (settings.public_app_url or settings.public_base_url).rstrip("/")


def api_base() -> str:
    return get_settings().public_base_url.rstrip("/")


def token_link(path: str, token: str) -> str:
    """A page link carrying a one-time token (``/invitations/accept?token=…``)."""
    return f"{app_base()}{path}?token={quote(token, safe='')}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str) -> str:
    return _b64(hmac.new(derived_key(_PURPOSE), payload.encode(), hashlib.sha256).digest()[:20])


def pay_token(inv: Invoice, *, today: date | None = None, owner_since: date | None = None) -> str:
    """Signed (HMAC-SHA256 with a key derived from the application secret) and expiring; names the invoice, and
    the apartment's last ownership change when there was one (the hosted page refuses a link to an invoice from a
    change that was made before it: one e-mailed to the former owner)."""
    from urbaneta.clock import today as current_day

    start = max(inv.due_date, today or current_day())
    expires = datetime.combine(start + timedelta(days=PAY_LINK_DAYS), datetime.min.time(), tzinfo=UTC)
    payload = f"{inv.tenant_id}.{inv.id}.{int(expires.timestamp())}" + (f".{owner_since}" if owner_since else "")
    return f"{_b64(payload.encode())}.{_signature(payload)}"


def pay_link(inv: Invoice, owner_since: date | None = None) -> str:
    return f"{app_base()}/pay/{pay_token(inv, owner_since=owner_since)}"


def read_pay_token(token: str, *, today: date | None = None) -> tuple[str, str] | None:
    """(tenant id, invoice id) of a genuine, unexpired token; None for anything else."""
    found = read_pay_link(token, today=today)
    return found[:2] if found else None


def read_pay_link(token: str, *, today: date | None = None) -> tuple[str, str, date | None] | None:
    """(tenant id, invoice id, the ownership change it was made after) of a genuine, unexpired token."""
    import time

    encoded, _, signature = token.partition(".")
    if not encoded or not signature or len(token) > 400:
        return None
    try:
        payload = _unb64(encoded).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(_signature(payload), signature):
        return None
    parts = payload.split(".")
    if len(parts) not in (3, 4) or not parts[2].isdigit():
        return None
    now = time.time() if today is None else datetime.combine(today, datetime.min.time(), UTC).timestamp()
    if int(parts[2]) <= now:
        return None
    try:
        since = date.fromisoformat(parts[3]) if len(parts) == 4 else None
    except ValueError:
        return None
    return parts[0], parts[1], since
