"""Meters and readings: the entities and their literals (rules of readings: domain.readings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, WithJsonSchema

from urbaneta.domain.entity import BuildingPart, Entity

MeterType = Literal["cold_water", "hot_water", "heating", "electricity", "gas"]


MeterUnit = Literal["m3", "kWh", "MWh"]


ReadingStatus = Literal["submitted", "confirmed", "rejected"]


class Meter(BuildingPart):
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


Quantity = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}),
]
"""A meter quantity in the meter's unit on the wire (events): an exact decimal string (``"123.456"``)."""
