"""MakeCommerce as its current API documents it (issue 16, item 5): every status of a notification and what it
does to the order, the MAC over the message as sent or as MakeCommerce's PHP library re-encodes it, and the
sandbox's keys kept apart from the live ones (docs/payment-providers.md)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.test_payments import (  # noqa: F401 - fixtures
    FN,
    FORM,
    SECRET_KEY,
    SHOP,
    FakeMakeCommerce,
    configure,
    mk_notify,
    org,
    providers,
    rsa_key,
    start,
)
from tests.payments_support.org import invoice_state, new_invoice
from tests.support import call

SANDBOX_SHOP = "0b1f6a44-5d3c-4c1e-9a53-2f0e7b1d9c11"
SANDBOX_KEY = "maksekeskus-sandbox-secret"


@pytest.fixture
def fake():
    from urbaneta.adapters.providers import maksekeskus

    api = FakeMakeCommerce()
    maksekeskus.use_transport(httpx.MockTransport(api))
    yield api
    maksekeskus.use_transport(None)


def _order(caller: Any, building: str, apt: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = new_invoice(caller, building, apt, 8450)
    res = start(caller, invoice["id"], "maksekeskus")
    assert res.status == 201, res
    note = {"shop": SHOP, "amount": 84.5, "currency": "EUR", "reference": res.data["paymentId"],
            "transaction": "tx-1", "status": "PENDING", "message_type": "payment_return"}
    return invoice, note


def _payment(caller: Any, payment_id: str) -> str:
    return str(call(FN, "GET", f"/payments/{payment_id}", token=caller.token).data["status"])


def _notified(staff: Any, status: str, answer: str, payment: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """An order of 84.50 and a notification of ``status``: 200 with ``answer``, the payment in ``payment``."""
    caller, building, apt = staff
    invoice, note = _order(caller, building, apt)
    res = mk_notify({**note, "status": status})
    assert (res.status, res.data) == (200, {"status": answer}), res
    assert _payment(caller, note["reference"]) == payment
    return caller, invoice, note


@pytest.mark.parametrize("status", ["CREATED", "PENDING", "APPROVED", "RECEIVED", "SOMETHING_NEW"])
def test_states_that_are_not_final_leave_the_order_pending(org, providers, fake, status):  # noqa: F811
    # Given a MakeCommerce order of 84.50 / When a notification of a state that is not final arrives
    # Then the order waits (the payment stays pending, nothing is paid), and COMPLETED later pays it
    caller, invoice, note = _notified(org, status, "waiting", "pending")
    assert mk_notify({**note, "status": "COMPLETED"}).data == {"status": "received"}
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450


@pytest.mark.parametrize("status", ["CANCELLED", "EXPIRED", "DECLINED"])
def test_cancelled_or_expired_fails_the_order(org, providers, fake, status):  # noqa: F811
    # Given an order / When MakeCommerce reports it cancelled or expired / Then the order fails, nothing paid
    caller, invoice, _note = _notified(org, status, "not_paid", "failed")
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0


@pytest.mark.parametrize("status", ["COMPLETED", "PAID"])
def test_completed_pays_once(org, providers, fake, status):  # noqa: F811
    caller, building, apt = org
    invoice, note = _order(caller, building, apt)
    assert mk_notify({**note, "status": status}).data == {"status": "received"}
    assert mk_notify({**note, "status": status}).data == {"status": "duplicate"}
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450


@pytest.mark.parametrize("status", ["REFUNDED", "PART_REFUNDED"])
def test_refund_of_a_received_payment_is_answered_and_left_for_a_person(org, providers, fake, status):  # noqa: F811
    # Given a completed MakeCommerce payment
    caller, building, apt = org
    invoice, note = _order(caller, building, apt)
    mk_notify({**note, "status": "COMPLETED"})
    # When MakeCommerce reports a refund
    res = mk_notify({**note, "status": status})
    # Then it is acknowledged, and the payment stays recorded until a person reverses it
    assert (res.status, res.data) == (200, {"status": "refunded"}), res
    assert _payment(caller, note["reference"]) == "received"
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450


def test_mac_over_the_php_library_encoding_verifies(org, providers, fake):  # noqa: F811
    # Given a notification whose mac MakeCommerce computed over json_encode's form (no spaces, "\/")
    caller, building, apt = org
    invoice, note = _order(caller, building, apt)
    message = {**note, "status": "COMPLETED", "customer_name": "Tõõger Leõpäöld", "merchant_data": "a/b"}
    sent = json.dumps(message, ensure_ascii=False)  # sent with spaces and "/" as is
    php = json.dumps(message, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")
    from urbaneta.adapters.providers.maksekeskus import mac

    res = call(FN, "POST", "/payments/callbacks/maksekeskus", headers=FORM,
               raw_body=urlencode({"json": sent, "mac": mac(php, SECRET_KEY)}))
    # Then it verifies and pays
    assert (res.status, res.data) == (200, {"status": "received"}), res
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450


def _configure_sandbox(aws: dict[str, str], *, sandbox: bool) -> None:
    import boto3

    from urbaneta.adapters.providers import config

    keys = {"sandbox": {"shopId": SANDBOX_SHOP, "secretKey": SANDBOX_KEY}} if sandbox else {}
    secret = {"maksekeskus": {"shopId": SHOP, "secretKey": SECRET_KEY, "test": True, **keys}}
    boto3.client("secretsmanager").put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"],
                                                     SecretString=json.dumps(secret))
    config.reset()


def test_sandbox_uses_its_own_keys_and_never_the_live_ones(org, providers, aws):  # noqa: F811
    from urbaneta.adapters.providers import maksekeskus

    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 8450)
    # Given test mode without sandbox keys / Then a payment cannot start (the live keys are not used)
    _configure_sandbox(aws, sandbox=False)
    assert start(caller, invoice["id"], "maksekeskus").status == 409
    # Given sandbox keys
    _configure_sandbox(aws, sandbox=True)
    api = FakeMakeCommerce(SANDBOX_SHOP, SANDBOX_KEY)
    maksekeskus.use_transport(httpx.MockTransport(api))
    try:
        # When a payment starts / Then the test API is called with the sandbox shop's keys
        res = start(caller, invoice["id"], "maksekeskus")
        assert res.status == 201, res
        assert api.requests[0]["url"] == "https://api-test.maksekeskus.ee/v1/transactions"
        note = {"shop": SANDBOX_SHOP, "amount": "84.50", "currency": "EUR", "reference": res.data["paymentId"],
                "transaction": "tx-1", "status": "COMPLETED"}
        # And a notification signed with the live key, or naming the live shop, is refused
        assert mk_notify(note).status == 401
        assert mk_notify({**note, "shop": SHOP}, secret=SANDBOX_KEY).status == 422
        # And the sandbox's own notification pays
        assert mk_notify(note, secret=SANDBOX_KEY).data == {"status": "received"}
    finally:
        maksekeskus.use_transport(None)
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450
