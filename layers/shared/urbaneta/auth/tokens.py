"""Access tokens (JWT) and the session check. Verification names the algorithm and requires every claim."""

from __future__ import annotations

import time
from typing import Any

import jwt

from urbaneta.adapters.secrets import derived_key
from urbaneta.auth.principal import Principal, Role
from urbaneta.clock import new_id
from urbaneta.errors import Unauthorized
from urbaneta.store import keys, table

ISSUER = "urbaneta"
AUDIENCE = "urbaneta-api"
ACCESS_TTL = 900
ALGORITHM = "HS256"
REQUIRED = ["iss", "aud", "sub", "tid", "role", "sid", "typ", "iat", "exp"]


def issue_access_token(principal: Principal, *, now: int | None = None) -> str:
    iat = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.user_id,
        "tid": principal.tenant_id,
        "role": str(principal.role),
        "sid": principal.session_id,
        "typ": "access",
        "iat": iat,
        "exp": iat + ACCESS_TTL,
    }
    return jwt.encode(claims, derived_key("jwt"), algorithm=ALGORITHM)


def verify_access_token(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            derived_key("jwt"),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized("The access token is invalid or expired.") from exc
    if claims.get("typ") != "access":
        raise Unauthorized("The access token is invalid or expired.")
    return claims


def create_session(
    tenant_id: str, user_id: str, role: Role, *, apartment_ids: frozenset[str] = frozenset(), kind: str = "user"
) -> Principal:
    """Write a session item; its id goes into every token of the session."""
    principal = Principal(tenant_id, user_id, role, new_id(), apartment_ids, kind)
    now = int(time.time())
    table.put_new(
        {
            **keys.session(tenant_id, principal.session_id),
            "entity": "session",
            "userId": user_id,
            "role": str(role),
            "kind": kind,
            "apartmentIds": sorted(apartment_ids),
            "revoked": False,
            "createdAt": now,
            "TTL": now + 30 * 86_400,
        }
    )
    return principal


def authenticate(authorization: str | None) -> Principal:
    """Bearer token → Principal. Costs one DynamoDB read (the session item)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("A bearer token is required.")
    claims = verify_access_token(authorization[7:].strip())
    item = table.get(keys.session(claims["tid"], claims["sid"]), consistent=True)
    if not item or item.get("revoked") or item.get("userId") != claims["sub"]:
        raise Unauthorized("The session has ended.")
    return Principal(
        tenant_id=claims["tid"],
        user_id=claims["sub"],
        role=Role(item.get("role", claims["role"])),
        session_id=claims["sid"],
        apartment_ids=frozenset(item.get("apartmentIds", [])),
        kind=str(item.get("kind", "user")),
    )
