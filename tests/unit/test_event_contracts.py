"""The event contract: every type has a model, one shape per type, money as JSON numbers (pure)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from urbaneta.domain import event_types
from urbaneta.domain.events import EventData
from urbaneta.domain.events.invoicing import InvoiceEventData, PaymentReceived, PaymentReversed
from urbaneta.domain.invoices import Invoice, Recipient
from urbaneta.domain.payments import AllocationItem, Payment


def invoice(**changes: object) -> Invoice:
    base = Invoice(id="i1", tenant_id="t", number="A-000001", reference_number="1234561", building_id="b",
                   apartment_id="a", period_start=date(2025, 1, 1), period_end=date(2025, 1, 31),
                   issue_date=date(2025, 2, 1), due_date=date(2025, 2, 15), status="sent", currency="EUR", lines=[],
                   subtotal_cents=11680, vat_total_cents=2570, total_cents=14250, amount_paid_cents=0,
                   balance_due_cents=14250, recipient=Recipient(name=None, email=None), pdf_key="k", version=1,
                   created_at="", updated_at="")
    return base.model_copy(update=changes)


def payment() -> Payment:
    return Payment(id="p1", tenant_id="t", invoice_id="i1", apartment_id="a", amount_cents=14250,
                   paid_date=date(2025, 2, 10), method="bank_transfer", reference="1234561",
                   allocations=[AllocationItem(invoice_id="i1", amount_cents=14250)], credit_cents=0,
                   created_at="", updated_at="")


def test_every_event_type_names_a_data_model():
    for name, spec in event_types.EVENT_TYPES.items():
        assert spec.name == name and issubclass(spec.data, EventData) and spec.description
    assert event_types.of(event_types.TEST_EVENT).data.__name__ == "WebhookTest"


def test_invoice_paid_has_one_shape_whoever_paid():
    # Given an invoice paid by a PATCH and the same invoice settled by a payment
    paid = invoice(status="paid", amount_paid_cents=14250, balance_due_cents=0, paid_date=date(2025, 2, 10))
    by_patch = json.loads(json.dumps(InvoiceEventData.of(paid).wire()))
    by_payment = json.loads(json.dumps(InvoiceEventData.of(paid, payment_id="p1").wire()))
    # Then both carry the same fields, with money as JSON numbers
    assert set(by_patch) == set(by_payment)
    assert (by_patch["total"], by_patch["amountPaid"], by_patch["balanceDue"]) == (142.5, 142.5, 0.0)
    assert (by_payment["invoiceId"], by_payment["amount"]) == ("i1", 142.5)  # the public webhook example
    assert by_patch["paymentId"] is None and by_payment["paymentId"] == "p1"


def test_payment_events_carry_amounts_as_numbers():
    received = PaymentReceived.of(payment()).wire()
    reversed_ = PaymentReversed.reversal(payment(), "e1").wire()
    assert received["amount"] == 142.5 and received["allocations"] == [{"invoiceId": "i1", "amount": 142.5}]
    assert received["credit"] == 0.0 and received["paidDate"] == "2025-02-10"
    assert set(reversed_) == set(received) | {"reversedBy"}
    assert '"amount":142.5' in json.dumps(received, separators=(",", ":"))


def test_an_event_must_carry_its_types_model():
    from urbaneta.adapters.events import domain_event

    with pytest.raises(TypeError):
        domain_event("invoice.paid", "t", {"invoiceId": "i1"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        domain_event("payment.received", "t", InvoiceEventData.of(invoice()))
    assert domain_event("invoice.sent", "t", InvoiceEventData.of(invoice())).data["number"] == "A-000001"
