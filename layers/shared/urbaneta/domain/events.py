"""The ``data`` of every domain event, one pydantic model per shape (camelCase on the wire).

A service builds one of these after its write and hands it to ``adapters.events.domain_event``; the registry
(``domain/event_types.py``), ``docs/events.md`` and the OpenAPI ``webhooks`` section are derived from them.
Money is a JSON number in major units with two decimals (``142.50``); meter quantities are decimal strings in
the meter's unit (``"123.456"``), so no precision is lost on the way.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from urbaneta.domain.meters import Quantity
from urbaneta.domain.money import Amount
from urbaneta.domain.money import from_cents as amount

if TYPE_CHECKING:
    from urbaneta.domain.invoices import Invoice
    from urbaneta.domain.payments import Payment

class EventData(BaseModel):
    """The base of every event's ``data``: snake_case in Python, camelCase on the wire, nothing else allowed."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


# ---- buildings, apartments, charges --------------------------------------------------------------------------


class BuildingRef(EventData):
    id: str
    name: str


class BuildingCreated(BuildingRef):
    created_by: str


class BuildingUpdated(BuildingRef):
    changes: list[str] = Field(description="top-level fields changed: name, address, currency, billing, metadata")
    updated_by: str


class BuildingArchived(BuildingRef):
    archived_by: str


class BuildingDeleted(BuildingRef):
    deleted_by: str


class ApartmentRef(EventData):
    id: str
    building_id: str
    number: str = Field(description="the apartment's number (after the change)")
    reference_number: str


class ApartmentCreated(ApartmentRef):
    created_by: str


class ApartmentUpdated(ApartmentRef):
    changes: list[str] = Field(description="number, area, residentsCount, ownerName, email, metadata")
    updated_by: str


class ApartmentDeleted(ApartmentRef):
    deleted_by: str


class ChargeRef(EventData):
    id: str
    building_id: str
    name: str
    type: str


class ChargeCreated(ChargeRef):
    created_by: str


class ChargeUpdated(ChargeRef):
    changes: list[str] = Field(description="name, type, unitPrice, vatRate, meterType")
    updated_by: str


class ChargeDeleted(ChargeRef):
    deleted_by: str


# ---- organisations and API keys ------------------------------------------------------------------------------


class OrganizationCreated(EventData):
    tenant_id: str
    name: str
    owner_id: str


class ApiKeyCreatedData(EventData):
    id: str
    name: str
    role: str
    created_by: str


class ApiKeyRevokedData(EventData):
    id: str
    revoked_by: str


class ResidentMovedOut(EventData):
    user_id: str
    apartment_id: str
    building_id: str
    end_date: str
    moved_out_by: str


class UserDisabled(EventData):
    user_id: str
    role: str | None
    revoked_api_keys: list[str]
    disabled_by: str


# ---- meters and readings -------------------------------------------------------------------------------------


class ReadingData(EventData):
    reading_id: str
    meter_id: str
    building_id: str
    apartment_id: str | None = Field(description="null for a common meter")
    meter_type: str
    unit: str
    value: Quantity
    reading_date: date
    consumption: Quantity = Field(description="since the previous reading that is not rejected")
    status: str = Field(description="submitted, confirmed or rejected")
    flagged: bool = Field(description="far above the meter's usual consumption: for the manager to check")


class ReadingSubmitted(ReadingData):
    """A reading as submitted."""


class ReadingConfirmed(ReadingData):
    confirmed_by: str


class ReadingRejected(ReadingData):
    rejected_by: str
    reason: str | None


class MeterReplaced(EventData):
    meter_id: str = Field(description="the old meter")
    new_meter_id: str
    building_id: str
    apartment_id: str | None
    type: str
    unit: str
    replaced_on: date
    final_reading: Quantity = Field(description="the old meter's last value")
    initial_reading: Quantity = Field(description="the new meter's first value")
    new_serial_number: str | None


# ---- maintenance requests and invitations --------------------------------------------------------------------


class MaintenanceData(EventData):
    id: str
    building_id: str
    apartment_id: str | None = Field(description="null for the building as a whole")
    title: str
    priority: str
    status: str = Field(description="after the change")


class MaintenanceCreated(MaintenanceData):
    description: str
    created_by: str


class MaintenanceUpdated(MaintenanceData):
    previous_status: str
    changes: list[str] = Field(description="status, priority, metadata; empty for a comment alone")
    comment: str | None
    updated_by: str
    updated_by_role: str


class InvitationRef(EventData):
    id: str
    apartment_id: str
    building_id: str


class InvitationCreated(InvitationRef):
    email: str
    role: str = Field(description="owner or tenant")
    expires_at: str
    invited_by: str


class InvitationAccepted(InvitationRef):
    user_id: str
    role: str
    linked_existing_user: bool


class InvitationCancelled(InvitationRef):
    email: str
    cancelled_by: str


# ---- invoices and payments -----------------------------------------------------------------------------------


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


# ---- webhooks ------------------------------------------------------------------------------------------------


class WebhookTest(EventData):
    webhook_id: str
    url: str
