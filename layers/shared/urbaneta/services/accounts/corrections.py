"""Corrections after payment (issue 14, item 7): a payment reversed by hand with a reason, and partial credit
notes on paid or partly paid invoices. Each is written with its ledger entries in one transaction and emits
its event."""

from __future__ import annotations

from decimal import Decimal

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import billing, invoice_state
from urbaneta.domain.events.accounts import CreditNoteIssued
from urbaneta.domain.invoices import Invoice, InvoiceLine
from urbaneta.domain.money import from_cents, to_cents
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.accounts import CreditNoteCreate
from urbaneta.models.invoices import InvoiceOut
from urbaneta.models.payments import PaymentOut
from urbaneta.services.accounts import posting
from urbaneta.services.invoicing.common import invoice_event, pause, visible
from urbaneta.services.invoicing.documents import pdf_key
from urbaneta.services.payments import reverse_payment
from urbaneta.store import invoices as invoice_store
from urbaneta.store import payments as payment_store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import Op, transact

MAX_ATTEMPTS = 30


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


# ---- partial credit notes ----------------------------------------------------------------------------------------


def _credit_lines(inv: Invoice, body: CreditNoteCreate) -> list[InvoiceLine]:
    if body.amount is not None:
        cents = to_cents(body.amount)
        return [InvoiceLine(description=f"Credit: {body.reason}", quantity=Decimal(-1), unit="pc",
                            unit_price=body.amount, amount_cents=-cents, vat_rate=Decimal(0), vat_cents=0,
                            kind="credit")]
    positions = body.lines or []
    for n, pos in enumerate(positions):
        if pos >= len(inv.lines) or inv.lines[pos].kind == "credit":
            raise ValidationFailed.one(f"lines.{n}", "no such line on the invoice")
    return billing.credit_lines([inv.lines[pos] for pos in positions])


def _note(inv: Invoice, number: str, lines: list[InvoiceLine], reason: str) -> Invoice:
    sums = billing.totals(lines)
    note_id, now = new_id(), now_iso()
    return Invoice(
        id=note_id, tenant_id=inv.tenant_id, number=number, reference_number=inv.reference_number,
        building_id=inv.building_id, apartment_id=inv.apartment_id, period_start=inv.period_start,
        period_end=inv.period_end, issue_date=today(), due_date=today(), status="draft", currency=inv.currency,
        lines=lines, subtotal_cents=sums.subtotal_cents, vat_total_cents=sums.vat_total_cents,
        total_cents=sums.total_cents, amount_paid_cents=0, balance_due_cents=0, recipient=inv.recipient,
        credit_note_of=inv.id, reference=reason, pdf_key=pdf_key(inv.tenant_id, note_id), version=0,
        created_at=now, updated_at=now)


def _credit_ops(inv: Invoice, note: Invoice, body: CreditNoteCreate) -> tuple[list[Op], Invoice, int]:
    cents = -note.total_cents
    after, paid_part = invoice_state.after_credit(inv, cents, note.issue_date)
    entries = [posting.credit_note_entry(note, inv, cents, body.reason)]
    ops = [invoice_store.transition_op(inv, after), invoice_store.create_op(note)]
    if paid_part and body.refund:
        entries.append(posting.refund_entry(note, paid_part, body.reason))
    elif paid_part:
        ops.append(payment_store.add_credit_op(inv.tenant_id, inv.apartment_id, paid_part))
    return [*ops, *posting.post_ops(entries, due=inv.due_date)], after, paid_part


def partial_credit_note(caller: Principal, invoice_id: str, body: CreditNoteCreate) -> InvoiceOut:
    """A credit note of chosen lines or an amount, on an issued invoice (paid or not): the invoice's balance falls
    by up to the amount; the part already paid becomes apartment credit or, with ``refund``, a recorded refund.
    Numbered from the invoice's series; the account gets a ``credit_note`` (and ``refund``) entry."""
    inv = visible(caller, invoice_id)
    lines = _credit_lines(inv, body)
    invoice_state.check_partial_credit(inv, -billing.totals(lines).total_cents)
    prefix = inv.number.rsplit("-", 1)[0]
    for attempt in range(MAX_ATTEMPTS):
        last = invoice_store.counter_value(inv.tenant_id, prefix)
        note = _note(inv, billing.format_number(prefix, last + 1), lines, body.reason)
        ops, after, paid_part = _credit_ops(inv, note, body)
        try:
            transact([invoice_store.counter_op(inv.tenant_id, prefix, last, last + 1), *ops])
        except ConditionFailed as exc:
            if exc.labels == {"counter"}:
                pause(attempt)
                continue
            raise Conflict(invoice_store.CHANGED) from exc
        _publish_credit(inv, after, note, body, paid_part)
        return InvoiceOut.of(note)
    raise Conflict("The credit note could not be numbered; try again.")


def _publish_credit(inv: Invoice, after: Invoice, note: Invoice, body: CreditNoteCreate, paid_part: int) -> None:
    data = CreditNoteIssued(credit_note_id=note.id, invoice_id=inv.id, apartment_id=inv.apartment_id,
                            building_id=inv.building_id, amount=from_cents(-note.total_cents), reason=body.reason,
                            credited_to_account=from_cents(0 if body.refund else paid_part),
                            refunded=from_cents(paid_part if body.refund else 0))
    events = [invoice_event("invoice.created", note), domain_event("credit_note.issued", inv.tenant_id, data)]
    if after.status == "paid" and inv.status != "paid":
        events.append(invoice_event("invoice.paid", after.model_copy(update={"version": inv.version + 1})))
    publish(events)
