"""The application secret (JSON in Secrets Manager): signing keys and derived HMAC keys, cached per container."""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings


@lru_cache(maxsize=1)
def app_secret() -> dict[str, Any]:
    arn = get_settings().app_secret_arn
    raw = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    value: dict[str, Any] = json.loads(raw)
    return value


def derived_key(purpose: str) -> bytes:
    """A per-purpose HMAC key derived from the application secret's root key."""
    root = str(app_secret()["signingKey"]).encode()
    return hmac.new(root, purpose.encode(), hashlib.sha256).digest()


def reset() -> None:
    app_secret.cache_clear()
