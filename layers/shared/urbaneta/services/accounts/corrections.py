"""Corrections after payment (issue 14, item 7): a payment reversed by hand with a reason, and partial credit
notes on paid or partly paid invoices. Each is written with its ledger entries in one transaction and emits
its event."""

from __future__ import annotations

from urbaneta.adapters.events import publish
from urbaneta.auth.principal import Principal
from urbaneta.errors import Conflict, NotFound
from urbaneta.models.payments import PaymentOut
from urbaneta.services.payments import reverse_payment
from urbaneta.store import payments as payment_store


def reverse_by_hand(caller: Principal, payment_id: str, reason: str) -> PaymentOut:
    """POST /payments/{id}/reverse: a manager undoes a received payment, with a reason. Its invoices reopen, its
    overpayment credit is taken back, and the account shows the payment and its reversal (dated today)."""
    original = payment_store.get_payment(caller.tenant_id, payment_id) if len(payment_id) <= 64 else None
    if original is None:
        raise NotFound("No such payment.")
    if original.status != "received":
        raise Conflict(f"A {original.status} payment cannot be reversed.")
    if original.method == "credit":
        raise Conflict("Apartment credit used by an invoice is not a payment to reverse; issue a credit note.")
    if original.credit_cents > payment_store.get_apartment_credit_cents(caller.tenant_id, original.apartment_id):
        raise Conflict("The payment's overpayment was already used by a later invoice; reverse that first.")
    publish(reverse_payment(original, f"reversal:{original.id}", reason=reason))
    return PaymentOut.of(payment_store.get_payment(caller.tenant_id, payment_id))
