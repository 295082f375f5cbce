"""JWT signing keys named by ``kid``, read from the application secret, so keys can rotate.

The secret (JSON in Secrets Manager) may hold, besides the root ``signingKey`` used for other derived keys:

- the template's initial form ``{"kid": "k1", "signingKey": "..."}`` — one JWT key, named ``k1``;
- the rotation form ``{"keys": {"k1": "...", "k2": "..."}, "activeKid": "k2", ...}`` — new tokens are signed
  with ``activeKid``; tokens signed with any listed kid still verify. Rotate by adding a kid and making it
  active; remove the old kid once its tokens have expired (the refresh-token lifetime).

Each token type gets its own key derived from the kid's material (HMAC-SHA256 over a purpose label), so an
access token can never verify as a refresh token or the other way round, even before the ``typ`` check.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_RELOAD_AFTER_SECONDS = 60


@dataclass(frozen=True)
class Keyring:
    active_kid: str
    material: Mapping[str, bytes]

    def key(self, kid: str, purpose: str) -> bytes | None:
        root = self.material.get(kid)
        if root is None:
            return None
        return hmac.new(root, f"urbaneta/jwt/{purpose}".encode(), hashlib.sha256).digest()

    def active_key(self, purpose: str) -> tuple[str, bytes]:
        key = self.key(self.active_kid, purpose)
        if key is None:  # parse() guarantees the active kid exists
            raise RuntimeError("the active signing key is missing")
        return self.active_kid, key


def parse(secret: Mapping[str, Any]) -> Keyring:
    """The keyring described by a secret value (either form above). Raises ValueError when unusable."""
    raw_keys = secret.get("keys")
    if isinstance(raw_keys, Mapping) and raw_keys:
        material = {str(k): str(v).encode() for k, v in raw_keys.items() if v}
        active = str(secret.get("activeKid") or "")
    else:
        kid, root = str(secret.get("kid") or "k1"), secret.get("signingKey")
        material = {kid: str(root).encode()} if root else {}
        active = kid
    if active not in material:
        raise ValueError("the application secret names no usable active signing key")
    if any(len(v) < 32 for v in material.values()):
        raise ValueError("signing keys must be at least 32 characters")
    return Keyring(active, material)


_cache: dict[str, Any] = {}


def keyring() -> Keyring:
    """The keyring of this container, parsed again whenever the cached secret was read again."""
    from urbaneta.adapters.secrets import app_secret

    secret = app_secret()  # Powertools' cache: the same object until it is read again (max age)
    ring = _cache.get("ring")
    if ring is None or _cache.get("source") is not secret:
        ring = parse(secret)
        _cache.update(ring=ring, source=secret, loaded=time.monotonic())
    return ring  # type: ignore[no-any-return]


def refresh_if_unknown(kid: str) -> Keyring:
    """A token names a kid this container does not know: the secret may have rotated since it was cached.
    Re-read it, at most once a minute (so garbage kids cannot hammer Secrets Manager)."""
    from urbaneta.adapters import secrets

    ring = keyring()
    if kid in ring.material or time.monotonic() - float(_cache.get("loaded", 0.0)) < _RELOAD_AFTER_SECONDS:
        return ring
    secrets.reset()
    _cache.clear()
    return keyring()


def reset() -> None:
    _cache.clear()
