"""Event data: Meters and readings."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from urbaneta.domain.events import EventData
from urbaneta.domain.meters import Quantity


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
