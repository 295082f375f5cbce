"""Provider credentials from Secrets Manager (``PROVIDER_SECRET_ARN``), cached per container.

The secret is JSON::

    {"paysera": {"projectId": "123", "password": "...", "publicKey": "-----BEGIN PUBLIC KEY-----...",
                 "test": false},
     "maksekeskus": {"shopId": "...", "secretKey": "...", "test": false}}

Read at most once a minute per container (``RELOAD_AFTER_SECONDS``), so credentials filled in after deployment
are used without redeploying. ``test: false`` means production: a callback marked as a test payment is refused
then. An empty ``publicKey`` makes the Paysera client fetch Paysera's published key once per container.
"""

from __future__ import annotations

import json
import time
from abc import abstractmethod
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from urbaneta.adapters.aws import client
from urbaneta.errors import Conflict, Unauthorized
from urbaneta.settings import get_settings


class _ProviderConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    NAME: ClassVar[str]
    CALLBACK: ClassVar[str]  # what the provider calls its payment notice

    test: bool = False

    @abstractmethod
    def configured(self) -> bool:
        """Whether the credentials a payment needs are all there."""

    def require(self) -> Self:
        if not self.configured():
            raise Conflict(f"{self.NAME} is not configured for this installation.")
        return self

    def require_for_callback(self) -> Self:
        """Nothing verifies against a provider that is not configured: such a callback is unauthenticated."""
        if not self.configured():
            raise Unauthorized(f"{self.NAME} is not configured here; the {self.CALLBACK} cannot be verified.")
        return self


class PayseraConfig(_ProviderConfig):
    NAME: ClassVar[str] = "Paysera"
    CALLBACK: ClassVar[str] = "callback"

    project_id: str = Field(default="", alias="projectId")
    password: str = ""
    public_key: str = Field(default="", alias="publicKey")

    def configured(self) -> bool:
        return bool(self.project_id and self.password)


class MakeCommerceConfig(_ProviderConfig):
    NAME: ClassVar[str] = "MakeCommerce"
    CALLBACK: ClassVar[str] = "notification"

    shop_id: str = Field(default="", alias="shopId")
    secret_key: str = Field(default="", alias="secretKey")

    def configured(self) -> bool:
        return bool(self.shop_id and self.secret_key)


class ProviderSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    paysera: PayseraConfig = Field(default_factory=PayseraConfig)
    maksekeskus: MakeCommerceConfig = Field(default_factory=MakeCommerceConfig)


RELOAD_AFTER_SECONDS = 60.0
"""Credentials filled in (or rotated) after deployment reach running functions within a minute."""

_cached: tuple[float, ProviderSettings] | None = None


def load() -> ProviderSettings:
    """The credentials, read at most once a minute per container."""
    global _cached
    if _cached is not None and time.monotonic() - _cached[0] < RELOAD_AFTER_SECONDS:
        return _cached[1]
    arn = get_settings().provider_secret_arn
    settings = ProviderSettings()
    if arn:
        raw: dict[str, Any] = json.loads(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
        settings = ProviderSettings.model_validate(raw)
    _cached = (time.monotonic(), settings)
    return settings


def reset() -> None:
    global _cached
    _cached = None


def callback_base() -> str:
    return get_settings().public_base_url.rstrip("/")
