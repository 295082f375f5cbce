"""Shared by the authentication use cases: the clock in seconds, throttles, password rules, public user fields."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from urbaneta.adapters.secrets import derived_key
from urbaneta.auth import passwords
from urbaneta.errors import TooManyRequests, ValidationFailed
from urbaneta.settings import get_settings
from urbaneta.store import throttle

API_KEY_PREFIX = "urb_live_"


MAGIC_LINK_TTL = 900


BAD_LOGIN = "The e-mail address or the password is wrong."


BAD_REFRESH = "The refresh token is invalid, expired or already used."


_PUBLIC_USER_FIELDS = ("id", "tenantId", "email", "name", "role", "status", "apartmentIds", "createdAt",
                       "updatedAt")


def now_seconds() -> int:
    return int(time.time())


def subject_of(value: str) -> str:
    """Throttle subjects are keyed by an HMAC, so e-mails and addresses are not stored in the clear."""
    return hmac.new(derived_key("throttle"), value.encode(), hashlib.sha256).hexdigest()[:40]


def limit_attempts(purpose: str, value: str, limit: int) -> None:
    window = get_settings().login_failure_window_seconds
    wait = throttle.take(purpose, subject_of(value), limit=limit, window_seconds=window)
    if wait:
        raise TooManyRequests("Too many attempts; retry later.", retry_after=wait)


def give_back(purpose: str, value: str) -> None:
    throttle.give_back(purpose, subject_of(value), window_seconds=get_settings().login_failure_window_seconds)


def signed_in_from(email: str, source_ip: str) -> None:
    """Remember that this address signed in to this account: the account-wide delay and the magic-link cap
    never apply to it (a stranger's failures cannot lock the owner out of a place they use)."""
    throttle.remember("known-source", subject_of(f"{email}|{source_ip}"),
                      seconds=get_settings().known_source_days * 86400)


def check_password(password: str, *, email: str, name: str | None) -> None:
    reason = passwords.weakness(password, email=email, name=name)
    if reason:
        raise ValidationFailed.one("password", reason)


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """A user without its credentials."""
    out = {k: user[k] for k in _PUBLIC_USER_FIELDS if k in user}
    out["apartmentIds"] = sorted(user.get("apartmentIds") or [])
    if user.get("invoiceWindows"):
        out["invoiceWindows"] = sorted(user["invoiceWindows"])
    return out
