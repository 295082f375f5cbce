"""Authentication: organisations and users, login and its throttles, sessions with rotating refresh tokens,
logout, magic links and API keys.

Interfaces other capabilities use: ``create_user``, ``find_user_by_email``, ``add_apartment_to_user``,
``issue_tokens``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from typing import Any

from urbaneta.adapters.secrets import derived_key
from urbaneta.auth import passwords
from urbaneta.auth.principal import Principal, Role
from urbaneta.auth.tokens import (
    ACCESS_TTL,
    REVOCATION_HOLD,
    create_session,
    issue_access_token,
    issue_refresh_token,
    revoke_session,
    token_hash,
    verify_refresh_token,
)
from urbaneta.clock import new_id, now_iso
from urbaneta.errors import Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed
from urbaneta.models.auth import (
    AccessTokenOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    LoginRequest,
    LogoutRequest,
    MagicLinkAccepted,
    MagicLinkRequest,
    MagicLinkVerifyRequest,
    RefreshRequest,
    RegisterAccepted,
    RegisterOut,
    RegisterRequest,
    RegisterVerifyRequest,
    TokenExchangeRequest,
    TokensOut,
)
from urbaneta.observability import logger
from urbaneta.settings import get_settings
from urbaneta.store import api_keys, magic_links, registrations, sessions, throttle, users
from urbaneta.store.pages import Page, PageRequest

API_KEY_PREFIX = "urb_live_"
MAGIC_LINK_TTL = 900
REGISTRATION_TTL = 86_400
_BAD_LOGIN = "The e-mail address or the password is wrong."
_BAD_REFRESH = "The refresh token is invalid, expired or already used."
_PUBLIC_USER_FIELDS = ("id", "tenantId", "email", "name", "role", "status", "apartmentIds", "createdAt",
                       "updatedAt")


def _now() -> int:
    return int(time.time())


def _subject(value: str) -> str:
    """Throttle subjects are keyed by an HMAC, so e-mails and addresses are not stored in the clear."""
    return hmac.new(derived_key("throttle"), value.encode(), hashlib.sha256).hexdigest()[:40]


def _throttle(purpose: str, value: str, limit: int) -> None:
    window = get_settings().login_failure_window_seconds
    wait = throttle.take(purpose, _subject(value), limit=limit, window_seconds=window)
    if wait:
        raise TooManyRequests("Too many attempts; retry later.", retry_after=wait)


def _give_back(purpose: str, value: str) -> None:
    throttle.give_back(purpose, _subject(value), window_seconds=get_settings().login_failure_window_seconds)


def _check_password(password: str, *, email: str, name: str | None) -> None:
    reason = passwords.weakness(password, email=email, name=name)
    if reason:
        raise ValidationFailed.one("password", reason)


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """A user without its credentials."""
    out = {k: user[k] for k in _PUBLIC_USER_FIELDS if k in user}
    out["apartmentIds"] = sorted(user.get("apartmentIds") or [])
    return out


# --- users (used by residents/invitations too) ------------------------------------------------------------


def create_user(tenant_id: str, *, email: str, name: str, password: str | None, role: str,
                apartment_ids: Iterable[str] = ()) -> dict[str, Any]:
    """Create a user of an organisation. The e-mail is unique across all organisations (Conflict, 409);
    a weak password is ValidationFailed (422). ``password`` None makes an account that signs in by magic
    link only. Returns the user without credentials."""
    Role(role)
    address = users.normalise_email(email)
    password_hash = None
    if password is not None:
        _check_password(password, email=address, name=name)
        password_hash = passwords.hash_password(password)
    user = users.create_user(tenant_id, new_id(), email=address, name=name, role=role, password_hash=password_hash,
                             apartment_ids=sorted(set(apartment_ids)), now=now_iso())
    return public_user(user)


def find_user_by_email(email: str) -> dict[str, Any] | None:
    user = users.find_by_email(email)
    return public_user(user) if user else None


def add_apartment_to_user(tenant_id: str, user_id: str, apartment_id: str) -> dict[str, Any]:
    """Give a user (a resident) one more apartment. Tokens issued from now on carry it: a new login, and the
    next refresh of every live session (refresh reads the user), i.e. within 15 minutes."""
    return public_user(users.add_apartment(tenant_id, user_id, apartment_id, now=now_iso()))


def issue_tokens(user: dict[str, Any]) -> dict[str, Any]:
    """Start a session for a user: ``{accessToken, refreshToken, expiresIn, tokenType}``."""
    return _start_session(user).wire()


def _principal_of(user: dict[str, Any], session_id: str) -> Principal:
    return Principal(str(user["tenantId"]), str(user["id"]), Role(user["role"]), session_id,
                     frozenset(user.get("apartmentIds") or []), "user")


def _start_session(user: dict[str, Any]) -> TokensOut:
    now = _now()
    jti = secrets.token_urlsafe(32)
    session = create_session(str(user["tenantId"]), str(user["id"]), Role(user["role"]),
                             apartment_ids=frozenset(user.get("apartmentIds") or []), refresh_jti=jti, now=now)
    throttle.tidy_gate(session.tenant_id, now=now)
    refresh_exp = now + min(get_settings().refresh_token_ttl_seconds, get_settings().session_max_age_seconds)
    return TokensOut(
        access_token=issue_access_token(session, now=now),
        refresh_token=issue_refresh_token(session.tenant_id, session.user_id, session.session_id, jti, iat=now,
                                          exp=refresh_exp),
        expires_in=ACCESS_TTL,
    )


# --- register, login, refresh, logout -----------------------------------------------------------------------


def register(body: RegisterRequest, *, source_ip: str) -> RegisterAccepted:
    """The same answer for a new and a known e-mail, after the same work; the e-mail finishes it. A new
    address gets a link that creates the organisation (``verify_registration``, with the password again, so
    that a stranger who registered someone else's address cannot hand them an account whose password the
    stranger knows); a known one gets a note that it already has an account. Throttled per address and per
    (e-mail, address)."""
    settings = get_settings()
    email = users.normalise_email(str(body.email))
    _throttle("register-address", source_ip, settings.login_max_failures_per_address)
    _check_password(body.password, email=email, name=body.name)
    password_hash = passwords.hash_password(body.password)
    _throttle("register-email-address", f"{email}|{source_ip}", settings.magic_links_per_email)
    if users.find_by_email(email) is not None:
        _send_registration(email, None)
        return RegisterAccepted()
    token = secrets.token_urlsafe(32)
    registrations.create(token_hash(token), organisation_name=body.organization_name, email=email, name=body.name,
                         password_hash=password_hash, expires_at=_now() + REGISTRATION_TTL)
    _send_registration(email, token)
    return RegisterAccepted()


def _send_registration(email: str, token: str | None) -> None:
    from urllib.parse import quote

    from urbaneta.adapters.mail import send_email

    base = get_settings().public_base_url.rstrip("/")
    if token:
        text = ("Hello,\n\nsomeone (hopefully you) registered an organisation on Urbaneta with this e-mail "
                f"address.\n\nFinish the registration (valid for 24 hours, usable once):\n"
                f"{base}/auth/register/verify?token={quote(token)}\n\nRegistration code for apps: {token}\n\n"
                "If you did not register, ignore this e-mail; nothing is created without it.\n")
    else:
        text = ("Hello,\n\nsomeone (hopefully you) tried to register on Urbaneta with this e-mail address, "
                "which already has an account.\n\nSign in, or ask for a sign-in link, at "
                f"{base}/auth/login\n\nIf it was not you, ignore this e-mail; nothing has changed.\n")
    try:
        send_email([email], "Your Urbaneta registration", text)
    except Exception:  # the answer must not differ for known addresses; the failure is logged
        logger.exception("registration e-mail could not be sent")


def verify_registration(body: RegisterVerifyRequest, *, source_ip: str) -> RegisterOut:
    """The e-mailed token creates the organisation and its owner, and signs the owner in."""
    _throttle("register-verify-address", source_ip, get_settings().login_max_failures_per_address)
    pending = registrations.spend(token_hash(body.token), now=_now())
    if not pending or not passwords.verify_password(str(pending["passwordHash"]), body.password):
        raise Unauthorized("The registration link is invalid, used or expired, or the password is not the "
                           "one given when registering.")
    _give_back("register-verify-address", source_ip)
    tenant_id, user_id, now = new_id(), new_id(), now_iso()
    email, organisation = str(pending["email"]), str(pending["organisationName"])
    user = users.create_tenant_with_owner(tenant_id, organisation, user_id, email=email, name=str(pending["name"]),
                                          password_hash=str(pending["passwordHash"]), now=now)
    from urbaneta.adapters.events import domain_event, publish

    publish([domain_event("organization.created", tenant_id, {"tenantId": tenant_id, "name": organisation,
                                                              "ownerId": user_id})])
    _signed_in_from(email, source_ip)
    tokens = _start_session(user)
    return RegisterOut(tenant_id=tenant_id, user_id=user_id, **tokens.model_dump())


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
    _throttle("login-address", source_ip, settings.login_max_failures_per_address)
    _throttle("login-account-address", pair, settings.login_max_failures_per_account)
    known = throttle.remembered("known-source", _subject(pair))
    if not known:
        wait = throttle.delay_after("login-account", _subject(email), free=settings.login_account_free_failures,
                                    max_delay=settings.login_account_max_delay_seconds, window_seconds=window)
        if wait:
            raise TooManyRequests("Too many attempts; retry later.", retry_after=wait)
    user = users.find_by_email(email)
    stored = user.get("passwordHash") if user else None
    if not passwords.verify_password(stored, body.password) or not user or user.get("status") != "active":
        throttle.record_failure("login-account", _subject(email), window_seconds=window)
        raise Unauthorized(_BAD_LOGIN)
    _signed_in_from(email, source_ip)
    throttle.clear("login-account-address", _subject(pair), window_seconds=window)
    _give_back("login-address", source_ip)
    if stored and passwords.needs_rehash(stored):
        users.set_password_hash(user["tenantId"], user["id"], passwords.hash_password(body.password), now=now_iso())
    return _start_session(user)


def _signed_in_from(email: str, source_ip: str) -> None:
    """Remember that this address signed in to this account: the account-wide delay and the magic-link cap
    never apply to it (a stranger's failures cannot lock the owner out of a place they use)."""
    throttle.remember("known-source", _subject(f"{email}|{source_ip}"),
                      seconds=get_settings().known_source_days * 86400)


def refresh(body: RefreshRequest) -> TokensOut:
    """Rotate: the presented refresh token is spent and a new pair issued. A token that is not the session's
    current one (spent before, or its session ended) revokes the whole session."""
    claims = verify_refresh_token(body.refresh_token)
    tenant_id, session_id, user_id = claims["tid"], claims["sid"], claims["sub"]
    now = _now()
    next_jti = secrets.token_urlsafe(32)
    session = sessions.rotate(tenant_id, session_id, user_id=user_id, presented_hash=token_hash(claims["jti"]),
                              next_hash=token_hash(next_jti), now=now)
    if session is None:
        if revoke_session(tenant_id, session_id, reason="refresh_token_reuse", user_id=user_id, now=now):
            logger.warning("refresh token presented again: session revoked",
                           extra={"tenantId": tenant_id, "sessionId": session_id})
        raise Unauthorized(_BAD_REFRESH)
    user = users.get_user(tenant_id, user_id)
    if not user or user.get("status") != "active":
        revoke_session(tenant_id, session_id, reason="user_inactive", now=now)
        raise Unauthorized(_BAD_REFRESH)
    principal = _principal_of(user, session_id)
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
    now = _now()
    revoke_session(caller.tenant_id, caller.session_id, reason="logout", user_id=caller.user_id, now=now)
    if other and other != caller.session_id:
        revoke_session(caller.tenant_id, other, reason="logout", user_id=caller.user_id, now=now)


# --- magic links --------------------------------------------------------------------------------------------


def request_magic_link(body: MagicLinkRequest, *, source_ip: str) -> MagicLinkAccepted:
    """Always the same answer; only a known, active account gets an e-mail. Throttled per address and per
    (e-mail, address), counted for unknown e-mails too, so the throttle tells nothing either. Per e-mail,
    at most ``magic_links_per_email`` e-mails leave per window whoever asks (no mail-bombing); beyond that
    the answer is still 202, so a stranger's requests never refuse the owner: the links already sent stay
    valid, and an address that signed in to the account before still gets a new one."""
    settings = get_settings()
    email = users.normalise_email(str(body.email))
    _throttle("magic-address", source_ip, settings.login_max_failures_per_address)
    _throttle("magic-email-address", f"{email}|{source_ip}", settings.magic_links_per_email)
    user = users.find_by_email(email)
    if not user or user.get("status") != "active":
        return MagicLinkAccepted()
    known = throttle.remembered("known-source", _subject(f"{email}|{source_ip}"))
    wait = throttle.take("magic-email", _subject(email), limit=settings.magic_links_per_email,
                         window_seconds=settings.login_failure_window_seconds)
    if wait and not known:
        logger.info("magic link not sent: the e-mail's cap for this window is reached")
        return MagicLinkAccepted()
    token = secrets.token_urlsafe(32)
    magic_links.create(token_hash(token), tenant_id=user["tenantId"], user_id=user["id"],
                       expires_at=_now() + MAGIC_LINK_TTL)
    _send_magic_link(email, token)
    return MagicLinkAccepted()


def _send_magic_link(email: str, token: str) -> None:
    from urllib.parse import quote

    from urbaneta.adapters.mail import send_email

    link = f"{get_settings().public_base_url.rstrip('/')}/auth/magic-link/verify?token={quote(token)}"
    text = (
        "Hello,\n\nsomeone (hopefully you) asked to sign in to Urbaneta with this e-mail address.\n\n"
        f"Sign-in link (valid for 15 minutes, usable once):\n{link}\n\n"
        f"Sign-in code for apps: {token}\n\n"
        "If you did not ask for this, ignore this e-mail; nobody can sign in without it.\n"
    )
    try:
        send_email([email], "Your Urbaneta sign-in link", text)
    except Exception:  # the answer must not differ for known addresses; the failure is logged
        logger.exception("magic link e-mail could not be sent")


def verify_magic_link(body: MagicLinkVerifyRequest, *, source_ip: str) -> TokensOut:
    _throttle("magic-verify-address", source_ip, get_settings().login_max_failures_per_address)
    link = magic_links.spend(token_hash(body.token), now=_now())
    if not link:
        raise Unauthorized("The sign-in link is invalid, used or expired.")
    user = users.get_user(str(link["tenantId"]), str(link["userId"]))
    if not user or user.get("status") != "active":
        raise Unauthorized("The sign-in link is invalid, used or expired.")
    _give_back("magic-verify-address", source_ip)
    _signed_in_from(users.normalise_email(str(user["email"])), source_ip)
    return _start_session(user)


# --- API keys -----------------------------------------------------------------------------------------------


def _key_out(item: dict[str, Any]) -> ApiKeyOut:
    return ApiKeyOut(id=item["id"], name=item["name"], role=item["role"], prefix=item["prefix"],
                     created_at=item["createdAt"], created_by=item["createdBy"],
                     last_used_at=item.get("lastUsedAt"))


def _user_only(caller: Principal) -> None:
    if caller.kind != "user":
        raise Forbidden("API keys are managed by signed-in owners, not by API keys.")


def create_api_key(caller: Principal, body: ApiKeyCreate) -> ApiKeyCreated:
    _user_only(caller)
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    item = api_keys.create(caller.tenant_id, new_id(), name=body.name, role=body.role, key_hash=token_hash(key),
                           prefix=key[: len(API_KEY_PREFIX) + 4], created_by=caller.user_id, now=now_iso())
    from urbaneta.adapters.events import domain_event, publish

    publish([domain_event("api_key.created", caller.tenant_id,
                          {"id": item["id"], "name": item["name"], "role": item["role"], "createdBy": caller.user_id})])
    return ApiKeyCreated(**_key_out(item).model_dump(), key=key)


def list_api_keys(caller: Principal, *, limit: str | int | None, cursor: str | None) -> Page[ApiKeyOut]:
    _user_only(caller)
    req = PageRequest.parse(caller.tenant_id, "api-keys", limit=limit, cursor=cursor)
    items, last = api_keys.list_page(caller.tenant_id, limit=req.limit, start_key=req.start)
    return req.page([_key_out(i) for i in items], last)


def revoke_api_key(caller: Principal, key_id: str) -> None:
    """Revoke a key: it cannot be exchanged any more, and its access tokens are refused at once."""
    _user_only(caller)
    if len(key_id) > 64:
        raise NotFound("No such API key.")
    api_keys.revoke(caller.tenant_id, key_id, now=now_iso())
    throttle.mark_revoked(caller.tenant_id, key_id, until=_now() + REVOCATION_HOLD)
    from urbaneta.adapters.events import domain_event, publish

    publish([domain_event("api_key.revoked", caller.tenant_id, {"id": key_id, "revokedBy": caller.user_id})])


def exchange_api_key(body: TokenExchangeRequest, *, source_ip: str) -> AccessTokenOut:
    """An API key → a 15-minute access token of the key's organisation and role (no refresh token: exchange
    the key again). Failed exchanges are throttled per client address."""
    _throttle("token-address", source_ip, get_settings().login_max_failures_per_address)
    pointer = api_keys.find_by_hash(token_hash(body.api_key)) if body.api_key.startswith(API_KEY_PREFIX) else None
    if not pointer:
        raise Unauthorized("The API key is invalid or revoked.")
    _give_back("token-address", source_ip)
    tenant_id, key_id = str(pointer["tenantId"]), str(pointer["keyId"])
    now = _now()
    principal = Principal(tenant_id, key_id, Role(pointer["role"]), key_id, frozenset(), "api_key")
    api_keys.touch(tenant_id, key_id, now=now_iso())
    throttle.tidy_gate(tenant_id, now=now)
    return AccessTokenOut(access_token=issue_access_token(principal, now=now), expires_in=ACCESS_TTL)
