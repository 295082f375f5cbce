"""Secrets at rest: AES-GCM with a key derived from the application secret, bound to what they belong to.

``seal(plain, purpose, context)`` → base64(nonce || ciphertext); ``unseal`` reverses it and fails (InvalidTag)
when the sealed text was changed or belongs to another ``context`` (e.g. another tenant's webhook).
"""

from __future__ import annotations

import base64
import os

from urbaneta.adapters.secrets import derived_key

NONCE_BYTES = 12


def seal(plain: str, *, purpose: str, context: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # lazily: only the functions that seal

    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(derived_key(purpose)).encrypt(nonce, plain.encode(), context.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, *, purpose: str, context: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(sealed)
    return AESGCM(derived_key(purpose)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
