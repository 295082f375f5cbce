"""Event data: Invoices and payments."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import Field

from urbaneta.domain.events import EventData
from urbaneta.domain.money import Amount
from urbaneta.domain.money import from_cents as amount

if TYPE_CHECKING:
    from urbaneta.domain.invoices import Invoice
    from urbaneta.domain.payments import Payment


class InvoiceEventData(EventData):
    """The one shape of every ``invoice.*`` event, whatever made the change (a PATCH, a worker, a payment)."""

    invoice_id: str
    number: str
    reference_number: str
    building_id: str
    apartment_id: str
    status: str = Field(description="after the change")
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    currency: str
    amount: Amount = Field(description="the invoice's amount, as in the public webhook example: its total (what was "
                                       "paid, on invoice.paid)")
    total: Amount = Field(description="negative on a credit note")
    amount_paid: Amount
    balance_due: Amount
    paid_date: date | None = Field(description="set once paid")
    credit_note_of: str | None = Field(description="set on a credit note: the invoice it credits")
    payment_id: str | None = Field(description="set on invoice.paid when a payment settled the invoice")

    @classmethod
    def of(cls, inv: Invoice, *, payment_id: str | None = None) -> InvoiceEventData:
        return cls(
            invoice_id=inv.id, number=inv.number, reference_number=inv.reference_number,
            building_id=inv.building_id, apartment_id=inv.apartment_id, status=inv.status,
            period_start=inv.period_start, period_end=inv.period_end, issue_date=inv.issue_date,
            due_date=inv.due_date, currency=inv.currency, amount=amount(inv.total_cents), total=amount(inv.total_cents),
            amount_paid=amount(inv.amount_paid_cents), balance_due=amount(inv.balance_due_cents),
            paid_date=inv.paid_date, credit_note_of=inv.credit_note_of, payment_id=payment_id,
        )


class ReminderSent(EventData):
    """A reminder e-mail about an unpaid invoice (the account shows it as a zero-amount ``reminder`` entry)."""

    invoice_id: str = Field(description="the invoice reminded about")
    number: str = Field(description="its number, as the e-mail shows it")
    building_id: str
    apartment_id: str = Field(description="the apartment whose account lists the reminder")
    level: int = Field(description="1 for the first reminder level of the building")
    due_date: date
    balance_due: Amount = Field(description="what the invoice still owed when the reminder went out")
    manual: bool = Field(description="true when a manager sent it by hand (`POST /invoices/{id}/remind`)")
    statement_attached: bool = Field(description="the account statement PDF was attached")


class AllocationData(EventData):
    invoice_id: str
    amount: Amount


class PaymentReceived(EventData):
    payment_id: str
    invoice_id: str | None = Field(description="the invoice named, or the first allocated")
    apartment_id: str
    amount: Amount
    currency: str
    paid_date: date
    method: str = Field(description="bank_transfer, cash, card, other, banklink, bank_statement or credit")
    reference: str | None
    allocations: list[AllocationData]
    credit: Amount = Field(description="what became apartment credit")

    @classmethod
    def fields_of(cls, p: Payment) -> dict[str, Any]:
        return {
            "payment_id": p.id, "invoice_id": p.invoice_id, "apartment_id": p.apartment_id,
            "amount": amount(p.amount_cents), "currency": p.currency, "paid_date": p.paid_date, "method": p.method,
            "reference": p.reference, "credit": amount(p.credit_cents),
            "allocations": [AllocationData(invoice_id=a.invoice_id, amount=amount(a.amount_cents))
                            for a in p.allocations],
        }

    @classmethod
    def of(cls, p: Payment) -> PaymentReceived:
        return cls(**cls.fields_of(p))


class PaymentReversed(PaymentReceived):
    reversed_by: str = Field(description="the reversal's statement entry id")

    @classmethod
    def reversal(cls, p: Payment, entry_id: str) -> PaymentReversed:
        return cls(**cls.fields_of(p), reversed_by=entry_id)
