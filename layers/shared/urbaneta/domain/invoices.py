"""Invoices: the entity, its lines and its one status set (the life cycle: domain.invoice_state)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from pydantic import Field

from urbaneta.domain.entity import Entity

InvoiceStatus = Literal["draft", "sent", "paid", "overdue", "cancelled"]


class InvoiceLine(Entity):
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal = Field(alias="unitPrice")
    amount_cents: int = Field(alias="amountCents")
    vat_rate: Decimal = Field(alias="vatRate")
    vat_cents: int = Field(alias="vatCents")
    kind: Literal["charge", "late_interest", "credit"] = "charge"
    # invoicing: a late-interest line names the overdue invoice and the day its interest is charged through
    interest_on: str | None = Field(default=None, alias="interestOn")
    interest_through: date | None = Field(default=None, alias="interestThrough")
    # a metered line of one meter: the readings its quantity comes from (shown on the PDF)
    previous_reading: Decimal | None = Field(default=None, alias="previousReading")
    current_reading: Decimal | None = Field(default=None, alias="currentReading")


class Recipient(Entity):
    name: str | None = None
    email: str | None = None


class Invoice(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    number: str
    reference_number: str = Field(alias="referenceNumber")
    building_id: str = Field(alias="buildingId")
    apartment_id: str = Field(alias="apartmentId")
    period_start: date = Field(alias="periodStart")
    period_end: date = Field(alias="periodEnd")
    issue_date: date = Field(alias="issueDate")
    due_date: date = Field(alias="dueDate")
    status: InvoiceStatus = "draft"
    currency: str = "EUR"
    lines: list[InvoiceLine] = Field(default_factory=list)
    subtotal_cents: int = Field(alias="subtotalCents")
    vat_total_cents: int = Field(alias="vatTotalCents")
    total_cents: int = Field(alias="totalCents")
    amount_paid_cents: int = Field(default=0, alias="amountPaidCents")
    balance_due_cents: int = Field(alias="balanceDueCents")
    paid_date: date | None = Field(default=None, alias="paidDate")
    recipient: Recipient = Field(default_factory=Recipient)
    credit_note_of: str | None = Field(default=None, alias="creditNoteOf")  # set on credit notes
    cancelled_by: str | None = Field(default=None, alias="cancelledBy")  # credit note id on the original
    pdf_key: str | None = Field(default=None, alias="pdfKey")
    # invoicing: provenance and life-cycle stamps
    job_id: str | None = Field(default=None, alias="jobId")  # the generation job that created it
    reference: str | None = None  # free text set by PATCH (e.g. a payment order's reference)
    sent_at: str | None = Field(default=None, alias="sentAt")
    overdue_at: str | None = Field(default=None, alias="overdueAt")
    cancelled_at: str | None = Field(default=None, alias="cancelledAt")
    reminder_level: int = Field(default=0, alias="reminderLevel")  # the highest reminder level sent (0: none)
    credited_cents: int = Field(default=0, alias="creditedCents")  # partial credit notes (balance = total-paid-this)
    # accounts: what the apartment's ledger said when the invoice was generated (None on credit notes, old ones)
    previous_balance_cents: int | None = Field(default=None, alias="previousBalanceCents")
    payments_received_cents: int | None = Field(default=None, alias="paymentsReceivedCents")
    total_to_pay_cents: int | None = Field(default=None, alias="totalToPayCents")
    version: int = 0  # optimistic lock for payments and transitions
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


INVOICE_STATUSES: tuple[InvoiceStatus, ...] = get_args(InvoiceStatus)
"""The one status set, in life-cycle order (draft, sent, paid, overdue, cancelled)."""
