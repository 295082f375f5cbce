"""Invoice and job request/response models (API.md "Invoices")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from urbaneta.domain.invoices import Invoice, InvoiceStatus
from urbaneta.domain.jobs import Job
from urbaneta.domain.money import from_cents
from urbaneta.models.common import ApiModel, Money, PastDate, ResponseModel

Id = Annotated[str, Field(min_length=1, max_length=64)]
Number = Annotated[Decimal, PlainSerializer(lambda v: float(v), return_type=float, when_used="json")]
"""A quantity or unit price: Decimal inside, a JSON number at the edge (unit prices may have more than 2
decimals, e.g. 0.1234 EUR/kWh)."""


class GenerateBulk(ApiModel):
    building_id: Id
    period_start: date
    period_end: date
    issue_date: date | None = None
    due_date: date | None = None


class SendBulk(ApiModel):
    building_id: Id | None = None
    invoice_ids: list[Id] | None = Field(default=None, min_length=1, max_length=1000)


class InvoicePatch(ApiModel):
    status: InvoiceStatus | None = None
    paid_date: PastDate | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=140)


class JobAccepted(ResponseModel):
    job_id: str
    status: str


class JobOut(ResponseModel):
    id: str
    type: str
    status: str
    total: int
    processed: int
    created: int
    skipped: int
    failed: int
    errors: list[dict[str, str]]
    building_id: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    statement_id: str | None = Field(None, description="statement_import: the statement being imported.")
    matched: int = Field(0, description="statement_import: entries so far matched to an invoice or apartment.")
    suggested: int = 0
    unmatched: int = 0
    ignored: int = Field(0, description="statement_import: money out and zero-amount entries.")
    reversed: int = 0
    duplicates: int = 0
    unusable: int = Field(0, description="statement_import: entries recorded with a reason (missing amount …).")
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(id=job.id, type=job.type, status=job.status, total=job.total, processed=job.processed,
                   created=job.created, skipped=job.skipped, failed=job.failed, errors=job.errors,
                   building_id=job.building_id, period_start=job.period_start, period_end=job.period_end,
                   statement_id=job.statement_id, matched=job.matched, suggested=job.suggested,
                   unmatched=job.unmatched, ignored=job.ignored, reversed=job.reversed, duplicates=job.duplicates,
                   unusable=job.unusable, created_at=job.created_at, updated_at=job.updated_at)


class InvoiceLineOut(ResponseModel):
    description: str
    quantity: Number
    unit: str
    unit_price: Number
    amount: Money
    vat_rate: Number
    vat_amount: Money
    previous_reading: Number | None = Field(default=None, description="A metered line of one meter: the reading "
                                            "the period starts from (the PDF shows it)")
    current_reading: Number | None = Field(default=None, description="… and the reading it ends at")


class RecipientOut(ResponseModel):
    name: str | None = None
    email: str | None = None


class InvoiceOut(ResponseModel):
    id: str
    number: str
    reference_number: str
    building_id: str
    apartment_id: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    status: InvoiceStatus
    currency: str
    lines: list[InvoiceLineOut]
    subtotal: Money
    vat_total: Money
    total: Money
    amount_paid: Money
    balance_due: Money
    paid_date: date | None = None
    recipient: RecipientOut
    reference: str | None = None
    credit_note_of: str | None = None
    cancelled_by: str | None = None
    credited: Money = Field(default=Decimal(0), description="Credited by partial credit notes")
    previous_balance: Money | None = Field(default=None, description="The apartment's balance before this invoice "
                                           "(negative: a prepayment), as its account said when it was generated")
    payments_received: Money | None = Field(default=None, description="Payments received since the previous "
                                            "invoice")
    total_to_pay: Money | None = Field(default=None, description="previousBalance + total")
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, inv: Invoice) -> InvoiceOut:
        return cls(
            id=inv.id, number=inv.number, reference_number=inv.reference_number, building_id=inv.building_id,
            apartment_id=inv.apartment_id, period_start=inv.period_start, period_end=inv.period_end,
            issue_date=inv.issue_date, due_date=inv.due_date, status=inv.status, currency=inv.currency,
            lines=[InvoiceLineOut(description=ln.description, quantity=ln.quantity, unit=ln.unit,
                                  unit_price=ln.unit_price, amount=from_cents(ln.amount_cents), vat_rate=ln.vat_rate,
                                  vat_amount=from_cents(ln.vat_cents), previous_reading=ln.previous_reading,
                                  current_reading=ln.current_reading) for ln in inv.lines],
            subtotal=from_cents(inv.subtotal_cents), vat_total=from_cents(inv.vat_total_cents),
            total=from_cents(inv.total_cents), amount_paid=from_cents(inv.amount_paid_cents),
            balance_due=from_cents(inv.balance_due_cents), paid_date=inv.paid_date,
            recipient=RecipientOut(name=inv.recipient.name, email=inv.recipient.email), reference=inv.reference,
            credit_note_of=inv.credit_note_of, cancelled_by=inv.cancelled_by, created_at=inv.created_at,
            updated_at=inv.updated_at, credited=from_cents(inv.credited_cents),
            previous_balance=_money(inv.previous_balance_cents),
            payments_received=_money(inv.payments_received_cents), total_to_pay=_money(inv.total_to_pay_cents),
        )


def _money(cents: int | None) -> Decimal | None:
    return None if cents is None else from_cents(cents)


Quantity = Annotated[Decimal, Field(gt=0, le=Decimal(1_000_000), decimal_places=3, max_digits=10)]
UnitPrice = Annotated[Decimal, Field(ge=0, le=Decimal(10_000_000), decimal_places=4, max_digits=12)]


class FreeLine(ApiModel):
    """A line of a one-off invoice (a key replacement, a repair charged to one owner)."""

    description: Annotated[str, Field(min_length=1, max_length=200)]
    quantity: Quantity = Decimal(1)
    unit: Annotated[str, Field(min_length=1, max_length=20)] = "pc"
    unit_price: UnitPrice
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = Field(
        default=None, description="percent; the building's rate when left out")


class InvoiceCreate(ApiModel):
    """POST /invoices: a one-off invoice of one apartment, numbered in its building's series (a draft)."""

    apartment_id: Id
    lines: list[FreeLine] = Field(min_length=1, max_length=100)
    issue_date: date | None = None
    due_date: date | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=140)


class DraftLines(ApiModel):
    """PUT /invoices/{id}/lines: a draft's lines, replaced."""

    lines: list[FreeLine] = Field(min_length=1, max_length=100)
