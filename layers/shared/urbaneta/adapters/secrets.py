"""Secrets Manager through Powertools Parameters: a secret is cached per container for ``SECRET_MAX_AGE``
seconds, so a rotated key takes effect within minutes without a cold start. The application secret holds the
signing keys; per-purpose HMAC keys are derived from its root key."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings

SECRET_MAX_AGE = 300
"""Seconds a container keeps a secret before reading it again (Powertools' cache)."""

_provider: dict[str, Any] = {}


def secret_json(arn: str, *, max_age: int = SECRET_MAX_AGE) -> dict[str, Any]:
    """The secret ``arn`` as JSON, from this container's cache when younger than ``max_age`` seconds."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider = _provider.get("secrets")
    if provider is None:
        provider = _provider["secrets"] = SecretsProvider(boto3_client=client("secretsmanager"))
    value = provider.get(arn, max_age=max_age, transform="json")
    if not isinstance(value, dict):
        raise ValueError("the secret is not a JSON object")
    return value


def app_secret() -> dict[str, Any]:
    return secret_json(get_settings().app_secret_arn)


def derived_key(purpose: str) -> bytes:
    """A per-purpose HMAC key derived from the application secret's root key."""
    root = str(app_secret()["signingKey"]).encode()
    return hmac.new(root, purpose.encode(), hashlib.sha256).digest()


def reset() -> None:
    """Forget every cached secret (tests; a key the container does not know yet)."""
    provider = _provider.pop("secrets", None)
    if provider is not None:
        provider.clear_cache()
