"""The invoice life cycle (billing.md), pure.

draft → sent (e-mailed or marked) → paid; sent → overdue (the daily sweep, once) → paid; draft/sent/overdue →
cancelled (by a credit note only). A payment reversal may take a paid invoice back to sent/overdue.
"""

from __future__ import annotations

from datetime import date

from urbaneta.domain.invoices import Invoice, InvoiceStatus
from urbaneta.errors import Conflict

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"paid", "overdue", "cancelled"}),
    "overdue": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"sent", "overdue"}),  # a reversed payment only
    "cancelled": frozenset(),
}

# What a manager may do by PATCH; the rest belongs to the sending worker, the sweep, payments and credit notes.
MANUAL: frozenset[tuple[str, str]] = frozenset({("draft", "sent"), ("sent", "paid"), ("overdue", "paid")})

OPEN_STATUSES: frozenset[InvoiceStatus] = frozenset({"draft", "sent", "overdue"})
"""Statuses that still owe money: payable, credited by a credit note, swept."""


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_manual(invoice: Invoice, target: InvoiceStatus) -> None:
    """A transition requested by PATCH: 409 unless the life cycle allows it for a person to make."""
    if invoice.credit_note_of is not None and target == "paid":
        raise Conflict("A credit note is not paid.")
    if (invoice.status, target) not in MANUAL:
        raise Conflict(f"An invoice cannot go from {invoice.status} to {target}.")


def check_credit_note(invoice: Invoice) -> None:
    if invoice.credit_note_of is not None:
        raise Conflict("A credit note cannot itself be credited.")
    if invoice.status == "cancelled":
        raise Conflict("The invoice is already cancelled.")
    if not can_transition(invoice.status, "cancelled"):
        raise Conflict(f"A {invoice.status} invoice cannot be cancelled by a credit note.")
    if invoice.amount_paid_cents != 0:
        raise Conflict("The invoice has payments; reverse or move them before crediting it.")


def is_past_due(invoice: Invoice, today: date) -> bool:
    return invoice.due_date < today


def becomes_overdue(invoice: Invoice, today: date) -> bool:
    """The sweep's rule: sent, unpaid and past its due date (judged by the schedule's day)."""
    return invoice.status == "sent" and invoice.balance_due_cents > 0 and is_past_due(invoice, today)


def after_payment_status(invoice: Invoice, balance_cents: int) -> InvoiceStatus:
    """The status once a payment (or its reversal) leaves ``balance_cents`` to pay."""
    if balance_cents <= 0:
        return "paid"
    if invoice.status == "paid":  # reversal: back where the invoice was before it was paid
        if invoice.overdue_at:
            return "overdue"
        return "sent" if invoice.sent_at else "draft"
    return invoice.status


def watches_due(inv: Invoice) -> bool:
    """Whether the invoice belongs in the daily schedule's watch (sent or overdue, unpaid, not a credit note): the
    overdue sweep marks the sent ones past due, the reminder run reminds the unpaid ones."""
    return inv.status in ("sent", "overdue") and inv.balance_due_cents > 0 and inv.credit_note_of is None


def after_payment(invoice: Invoice, delta_cents: int, paid_date: date | None) -> Invoice:
    """The invoice as a payment of ``delta_cents`` (negative: a reversal) leaves it: amount paid, balance,
    status (paid + paidDate at a zero balance; back to sent/overdue on a reversal)."""
    if invoice.status == "cancelled":
        raise Conflict("The invoice is cancelled; it takes no payments.")
    if invoice.credit_note_of is not None:
        raise Conflict("A credit note takes no payments.")
    paid = invoice.amount_paid_cents + delta_cents
    balance = invoice.total_cents - invoice.credited_cents - paid
    status = after_payment_status(invoice, balance)
    when = (invoice.paid_date if invoice.status == "paid" else paid_date) if status == "paid" else None
    return invoice.model_copy(update={"amount_paid_cents": paid, "balance_due_cents": balance, "status": status,
                                      "paid_date": when})


def payment_settles(invoice: Invoice, delta_cents: int) -> bool:
    """Whether a payment of ``delta_cents`` makes the invoice paid (``invoice.paid`` is emitted then)."""
    return invoice.status != "paid" and invoice.total_cents - invoice.credited_cents - invoice.amount_paid_cents \
        - delta_cents <= 0


def check_partial_credit(invoice: Invoice, cents: int) -> None:
    """A partial credit note (issue 14, item 7): on an issued invoice, paid or not, up to what is not credited yet."""
    if invoice.credit_note_of is not None:
        raise Conflict("A credit note cannot itself be credited.")
    if invoice.status in ("cancelled", "draft"):
        raise Conflict(f"A {invoice.status} invoice takes no partial credit note.")
    if cents <= 0 or cents > invoice.total_cents - invoice.credited_cents:
        from urbaneta.errors import ValidationFailed

        raise ValidationFailed.one("amount", "must be more than 0 and at most what is not credited yet")


def after_credit(invoice: Invoice, cents: int, on: date) -> tuple[Invoice, int]:
    """The invoice once ``cents`` are credited: its balance falls by up to ``cents`` (paid at zero); returns it and
    the part that was already paid (it goes to the apartment's credit or is refunded)."""
    reduce = min(cents, max(0, invoice.balance_due_cents))
    balance = invoice.balance_due_cents - reduce
    status: InvoiceStatus = "paid" if balance <= 0 else invoice.status
    return invoice.model_copy(update={"credited_cents": invoice.credited_cents + cents, "balance_due_cents": balance,
                                      "status": status,
                                      "paid_date": invoice.paid_date or (on if status == "paid" else None)}), \
        cents - reduce
