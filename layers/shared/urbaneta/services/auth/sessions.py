"""Organisations and sessions: register, login (throttled), refresh with rotating tokens, logout."""

from __future__ import annotations

import secrets

from urbaneta.auth import passwords
from urbaneta.auth.principal import Principal
from urbaneta.auth.tokens import (
    ACCESS_TTL,
    issue_access_token,
    issue_refresh_token,
    revoke_session,
    token_hash,
    verify_refresh_token,
)
from urbaneta.clock import now_iso
from urbaneta.errors import Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from urbaneta.models.auth import LoginRequest, LogoutRequest, RefreshRequest, TokensOut
from urbaneta.observability import logger
from urbaneta.services.auth import common
from urbaneta.services.auth.common import (
    BAD_LOGIN,
    BAD_REFRESH,
    give_back,
    limit_attempts,
    signed_in_from,
    subject_of,
)
from urbaneta.services.auth.users import principal_of, start_session
from urbaneta.settings import get_settings
from urbaneta.store import sessions, throttle, users


def login(body: LoginRequest, *, source_ip: str) -> TokensOut:
    """Throttled *before* the password is checked, so that guessing stops without handing anyone a lock-out
    (docs/security.md): per client address; per (account, address), a hard limit that blocks that address
    only; per account (any address), a progressive delay once many failures were seen, which never applies
    to an address that has signed in to the account before. An unknown e-mail and a wrong password give the
    same 401 after the same work."""
    settings = get_settings()
    window = settings.login_failure_window_seconds
    email = users.normalise_email(body.email)
    pair = f"{email}|{source_ip}"
    limit_attempts("login-address", source_ip, settings.login_max_failures_per_address)
    limit_attempts("login-account-address", pair, settings.login_max_failures_per_account)
    if not throttle.remembered("known-source", subject_of(pair)):
        wait = throttle.delay_after("login-account", subject_of(email), free=settings.login_account_free_failures,
                                    max_delay=settings.login_account_max_delay_seconds, window_seconds=window)
        if wait:
            raise TooManyRequests("Too many attempts; retry later.", retry_after=wait)
    user = users.find_by_email(email)
    stored = user.get("passwordHash") if user else None
    if not passwords.verify_password(stored, body.password) or not user or user.get("status") != "active":
        throttle.record_failure("login-account", subject_of(email), window_seconds=window)
        raise Unauthorized(BAD_LOGIN)
    signed_in_from(email, source_ip)
    throttle.clear("login-account-address", subject_of(pair), window_seconds=window)
    give_back("login-address", source_ip)
    if stored and passwords.needs_rehash(stored):
        users.set_password_hash(user["tenantId"], user["id"], passwords.hash_password(body.password), now=now_iso())
    return start_session(user)


def refresh(body: RefreshRequest) -> TokensOut:
    """Rotate: the presented refresh token is spent and a new pair issued. A token that is not the session's
    current one (spent before, or its session ended) revokes the whole session."""
    claims = verify_refresh_token(body.refresh_token)
    tenant_id, session_id, user_id = claims["tid"], claims["sid"], claims["sub"]
    now = common.now_seconds()
    next_jti = secrets.token_urlsafe(32)
    session = sessions.rotate(tenant_id, session_id, user_id=user_id, presented_hash=token_hash(claims["jti"]),
                              next_hash=token_hash(next_jti), now=now)
    if session is None:
        if revoke_session(tenant_id, session_id, reason="refresh_token_reuse", user_id=user_id, now=now):
            logger.warning("refresh token presented again: session revoked",
                           extra={"tenantId": tenant_id, "sessionId": session_id})
        raise Unauthorized(BAD_REFRESH)
    user = users.get_user(tenant_id, user_id)
    if not user or user.get("status") != "active" or session.get("role", user.get("role")) != user.get("role"):
        # a disabled or removed user, or a member whose role changed: the session ends (sign in again)
        revoke_session(tenant_id, session_id, reason="user_inactive", now=now)
        raise Unauthorized(BAD_REFRESH)
    principal = principal_of(user, session_id)
    throttle.tidy_gate(tenant_id, now=now)
    refresh_exp = min(now + get_settings().refresh_token_ttl_seconds, int(session["expiresAt"]))
    return TokensOut(
        access_token=issue_access_token(principal, now=now),
        refresh_token=issue_refresh_token(tenant_id, user_id, session_id, next_jti, iat=now, exp=refresh_exp),
        expires_in=ACCESS_TTL,
    )


def logout(caller: Principal, body: LogoutRequest | None) -> None:
    """End the caller's session (its access and refresh tokens at once) and, if a refresh token of another
    of the caller's sessions is given, that session too."""
    if caller.kind != "user":
        raise Forbidden("An API key's token cannot log out; revoke the key instead.")
    other: str | None = None
    if body is not None and body.refresh_token:
        try:
            claims = verify_refresh_token(body.refresh_token)
        except Unauthorized as exc:
            raise ValidationFailed.one("refreshToken", "is not a valid refresh token of this account") from exc
        if claims["tid"] != caller.tenant_id or claims["sub"] != caller.user_id:
            raise ValidationFailed.one("refreshToken", "is not a valid refresh token of this account")
        other = claims["sid"]
    now = common.now_seconds()
    revoke_session(caller.tenant_id, caller.session_id, reason="logout", user_id=caller.user_id, now=now)
    if other and other != caller.session_id:
        revoke_session(caller.tenant_id, other, reason="logout", user_id=caller.user_id, now=now)
