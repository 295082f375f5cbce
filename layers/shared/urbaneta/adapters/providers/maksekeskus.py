"""MakeCommerce (Maksekeskus): creating a transaction (``POST /v1/transactions``, HTTP Basic with shop id
and secret key) and verifying notifications (``mac`` = uppercase hex SHA-512 of ``json`` + secret key)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

from urbaneta.adapters.providers.config import MakeCommerceConfig
from urbaneta.domain.money import from_cents
from urbaneta.errors import ServiceUnavailable, Unauthorized, ValidationFailed

API_URL = "https://api.maksekeskus.ee"
TEST_API_URL = "https://api-test.maksekeskus.ee"

_transport: list[httpx.BaseTransport | None] = [None]


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests replace the HTTP transport."""
    _transport[0] = transport


def mac(payload: str, secret_key: str) -> str:
    return hashlib.sha512((payload + secret_key).encode()).hexdigest().upper()


@dataclass(frozen=True)
class CreatedTransaction:
    transaction_id: str
    redirect_url: str


class MakeCommerceClient:
    def __init__(self, config: MakeCommerceConfig) -> None:
        self.config = config

    def _http(self) -> httpx.Client:
        cfg = self.config.require()
        return httpx.Client(base_url=TEST_API_URL if cfg.test else API_URL, auth=(cfg.shop_id, cfg.secret_key),
                            transport=_transport[0], timeout=10.0)

    def create_transaction(self, *, order_id: str, amount_cents: int, currency: str, return_url: str,
                           cancel_url: str, notification_url: str, client_ip: str | None, locale: str,
                           email: str | None) -> CreatedTransaction:
        body: dict[str, Any] = {
            "transaction": {
                "amount": str(from_cents(amount_cents)), "currency": currency, "reference": order_id,
                "transaction_url": {
                    "return_url": {"url": return_url, "method": "POST"},
                    "cancel_url": {"url": cancel_url, "method": "POST"},
                    "notification_url": {"url": notification_url, "method": "POST"},
                },
            },
            "customer": {"ip": client_ip or "127.0.0.1", "country": "ee", "locale": locale,
                         **({"email": email} if email else {})},
        }
        try:
            with self._http() as http:
                response = http.post("/v1/transactions", json=body)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable("MakeCommerce could not be reached; try again.") from exc
        if response.status_code not in (200, 201):
            raise ServiceUnavailable(f"MakeCommerce refused the transaction ({response.status_code}).")
        answer = response.json()
        methods = answer.get("payment_methods") or {}
        url = next((m.get("url") for m in methods.get("other") or [] if m.get("name") == "redirect"), None)
        url = url or next((m.get("url") for m in methods.get("banklinks") or [] if m.get("url")), None)
        if not answer.get("id") or not url:
            raise ServiceUnavailable("MakeCommerce answered without a transaction or a payment page.")
        return CreatedTransaction(str(answer["id"]), str(url))

    def verify_notification(self, payload: str, signature: str | None) -> dict[str, Any]:
        cfg = self.config.require_for_callback()
        if not payload or not signature:
            raise ValidationFailed.one("mac", "json and mac are required")
        if not hmac.compare_digest(signature.upper(), mac(payload, cfg.secret_key)):
            raise Unauthorized("The MakeCommerce signature (mac) does not verify.")
        try:
            data: dict[str, Any] = json.loads(payload)
        except ValueError as exc:
            raise ValidationFailed.one("json", "is not JSON") from exc
        return data
