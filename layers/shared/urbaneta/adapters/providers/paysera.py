"""Paysera checkout, specification 1.6: the signed redirect (``data`` + ``sign``) and callback verification
(``ss2`` RSA-SHA1 with Paysera's public key, preferred; ``ss1`` md5 with the project password otherwise)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

import httpx

from urbaneta.adapters.providers.config import PayseraConfig
from urbaneta.errors import ServiceUnavailable, Unauthorized, ValidationFailed

PAY_URL = "https://www.paysera.com/pay/"
SANDBOX_URL = "https://sandbox.paysera.com/pay/"
PUBLIC_KEY_URL = "https://www.paysera.com/download/public.key"
VERSION = "1.6"

_transport: list[httpx.BaseTransport | None] = [None]


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests replace the HTTP transport (Paysera's public key download)."""
    _transport[0] = transport
    _fetched_key.cache_clear()


def encode_data(params: dict[str, str]) -> str:
    """base64 of the url-encoded parameters with ``+``→``-`` and ``/``→``_`` (padding kept)."""
    return base64.b64encode(urlencode(params).encode()).decode().replace("+", "-").replace("/", "_")


def decode_data(data: str) -> dict[str, str]:
    try:
        raw = base64.b64decode(data.replace("-", "+").replace("_", "/"), validate=True)
        return dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=False))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.one("data", "is not Paysera callback data") from exc


def md5_sign(data: str, password: str) -> str:
    return hashlib.md5((data + password).encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=1)
def _fetched_key() -> bytes:
    with httpx.Client(transport=_transport[0], timeout=5.0) as http:
        response = http.get(PUBLIC_KEY_URL)
    if response.status_code != 200:
        raise ServiceUnavailable("Paysera's public key could not be fetched.")
    return response.content


@dataclass(frozen=True)
class PayseraCallback:
    fields: dict[str, str]
    verified_by: str  # "ss2" or "ss1"


class PayseraClient:
    def __init__(self, config: PayseraConfig) -> None:
        self.config = config

    def checkout_url(self, *, order_id: str, amount_cents: int, currency: str, accept_url: str, cancel_url: str,
                     callback_url: str, paytext: str | None = None, locale: str | None = None,
                     email: str | None = None) -> str:
        cfg = self.config.require()
        params = {
            "projectid": cfg.project_id, "orderid": order_id, "accepturl": accept_url, "cancelurl": cancel_url,
            "callbackurl": callback_url, "version": VERSION, "amount": str(amount_cents), "currency": currency,
            "test": "1" if cfg.test else "0",
        }
        if paytext:
            params["paytext"] = paytext
        if locale:
            params["lang"] = {"et": "EST", "en": "ENG", "ru": "RUS", "lt": "LIT", "lv": "LAV"}[locale]
        if email:
            params["p_email"] = email
        data = encode_data(params)
        base = SANDBOX_URL if cfg.test else PAY_URL
        return f"{base}?{urlencode({'data': data, 'sign': md5_sign(data, cfg.password)})}"

    def _public_key(self) -> bytes:
        return self.config.public_key.encode() if self.config.public_key.strip() else _fetched_key()

    def verify_callback(self, data: str, ss1: str | None, ss2: str | None) -> PayseraCallback:
        """Verify ``ss2`` with Paysera's public key when present (a wrong one is refused, never downgraded);
        without ``ss2`` fall back to ``ss1``."""
        cfg = self.config.require_for_callback()
        if not data:
            raise ValidationFailed.one("data", "is required")
        if ss2:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding, rsa

            key = serialization.load_pem_public_key(self._public_key())
            if not isinstance(key, rsa.RSAPublicKey):
                raise ServiceUnavailable("Paysera's public key is not an RSA key.")
            try:
                signature = base64.b64decode(ss2.replace("-", "+").replace("_", "/") + "=" * (-len(ss2) % 4))
                key.verify(signature, data.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - Paysera's spec
            except (InvalidSignature, ValueError) as exc:
                raise Unauthorized("The Paysera signature (ss2) does not verify.") from exc
            return PayseraCallback(decode_data(data), "ss2")
        if ss1 and hmac.compare_digest(ss1.lower(), md5_sign(data, cfg.password)):
            return PayseraCallback(decode_data(data), "ss1")
        raise Unauthorized("The Paysera signature (ss1) does not verify.")
