"""Paysera checkout, specification 1.6: the signed redirect (``data`` + ``sign``) and callback verification as
the current libwebtopay does it: ``ss3`` (RSA-SHA256 with Paysera's public key) preferred, then ``ss2``
(RSA-SHA1), then ``ss1`` (md5 with the project password); a callback with none of them is an encrypted one
(``data`` = url-safe base64 of a 12-byte IV, the AES-256-GCM ciphertext and its 16-byte tag, keyed by the
project password — docs/data-model.md says what is assumed)."""

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


def _b64(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))


GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16


def gcm_key(password: str) -> bytes:
    """The project password as an AES-256 key, as PHP's openssl does with a short key: NUL-padded to 32 bytes
    (a longer one is cut)."""
    return password.encode()[:32].ljust(32, b"\0")


def decrypt_data(data: str, password: str) -> dict[str, str]:
    """An encrypted callback's fields; Unauthorized when it does not decrypt (wrong key, altered data)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = _b64(data)
    except ValueError as exc:
        raise ValidationFailed.one("data", "is not Paysera callback data") from exc
    if len(raw) <= GCM_IV_BYTES + GCM_TAG_BYTES:
        raise ValidationFailed.one("data", "is not Paysera callback data")
    try:
        plain = AESGCM(gcm_key(password)).decrypt(raw[:GCM_IV_BYTES], raw[GCM_IV_BYTES:], None)
    except InvalidTag as exc:
        raise Unauthorized("The encrypted Paysera callback does not decrypt with the project password.") from exc
    try:
        return dict(parse_qsl(plain.decode(), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise ValidationFailed.one("data", "is not Paysera callback data") from exc


def encrypt_data(params: dict[str, str], password: str, iv: bytes) -> str:
    """The inverse of ``decrypt_data`` (what Paysera sends; tests build callbacks with it)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealed = AESGCM(gcm_key(password)).encrypt(iv, urlencode(params).encode(), None)
    return base64.b64encode(iv + sealed).decode().replace("+", "-").replace("/", "_")


@dataclass(frozen=True)
class PayseraCallback:
    fields: dict[str, str]
    verified_by: str  # "ss3", "ss2", "ss1" or "encrypted"


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

    def _verify_rsa(self, data: str, signature: str, name: str) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        key = serialization.load_pem_public_key(self._public_key())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ServiceUnavailable("Paysera's public key is not an RSA key.")
        digest = hashes.SHA256() if name == "ss3" else hashes.SHA1()  # noqa: S303 - ss2 is Paysera's spec
        try:
            key.verify(_b64(signature), data.encode(), padding.PKCS1v15(), digest)
        except (InvalidSignature, ValueError) as exc:
            raise Unauthorized(f"The Paysera signature ({name}) does not verify.") from exc

    def verify_callback(self, data: str, ss1: str | None, ss2: str | None, ss3: str | None = None
                        ) -> PayseraCallback:
        """The strongest signature present is checked (``ss3``, then ``ss2``; a wrong one is refused, never
        downgraded); with neither, ``ss1``; with no signature at all, the callback is an encrypted one."""
        cfg = self.config.require_for_callback()
        if not data:
            raise ValidationFailed.one("data", "is required")
        for name, signature in (("ss3", ss3), ("ss2", ss2)):
            if signature:
                self._verify_rsa(data, signature, name)
                return PayseraCallback(decode_data(data), name)
        if ss1:
            if hmac.compare_digest(ss1.lower(), md5_sign(data, cfg.password)):
                return PayseraCallback(decode_data(data), "ss1")
            raise Unauthorized("The Paysera signature (ss1) does not verify.")
        return PayseraCallback(decrypt_data(data, cfg.password), "encrypted")
