"""Paysera callbacks as the current libwebtopay sends them: ss3 (RSA-SHA256), encrypted callbacks (AES-256-GCM
with the project password), and the meaning of each status (0 fails the order, 1 pays, 2 and 3 leave it
pending) — through the PaymentsFunction handler (against moto)."""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import urlencode

from tests.integration.test_payments import FN, FORM, PASSWORD, PROJECT, org, providers, rsa_key, start
from tests.payments_support.org import invoice_state, new_invoice
from tests.support import call

__all__ = ["org", "providers", "rsa_key"]  # fixtures shared with test_payments


def _post(form: dict[str, str]) -> Any:
    return call(FN, "POST", "/payments/callbacks/paysera", raw_body=urlencode(form), headers=FORM)


def ss3_callback(key: Any, fields: dict[str, str]) -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from urbaneta.adapters.providers.paysera import encode_data, md5_sign

    data = encode_data(fields)
    signature = key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())
    return _post({"data": data, "ss1": md5_sign(data, PASSWORD), "ss3": base64.urlsafe_b64encode(signature).decode()})


def encrypted_callback(fields: dict[str, str], password: str = PASSWORD) -> Any:
    from urbaneta.adapters.providers.paysera import encrypt_data

    return _post({"data": encrypt_data(fields, password, os.urandom(12))})


def _order(caller: Any, building: str, apt: Any, cents: int) -> tuple[dict[str, Any], dict[str, str]]:
    invoice = new_invoice(caller, building, apt, cents)
    order = start(caller, invoice["id"], "paysera").data["paymentId"]
    return invoice, {"projectid": PROJECT, "orderid": order, "amount": str(cents), "currency": "EUR", "test": "0"}


def _payment_status(caller: Any, invoice_id: str) -> list[str]:
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice_id})
    return [p["status"] for p in listed.data]


def test_ss3_signed_callback_pays_and_a_wrong_ss3_is_refused(org, providers, rsa_key):
    # Given a Paysera order
    caller, building, apt = org
    invoice, fields = _order(caller, building, apt, 2500)
    # When a callback signed with another key arrives / Then 401, even with a right ss1 (no downgrade)
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert ss3_callback(other, {**fields, "status": "1"}).status == 401
    # When the ss3-signed "paid" arrives / Then OK and the invoice is paid
    res = ss3_callback(providers, {**fields, "status": "1"})
    assert res.status == 200 and res.content.startswith(b"OK"), res
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


def test_encrypted_callback_pays_and_a_wrong_password_is_refused(org, providers):
    # Given a Paysera order
    caller, building, apt = org
    invoice, fields = _order(caller, building, apt, 1800)
    # When an encrypted callback made with another password arrives / Then 401 and nothing is paid
    assert encrypted_callback({**fields, "status": "1"}, "another-password").status == 401
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # When the encrypted callback (data only, no signature) arrives / Then OK and the invoice is paid
    res = encrypted_callback({**fields, "status": "1"})
    assert res.status == 200 and res.content.startswith(b"OK"), res
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


def test_status_2_and_3_leave_the_order_pending_then_status_1_pays(org, providers):
    # Given a Paysera order
    caller, building, apt = org
    invoice, fields = _order(caller, building, apt, 4000)
    # When status 2 (accepted, not executed yet) and then 3 (additional information) arrive
    for status in ("2", "3"):
        res = ss3_callback(providers, {**fields, "status": status})
        assert res.status == 200 and res.content.startswith(b"OK"), res
    # Then the order is still pending, not failed
    assert _payment_status(caller, invoice["id"]) == ["pending"]
    # When status 1 follows / Then the invoice is paid
    assert ss3_callback(providers, {**fields, "status": "1"}).content.startswith(b"OK")
    assert _payment_status(caller, invoice["id"]) == ["received"]
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


def test_status_0_fails_the_order(org, providers):
    caller, building, apt = org
    invoice, fields = _order(caller, building, apt, 900)
    assert encrypted_callback({**fields, "status": "0"}).content.startswith(b"OK")
    assert _payment_status(caller, invoice["id"]) == ["failed"]
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
