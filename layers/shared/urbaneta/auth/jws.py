"""Compact JWS with HS256 only (RFC 7515, 7519), on the standard library: what the product's tokens need, without
importing a crypto library at cold start. The rules of RFC 8725 (JWT best current practices):

- the algorithm is fixed by the verifier (HS256), never taken from the token: ``none``, ``RS256`` or anything else
  in the header is refused before a key is touched;
- the signature is compared in constant time (``hmac.compare_digest``) over the token's own header and payload;
- issuer, audience and expiry are always checked, every required claim must be present, ``iat`` and ``nbf``
  may not lie in the future;
- malformed input of any kind (segments, base64url, JSON, types) is a ``TokenError``, never another exception.

``tests/unit/test_auth_tokens.py`` checks this module against PyJWT both ways.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 8192


class TokenError(ValueError):
    """Anything short of a perfect token."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(segment: str) -> bytes:
    if not segment or any(c not in _ALPHABET for c in segment):
        raise TokenError("not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("not base64url") from exc


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64(segment))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TokenError("not JSON") from exc
    if not isinstance(value, dict):
        raise TokenError("not a JSON object")
    return value


def _sign(signing_input: bytes, key: bytes) -> bytes:
    return hmac.new(key, signing_input, hashlib.sha256).digest()


def encode(claims: dict[str, Any], key: bytes, *, kid: str) -> str:
    header = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    return f"{head}.{body}.{_b64(_sign(signing_input, key))}"


def header(token: str) -> dict[str, Any]:
    """The token's header, unverified (to choose the key by ``kid``); TokenError when it is not a JWS."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenError("not a compact JWS")
    return _json_object(token.split(".", 1)[0])


def verify(token: str, key: bytes, *, audience: str, issuer: str, required: list[str], now: float,
           leeway: int = 0) -> dict[str, Any]:
    """The claims of a token signed with ``key`` (HS256), for ``audience`` from ``issuer``, unexpired, with every
    ``required`` claim; else TokenError."""
    head = header(token)
    if head.get("alg") != ALGORITHM:
        raise TokenError("algorithm")
    head_b64, body_b64, sig_b64 = token.split(".")
    expected = _sign(f"{head_b64}.{body_b64}".encode("ascii"), key)
    if not hmac.compare_digest(expected, _unb64(sig_b64)):
        raise TokenError("signature")
    claims = _json_object(body_b64)
    missing = [name for name in required if name not in claims]
    if missing:
        raise TokenError(f"missing claims {missing}")
    if claims.get("iss") != issuer:
        raise TokenError("issuer")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise TokenError("audience")
    _check_times(claims, now, leeway)
    return claims


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"{name} is not a number")
    return float(value)


def _check_times(claims: dict[str, Any], now: float, leeway: int) -> None:
    if "exp" in claims and _number(claims["exp"], "exp") <= now - leeway:
        raise TokenError("expired")
    for name in ("iat", "nbf"):
        if name in claims and _number(claims[name], name) > now + leeway:
            raise TokenError(f"{name} in the future")
