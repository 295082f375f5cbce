"""Event data: Buildings, apartments and charges."""

from __future__ import annotations

from pydantic import Field

from urbaneta.domain.events import EventData


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
