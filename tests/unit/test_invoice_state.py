"""The invoice life cycle, pure."""

from __future__ import annotations

from datetime import date

import pytest

from urbaneta.domain import invoice_state
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import Conflict


def invoice(**kw) -> Invoice:
    base = dict(id="i", tenant_id="t", number="2025-000001", reference_number="123", building_id="b",
                apartment_id="a", period_start=date(2025, 1, 1), period_end=date(2025, 1, 31),
                issue_date=date(2025, 2, 1), due_date=date(2025, 2, 15), subtotal_cents=1000, vat_total_cents=0,
                total_cents=1000, balance_due_cents=1000, created_at="", updated_at="")
    base.update(kw)
    return Invoice(**base)


@pytest.mark.parametrize(("start", "target"), [("draft", "sent"), ("sent", "paid"), ("overdue", "paid")])
def test_manual_transitions_allowed(start, target):
    invoice_state.check_manual(invoice(status=start), target)


@pytest.mark.parametrize(("start", "target"), [
    ("draft", "paid"), ("draft", "overdue"), ("draft", "cancelled"), ("sent", "draft"), ("sent", "overdue"),
    ("sent", "cancelled"), ("overdue", "sent"), ("paid", "sent"), ("paid", "overdue"), ("cancelled", "sent"),
    ("cancelled", "paid"),
])
def test_manual_transitions_refused(start, target):
    with pytest.raises(Conflict):
        invoice_state.check_manual(invoice(status=start), target)


def test_credit_note_rules():
    for status in ("draft", "sent", "overdue"):
        invoice_state.check_credit_note(invoice(status=status))
    for bad in (invoice(status="paid"), invoice(status="cancelled"), invoice(status="sent", amount_paid_cents=1),
                invoice(status="draft", credit_note_of="x")):
        with pytest.raises(Conflict):
            invoice_state.check_credit_note(bad)


def test_overdue_only_when_sent_unpaid_and_past_due():
    assert invoice_state.becomes_overdue(invoice(status="sent"), date(2025, 2, 16))
    assert not invoice_state.becomes_overdue(invoice(status="sent"), date(2025, 2, 15))
    assert not invoice_state.becomes_overdue(invoice(status="draft"), date(2025, 3, 1))
    assert not invoice_state.becomes_overdue(invoice(status="overdue"), date(2025, 3, 1))
    assert not invoice_state.becomes_overdue(invoice(status="sent", balance_due_cents=0), date(2025, 3, 1))


def test_status_after_payments_and_reversals():
    sent = invoice(status="sent", sent_at="x")
    assert invoice_state.after_payment_status(sent, 0) == "paid"
    assert invoice_state.after_payment_status(sent, 500) == "sent"
    assert invoice_state.after_payment_status(invoice(status="paid", sent_at="x"), 1000) == "sent"
    assert invoice_state.after_payment_status(invoice(status="paid", sent_at="x", overdue_at="y"), 1) == "overdue"
    assert invoice_state.after_payment_status(invoice(status="paid"), 1) == "draft"
