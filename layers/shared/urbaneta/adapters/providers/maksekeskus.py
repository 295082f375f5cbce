"""MakeCommerce (Maksekeskus): creating a transaction (``POST /v1/transactions``, HTTP Basic with the shop id
and secret key) and verifying its messages (``payment_return`` to the return URL, the same state change to the
notification URL: form fields ``json`` and ``mac``, ``mac`` = uppercase hex SHA-512 of the JSON message followed
by the secret key). What was confirmed from public material and what is assumed: docs/payment-providers.md.

Live (``api.maksekeskus.ee``) and test (``api-test.maksekeskus.ee``) environments have separate shops and keys;
the configuration's ``test`` chooses one, and only that one's keys are used (providers/config.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from urbaneta.adapters.providers.config import MakeCommerceConfig
from urbaneta.domain.money import from_cents
from urbaneta.errors import ServiceUnavailable, Unauthorized, ValidationFailed

API_URL = "https://api.maksekeskus.ee"
TEST_API_URL = "https://api-test.maksekeskus.ee"

Meaning = Literal["paid", "waiting", "not_paid", "refunded"]

# The transaction states of a message (current "normal" messages, and the legacy "redirect" flavour's names).
STATUSES: dict[str, Meaning] = {
    "COMPLETED": "paid",  # the money was received
    "PAID": "paid",  # legacy name of COMPLETED
    "CREATED": "waiting",  # initiated by the merchant (us); the payer has not started
    "PENDING": "waiting",  # the payer is paying, or the payment is in progress at the channel
    "RECEIVED": "waiting",  # legacy name of PENDING
    "APPROVED": "waiting",  # card data verified (some channels), not yet completed
    "CANCELLED": "not_paid",  # the payer cancelled at the bank
    "EXPIRED": "not_paid",  # not completed within the time allowed in PENDING
    "DECLINED": "not_paid",  # the channel refused (legacy flavour, card payments)
    "REFUNDED": "refunded",  # paid, then returned in full
    "PART_REFUNDED": "refunded",  # paid, then returned in part
}

_transport: list[httpx.BaseTransport | None] = [None]


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests replace the HTTP transport."""
    _transport[0] = transport


def meaning(status: str) -> Meaning:
    """What a message's status means for the order; a state not documented is treated as not final."""
    return STATUSES.get(status.strip().upper(), "waiting")


def mac(payload: str, secret_key: str) -> str:
    return hashlib.sha512((payload + secret_key).encode()).hexdigest().upper()


def php_json(payload: str) -> str | None:
    """The message as MakeCommerce's own PHP library re-encodes it before computing the MAC (``json_encode``
    with unescaped Unicode: no spaces, ``/`` written ``\\/``); None when it is not JSON."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


def mac_matches(payload: str, signature: str, secret_key: str) -> bool:
    """The MAC over the message as received, or over its PHP re-encoding (the library's ``verifyMac``)."""
    given = signature.strip().upper()
    candidates = [payload, *(p for p in (php_json(payload),) if p is not None and p != payload)]
    return any(hmac.compare_digest(given, mac(c, secret_key)) for c in candidates)


@dataclass(frozen=True)
class CreatedTransaction:
    transaction_id: str
    redirect_url: str


class MakeCommerceClient:
    def __init__(self, config: MakeCommerceConfig) -> None:
        self.config = config

    def _http(self) -> httpx.Client:
        cfg = self.config.require()
        return httpx.Client(base_url=TEST_API_URL if cfg.test else API_URL,
                            auth=(cfg.keys.shop_id, cfg.keys.secret_key), transport=_transport[0], timeout=10.0)

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
            "app_info": {"module": "urbaneta", "platform": "urbaneta-api"},
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
        if not mac_matches(payload, signature, cfg.keys.secret_key):
            raise Unauthorized("The MakeCommerce signature (mac) does not verify.")
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise ValidationFailed.one("json", "is not JSON") from exc
        if not isinstance(data, dict):
            raise ValidationFailed.one("json", "is not a JSON object")
        return data
