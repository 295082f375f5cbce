"""Smaller payment findings of issue 17: residents cannot reach draft invoices through payments, a failed
bank-link start leaves no pending payment, and the Location of a recorded payment is a route that answers."""

from __future__ import annotations

import pytest

from tests.payments_support.org import new_apartment, new_building, new_invoice
from tests.support import call

LINK = {"provider": "paysera", "returnUrl": "https://example.com/paid", "cancelUrl": "https://example.com/cancel"}


@pytest.fixture
def org(make_caller):
    manager = make_caller("manager")
    building = new_building(manager)
    apt = new_apartment(manager, building, "1")
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apt.id,))
    return manager, building, apt, resident


@pytest.fixture
def no_providers(aws, monkeypatch):
    from urbaneta.adapters.providers import config

    monkeypatch.setattr(config, "load", lambda: config.ProviderSettings())


def test_a_resident_cannot_reach_a_draft_invoice_through_payments(org, no_providers):
    # Given a draft invoice of the resident's own apartment
    manager, building, apt, resident = org
    draft = new_invoice(manager, building, apt, 10000, status="draft")
    assert call("invoices", "GET", f"/invoices/{draft['id']}", token=resident.token).status == 404
    # When the resident lists its payments or starts a bank link for it
    listed = call("payments", "GET", "/payments", token=resident.token, query={"invoiceId": draft["id"]})
    link = call("payments", "POST", "/payments/banklink", token=resident.token,
                body={"invoiceId": draft["id"], **LINK})
    # Then both are 404, as the invoice itself
    assert listed.status == 404, listed
    assert link.status == 404, link
    # And staff still see the draft's payments
    assert call("payments", "GET", "/payments", token=manager.token, query={"invoiceId": draft["id"]}).status == 200


def test_a_failed_bank_link_start_leaves_no_pending_payment(org, no_providers):
    # Given an open invoice and no bank-link provider configured
    manager, building, apt, resident = org
    invoice = new_invoice(manager, building, apt, 10000)
    for provider in ("paysera", "maksekeskus"):
        # When the resident starts a bank link
        res = call("payments", "POST", "/payments/banklink", token=resident.token,
                   body={"invoiceId": invoice["id"], **LINK, "provider": provider})
        # Then 409, and no payment of any status was left behind
        assert res.status == 409, res
    listed = call("payments", "GET", "/payments", token=manager.token, query={"invoiceId": invoice["id"]})
    assert listed.status == 200 and listed.data == []


def test_a_provider_refusal_after_the_order_was_written_leaves_the_payment_failed(org, monkeypatch):
    # Given MakeCommerce configured, but refusing the transaction
    from urbaneta.adapters.providers import config
    from urbaneta.adapters.providers.maksekeskus import MakeCommerceClient
    from urbaneta.errors import ServiceUnavailable

    settings = config.ProviderSettings.model_validate({"maksekeskus": {"shopId": "s", "secretKey": "k"}})
    monkeypatch.setattr(config, "load", lambda: settings)

    def refuse(*_a, **_k):
        raise ServiceUnavailable("MakeCommerce refused the transaction (400).")

    monkeypatch.setattr(MakeCommerceClient, "create_transaction", refuse)
    manager, building, apt, resident = org
    invoice = new_invoice(manager, building, apt, 10000)
    # When the bank link is started
    res = call("payments", "POST", "/payments/banklink", token=resident.token,
               body={"invoiceId": invoice["id"], **LINK, "provider": "maksekeskus"})
    # Then the error is passed on and no payment stays pending
    assert res.status == 503, res
    listed = call("payments", "GET", "/payments", token=manager.token, query={"invoiceId": invoice["id"]}).data
    assert [p["status"] for p in listed] in ([], ["failed"])


def test_the_location_of_a_recorded_payment_answers(org, make_caller):
    # Given a payment recorded by staff
    manager, building, apt, resident = org
    invoice = new_invoice(manager, building, apt, 10000)
    res = call("payments", "POST", "/payments", token=manager.token, body={
        "invoiceId": invoice["id"], "amount": 40, "paidDate": "2024-03-05", "method": "cash"})
    assert res.status == 201, res
    # When its Location is read, by staff and by the apartment's resident
    location = res.headers["location"]
    assert location == f"/api/payments/{res.data['id']}"
    for caller in (manager, resident):
        got = call("payments", "GET", location, token=caller.token)
        # Then it is the payment
        assert got.status == 200 and got.data == res.data, got
    # And another apartment's resident, or another organisation, gets 404
    stranger = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=("another-apartment",))
    assert call("payments", "GET", location, token=stranger.token).status == 404
    assert call("payments", "GET", location, token=make_caller("manager").token).status == 404
