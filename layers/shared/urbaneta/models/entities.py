"""Stored entities shared across capabilities. Repositories turn items into these and back; API response
models are built from them. Money is integer cents (``...Cents``); quantities and prices are Decimal.

Ownership: buildings/apartments/charges (store.buildings), meters/readings (store.meters), invoices and jobs
(store.invoices), payments (store.payments). Other capabilities read through those repositories only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ChargeType = Literal["per_area", "per_apartment", "per_resident", "metered", "shared_by_area"]
MeterType = Literal["cold_water", "hot_water", "heating", "electricity", "gas"]
MeterUnit = Literal["m3", "kWh", "MWh"]
ReadingStatus = Literal["submitted", "confirmed", "rejected"]
InvoiceStatus = Literal["draft", "sent", "paid", "overdue", "cancelled"]


class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Address(Entity):
    street: str
    city: str
    postal_code: str = Field(alias="postalCode")
    country: str


class BillingSettings(Entity):
    due_days: int = Field(default=14, alias="dueDays")
    vat_rate: Decimal = Field(default=Decimal(0), alias="vatRate")  # percent, e.g. 22
    iban: str | None = None
    bank_name: str | None = Field(default=None, alias="bankName")
    invoice_prefix: str | None = Field(default=None, alias="invoicePrefix")
    late_interest_daily_rate: Decimal | None = Field(default=None, alias="lateInterestDailyRate")  # percent/day


class Building(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    name: str
    address: Address
    currency: str = "EUR"
    billing: BillingSettings = Field(default_factory=BillingSettings)
    metadata: dict[str, str] = Field(default_factory=dict)
    status: Literal["active", "archived"] = "active"
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Apartment(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
    number: str
    area: Decimal  # m²
    residents_count: int = Field(default=0, alias="residentsCount")
    owner_name: str | None = Field(default=None, alias="ownerName")
    email: str | None = None
    reference_number: str = Field(alias="referenceNumber")  # permanent 7-3-1 payment reference
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Charge(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
    name: str
    type: ChargeType
    unit_price: Decimal = Field(alias="unitPrice")  # major units; shared_by_area: the building total
    vat_rate: Decimal | None = Field(default=None, alias="vatRate")  # None: the building's rate
    meter_type: MeterType | None = Field(default=None, alias="meterType")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Meter(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
    apartment_id: str | None = Field(default=None, alias="apartmentId")  # None: common meter of the building
    type: MeterType
    unit: MeterUnit
    serial_number: str = Field(alias="serialNumber")
    initial_reading: Decimal | None = Field(default=None, alias="initialReading")
    status: Literal["active", "replaced"] = "active"
    replaces_meter_id: str | None = Field(default=None, alias="replacesMeterId")
    replaced_by_meter_id: str | None = Field(default=None, alias="replacedByMeterId")
    initial_reading_date: date | None = Field(default=None, alias="initialReadingDate")
    metadata: dict[str, str] = Field(default_factory=dict)
    # the latest reading that is not rejected: the baseline of the next one (kept by store.meters)
    last_reading_id: str | None = Field(default=None, alias="lastReadingId")
    last_reading_value: Decimal | None = Field(default=None, alias="lastReadingValue")
    last_reading_date: date | None = Field(default=None, alias="lastReadingDate")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Reading(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    meter_id: str = Field(alias="meterId")
    building_id: str = Field(alias="buildingId")
    apartment_id: str | None = Field(default=None, alias="apartmentId")
    value: Decimal
    reading_date: date = Field(alias="readingDate")
    consumption: Decimal
    status: ReadingStatus = "submitted"
    flagged: bool = False
    photo_key: str | None = Field(default=None, alias="photoKey")
    submitted_by: str | None = Field(default=None, alias="submittedBy")
    kind: Literal["regular", "initial", "final"] = "regular"  # initial/final: installation and replacement
    days: int | None = None  # days since the previous reading (None for an initial reading)
    reason: str | None = None  # why a manager rejected it
    decided_by: str | None = Field(default=None, alias="decidedBy")
    decided_at: str | None = Field(default=None, alias="decidedAt")
    created_at: str = Field(alias="createdAt")


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
    version: int = 0  # optimistic lock for payments and transitions
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Job(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    type: Literal["invoice_generation", "invoice_sending"]
    status: Literal["queued", "running", "completed", "failed"] = "queued"
    total: int = 0
    processed: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = Field(default_factory=list)
    # invoicing: what the job works on
    building_id: str | None = Field(default=None, alias="buildingId")
    period_start: date | None = Field(default=None, alias="periodStart")
    period_end: date | None = Field(default=None, alias="periodEnd")
    params: dict[str, str] = Field(default_factory=dict)  # e.g. issueDate, dueDate of a generation
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
