"""Access and refresh tokens (JWT, HS256 by ``urbaneta.auth.jws``, keys named by ``kid``) and the per-request check.

Access token claims: ``iss``, ``aud``, ``sub`` (user id, or the API key id), ``tid`` (organisation), ``role``,
``sid`` (session id, or the API key id), ``knd`` (``user`` | ``api_key``), ``apt`` (a resident's apartment
ids), ``win`` (optional: a resident's invoice windows from ownership changes, ``apartment|from|until``),
``typ`` = ``access``, ``iat``, ``exp`` = ``iat + 900``. Refresh tokens carry ``typ`` = ``refresh``, a
``jti``, another audience and are signed with another derived key. Verification names the algorithm, checks
the kid, the signature, issuer, audience and expiry, and requires every claim.

One authenticated request costs one DynamoDB call: a conditional UpdateItem on the organisation's gate that
counts the request against the per-minute quota and refuses a revoked session or API key, on one of the gate's
shards (see ``urbaneta.store.throttle``).
"""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal
from typing import Any

from urbaneta.auth import jws
from urbaneta.auth import keyring as keyring_module
from urbaneta.auth.keyring import Keyring
from urbaneta.auth.principal import Principal, Role
from urbaneta.clock import new_id
from urbaneta.errors import TooManyRequests, Unauthorized
from urbaneta.settings import get_settings
from urbaneta.store import sessions, throttle

ISSUER = "urbaneta"
AUDIENCE = "urbaneta-api"
REFRESH_AUDIENCE = "urbaneta-refresh"
ACCESS_TTL = 900
ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED = ["iss", "aud", "sub", "tid", "role", "sid", "knd", "apt", "typ", "iat", "exp"]
REFRESH_REQUIRED = ["iss", "aud", "sub", "tid", "sid", "jti", "typ", "iat", "exp"]
KINDS = ("user", "api_key")
# a revoked session's entry at the gate outlives every access token issued before the revocation
REVOCATION_HOLD = ACCESS_TTL + 60

_INVALID = "The access token is invalid or expired."


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a high-entropy opaque value: refresh token ids, API keys, magic-link tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- pure encode/verify (the keyring is a parameter) ---------------------------------------------------------


def encode(claims: dict[str, Any], ring: Keyring, purpose: str) -> str:
    kid, key = ring.active_key(purpose)
    return jws.encode(claims, key, kid=kid)


def decode(token: str, ring: Keyring, purpose: str, *, audience: str, required: list[str]) -> dict[str, Any]:
    """Verify a token of one purpose; raises Unauthorized for anything short of a perfect token."""
    try:
        header = jws.header(token)
    except jws.TokenError as exc:
        raise Unauthorized(_INVALID) from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise Unauthorized(_INVALID)
    key = ring.key(kid, purpose)
    if key is None:
        raise Unauthorized(_INVALID)
    try:
        claims = jws.verify(token, key, audience=audience, issuer=ISSUER, required=required, now=time.time())
    except jws.TokenError as exc:
        raise Unauthorized(_INVALID) from exc
    if claims.get("typ") != purpose:
        raise Unauthorized(_INVALID)
    return claims


def access_claims(principal: Principal, iat: int) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.user_id,
        "tid": principal.tenant_id,
        "role": str(principal.role),
        "sid": principal.session_id,
        "knd": principal.kind,
        "apt": sorted(principal.apartment_ids),
        **({"win": sorted(principal.windows)} if principal.windows else {}),
        "typ": ACCESS,
        "iat": iat,
        "ims": _issued_ms(iat),
        "exp": iat + ACCESS_TTL,
    }


def _issued_ms(iat: int) -> int:
    """The issue time in milliseconds (``revoke_user`` tells tokens issued in the same second apart)."""
    now = time.time()
    return int(now * 1000) if abs(now - iat) < 5 else iat * 1000


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
        apartments = claims["apt"]
        windows = claims.get("win", [])
        for listed in (apartments, windows):
            if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
                raise ValueError("apt/win")
        if claims["knd"] not in KINDS or int(claims["exp"]) - int(claims["iat"]) > ACCESS_TTL:
            raise ValueError("knd/lifetime")
        for name in ("sub", "tid", "sid"):
            if not isinstance(claims[name], str) or not claims[name]:
                raise ValueError(name)
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthorized(_INVALID) from exc
    return Principal(tenant_id=claims["tid"], user_id=claims["sub"], role=role, session_id=claims["sid"],
                     apartment_ids=frozenset(apartments), kind=str(claims["knd"]), windows=frozenset(windows))


