"""Provider credentials from Secrets Manager (``PROVIDER_SECRET_ARN``), cached per container.

The secret is JSON::

    {"paysera": {"projectId": "123", "password": "...", "publicKey": "-----BEGIN PUBLIC KEY-----...",
                 "test": false},
     "maksekeskus": {"shopId": "...", "secretKey": "...", "test": false,
                     "sandbox": {"shopId": "...", "secretKey": "..."}}}

Read at most once a minute per container (``RELOAD_AFTER_SECONDS``), so credentials filled in after deployment
are used without redeploying. ``test: false`` means production: a callback marked as a test payment is refused
then. MakeCommerce's live keys (top level) and sandbox keys (``sandbox``) are kept apart; ``test`` chooses.
An empty ``publicKey`` makes the Paysera client fetch Paysera's published key once per container.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from urbaneta.adapters.secrets import reset as secrets_reset
from urbaneta.adapters.secrets import secret_json
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


class MakeCommerceKeys(BaseModel):
    """One MakeCommerce environment's shop: its id and secret key (from that environment's merchant portal)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    shop_id: str = Field(default="", alias="shopId")
    secret_key: str = Field(default="", alias="secretKey")


class MakeCommerceConfig(_ProviderConfig):
    """Live keys at the top level, sandbox keys under ``sandbox``; ``test`` chooses the environment. The keys of
    one environment are never sent to the other's API, nor used to verify its notifications: a sandbox shop's
    notification does not verify in production, nor a live one in the sandbox."""

    NAME: ClassVar[str] = "MakeCommerce"
    CALLBACK: ClassVar[str] = "notification"

    shop_id: str = Field(default="", alias="shopId")
    secret_key: str = Field(default="", alias="secretKey")
    sandbox: MakeCommerceKeys = Field(default_factory=MakeCommerceKeys)

    @property
    def keys(self) -> MakeCommerceKeys:
        """The chosen environment's keys."""
        if self.test:
            return self.sandbox
        return MakeCommerceKeys(shop_id=self.shop_id, secret_key=self.secret_key)

    def configured(self) -> bool:
        return bool(self.keys.shop_id and self.keys.secret_key)


class ProviderSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    paysera: PayseraConfig = Field(default_factory=PayseraConfig)
    maksekeskus: MakeCommerceConfig = Field(default_factory=MakeCommerceConfig)


RELOAD_AFTER_SECONDS = 60
"""Credentials filled in (or rotated) after deployment reach running functions within a minute."""


def load() -> ProviderSettings:
    """The providers' credentials (the secret read again at most once a minute per container)."""
    arn = get_settings().provider_secret_arn
    if not arn:
        return ProviderSettings()
    raw = secret_json(arn, max_age=RELOAD_AFTER_SECONDS)
    cached = _parsed.get(arn)
    if cached is None or cached[0] is not raw:
        cached = _parsed[arn] = (raw, ProviderSettings.model_validate(raw))
    return cached[1]


_parsed: dict[str, tuple[dict[str, Any], ProviderSettings]] = {}


def reset() -> None:
    _parsed.clear()
    secrets_reset()


def callback_base() -> str:
    return get_settings().public_base_url.rstrip("/")
