"""Buildings, apartments and charges: the entities (money as integer cents, prices as Decimal)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import BuildingPart, Entity
from urbaneta.domain.languages import Language
from urbaneta.domain.meters import MeterType

BillReadings = Literal["submitted", "confirmed"]
ChargeType = Literal["per_area", "per_apartment", "per_resident", "metered", "shared_by_area"]


class Address(Entity):
    street: str
    city: str
    postal_code: str = Field(alias="postalCode")
    country: str


class ReminderLevel(Entity):
    """One reminder level of a building: when it goes out and what it says (the manager's text, kept as typed)."""

    days_after_due: int = Field(alias="daysAfterDue")
    message: str
    attach_statement: bool = Field(default=False, alias="attachStatement")


class BillingSettings(Entity):
    due_days: int = Field(default=14, alias="dueDays")
    vat_rate: Decimal = Field(default=Decimal(0), alias="vatRate")  # percent, e.g. 22
    iban: str | None = None
    bank_name: str | None = Field(default=None, alias="bankName")
    invoice_prefix: str | None = Field(default=None, alias="invoicePrefix")
    late_interest_daily_rate: Decimal | None = Field(default=None, alias="lateInterestDailyRate")  # percent/day
    reminders: list[ReminderLevel] = Field(default_factory=list)  # ordered by daysAfterDue; level = position + 1
    bill_readings: BillReadings = Field(default="submitted", alias="billReadings")


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


class Apartment(BuildingPart):
    number: str
    area: Decimal  # m²
    residents_count: int = Field(default=0, alias="residentsCount")
    owner_name: str | None = Field(default=None, alias="ownerName")
    email: str | None = None
    language: Language | None = None  # the residents' language; None: the organisation's default
    reminders_paused: bool = Field(default=False, alias="remindersPaused")  # e.g. a payment plan
    # the first day of the current owner (ownerName, email) after an ownership change; None: never changed
    owner_since: date | None = Field(default=None, alias="ownerSince")
    reference_number: str = Field(alias="referenceNumber")  # permanent 7-3-1 payment reference
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Charge(BuildingPart):
    name: str
    type: ChargeType
    unit_price: Decimal = Field(alias="unitPrice")  # major units; shared_by_area: the building total
    vat_rate: Decimal | None = Field(default=None, alias="vatRate")  # None: the building's rate
    meter_type: MeterType | None = Field(default=None, alias="meterType")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