# --- with the application's keyring ---------------------------------------------------------------------------


def _ring_for(token: str) -> Keyring:
    """The keyring, re-read if the token names a kid this container has not seen (a rotation)."""
    try:
        kid = jws.header(token).get("kid")
    except jws.TokenError:
        return keyring_module.keyring()
    return keyring_module.refresh_if_unknown(str(kid)) if isinstance(kid, str) else keyring_module.keyring()


def issue_access_token(principal: Principal, *, now: int | None = None) -> str:
    iat = int(now if now is not None else time.time())
    return encode(access_claims(principal, iat), keyring_module.keyring(), ACCESS)


def verify_access_token(token: str) -> dict[str, Any]:
    return decode(token, _ring_for(token), ACCESS, audience=AUDIENCE, required=REQUIRED)


def issue_refresh_token(tenant_id: str, user_id: str, session_id: str, jti: str, *, iat: int, exp: int) -> str:
    claims = {"iss": ISSUER, "aud": REFRESH_AUDIENCE, "sub": user_id, "tid": tenant_id, "sid": session_id,
              "jti": jti, "typ": REFRESH, "iat": iat, "exp": exp}
    return encode(claims, keyring_module.keyring(), REFRESH)


def verify_refresh_token(token: str) -> dict[str, Any]:
    claims = decode(token, _ring_for(token), REFRESH, audience=REFRESH_AUDIENCE, required=REFRESH_REQUIRED)
    for name in ("sub", "tid", "sid", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise Unauthorized("The refresh token is invalid or expired.")
    return claims


# --- sessions ---------------------------------------------------------------------------------------------------


def create_session(
    tenant_id: str, user_id: str, role: Role, *, apartment_ids: frozenset[str] = frozenset(), kind: str = "user",
    refresh_jti: str | None = None, now: int | None = None, windows: frozenset[str] = frozenset(),
) -> Principal:
    """Write a session item (one refresh-token family); its id goes into every token of the session."""
    principal = Principal(tenant_id, user_id, role, new_id(), apartment_ids, kind, windows)
    moment = int(now if now is not None else time.time())
    sessions.put_session(
        tenant_id, principal.session_id, user_id=user_id, role=str(role), kind=kind,
        apartment_ids=sorted(apartment_ids), created_at=moment,
        expires_at=moment + get_settings().session_max_age_seconds,
        refresh_hash=token_hash(refresh_jti) if refresh_jti else None,
    )
    return principal


def revoke_session(tenant_id: str, session_id: str, *, reason: str, user_id: str | None = None,
                   now: int | None = None) -> bool:
    """End a session: its refresh tokens at once (session item) and its access tokens at once (gate)."""
    moment = int(now if now is not None else time.time())
    found = sessions.revoke(tenant_id, session_id, reason=reason, now=moment, user_id=user_id)
    if found:
        throttle.mark_revoked(tenant_id, session_id, until=moment + REVOCATION_HOLD)
    return found


def revoke_user(tenant_id: str, user_id: str, *, now: float | None = None) -> None:
    """End every access token of a user (or an API key) issued until now, at once, whatever its session.
    Their refresh tokens are refused by ``refresh`` from the user's status and apartments."""
    moment = Decimal(int((now if now is not None else time.time()) * 1000)) / 1000
    throttle.mark_revoked(tenant_id, throttle.user_key(user_id), until=moment + REVOCATION_HOLD)


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("A bearer token is required.")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.")
    return token.strip()


def authenticate(authorization: str | None) -> Principal:
    """Bearer token → Principal. One DynamoDB call: the organisation gate (quota + revocation)."""
    claims = verify_access_token(bearer(authorization))
    caller = principal_from_claims(claims)
    issued = Decimal(int(claims.get("ims") or int(claims["iat"]) * 1000)) / 1000
    admission = throttle.admit(caller.tenant_id, caller.session_id, limit=get_settings().tenant_requests_per_minute,
                               user_id=caller.user_id, user_mark_before=issued + REVOCATION_HOLD)
    if admission.revoked:
        raise Unauthorized("The session has ended.")
    if not admission.admitted:
        raise TooManyRequests("The organisation's request quota is used up; retry later.",
                              retry_after=admission.retry_after)
    return caller
