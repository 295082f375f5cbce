"""Users and their tokens: the interfaces other capabilities use (``create_user``, ``find_user_by_email``,
``add_apartment_to_user``, ``issue_tokens``) and the start of a session."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from urbaneta.auth import passwords
from urbaneta.auth.principal import Principal, Role
from urbaneta.auth.tokens import ACCESS_TTL, create_session, issue_access_token, issue_refresh_token
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.ownership import window_entry
from urbaneta.models.auth import TokensOut
from urbaneta.services.auth import common
from urbaneta.services.auth.common import check_password, public_user
from urbaneta.settings import get_settings
from urbaneta.store import throttle, users


def create_user(tenant_id: str, *, email: str, name: str, password: str | None, role: str,
                apartment_ids: Iterable[str] = ()) -> dict[str, Any]:
    """Create a user of an organisation. The e-mail is unique across all organisations (Conflict, 409);
    a weak password is ValidationFailed (422). ``password`` None makes an account that signs in by magic
    link only. Returns the user without credentials."""
    Role(role)
    address = users.normalise_email(email)
    password_hash = None
    if password is not None:
        check_password(password, email=address, name=name)
        password_hash = passwords.hash_password(password)
    user = users.create_user(tenant_id, new_id(), email=address, name=name, role=role, password_hash=password_hash,
                             apartment_ids=sorted(set(apartment_ids)), now=now_iso())
    return public_user(user)


def find_user_by_email(email: str) -> dict[str, Any] | None:
    user = users.find_by_email(email)
    return public_user(user) if user else None


def add_apartment_to_user(tenant_id: str, user_id: str, apartment_id: str, *, owner_since: date | None = None
                          ) -> dict[str, Any]:
    """Give a user (a resident) one more apartment. Tokens issued from now on carry it: a new login, and the
    next refresh of every live session (refresh reads the user), i.e. within 15 minutes. ``owner_since``: the
    apartment's last ownership change, from which on its invoices are theirs to read."""
    window = window_entry(apartment_id, owner_since, None) if owner_since else None
    return public_user(users.add_apartment(tenant_id, user_id, apartment_id, now=now_iso(), window=window))


def issue_tokens(user: dict[str, Any]) -> dict[str, Any]:
    """Start a session for a user: ``{accessToken, refreshToken, expiresIn, tokenType}``."""
    return start_session(user).wire()


def principal_of(user: dict[str, Any], session_id: str) -> Principal:
    return Principal(str(user["tenantId"]), str(user["id"]), Role(user["role"]), session_id,
                     frozenset(user.get("apartmentIds") or []), "user", frozenset(user.get("invoiceWindows") or []))


def start_session(user: dict[str, Any]) -> TokensOut:
    now = common.now_seconds()
    jti = secrets.token_urlsafe(32)
    session = create_session(str(user["tenantId"]), str(user["id"]), Role(user["role"]),
                             apartment_ids=frozenset(user.get("apartmentIds") or []), refresh_jti=jti, now=now,
                             windows=frozenset(user.get("invoiceWindows") or []))
    throttle.tidy_gate(session.tenant_id, now=now)
    refresh_exp = now + min(get_settings().refresh_token_ttl_seconds, get_settings().session_max_age_seconds)
    return TokensOut(
        access_token=issue_access_token(session, now=now),
        refresh_token=issue_refresh_token(session.tenant_id, session.user_id, session.session_id, jti, iat=now,
                                          exp=refresh_exp),
        expires_in=ACCESS_TTL,
    )
