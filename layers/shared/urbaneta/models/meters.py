"""Requests and responses of /meters, /meters/{id}/readings and /meters/ocr."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PlainSerializer, StrictBool

from urbaneta.domain.meters import Meter, MeterType, MeterUnit, Reading, ReadingStatus
from urbaneta.models.common import ApiModel, Metadata, ResponseModel

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""A meter photo: at most 5 MB (decoded)."""
MAX_OCR_BODY_BYTES = 7_500_000
"""The request body limit of the meters function: a 5 MB image in base64 (6.99 MB) plus the JSON around it."""


def _three_places(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a number")
    if value != value.quantize(Decimal("0.001")):
        raise ValueError("at most 3 decimal places")
    if value < 0:
        raise ValueError("must not be negative")
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def _number_out(value: Decimal) -> float | int:
    # JSON has one number type: the edge is the only place a quantity becomes a JSON number.
    return int(value) if value == value.to_integral_value() else float(value)


Quantity = Annotated[
    Decimal,
    Field(max_digits=15, json_schema_extra={"type": "number", "minimum": 0, "multipleOf": 0.001}),
    AfterValidator(_three_places),
    PlainSerializer(_number_out, return_type=float, when_used="json"),
]
"""A meter value in the meter's unit: not negative, at most 3 decimals (``123.456``)."""

QuantityOut = Annotated[Decimal, PlainSerializer(_number_out, return_type=float, when_used="json")]

Id = Annotated[str, Field(min_length=1, max_length=64)]
Serial = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w./\- ]+$")]


# --- requests -----------------------------------------------------------------------------------------------


class MeterCreate(ApiModel):
    building_id: Id
    apartment_id: Id | None = None
    type: MeterType
    unit: MeterUnit
    serial_number: Serial
    initial_reading: Quantity | None = None
    initial_reading_date: date | None = Field(default=None, description="Defaults to today.")
    metadata: Metadata = Field(default_factory=dict)


class MeterUpdate(ApiModel):
    """Type and unit are fixed for a meter's life; replace the meter instead."""

    serial_number: Serial | None = None
    apartment_id: Id | None = Field(default=None, description="null makes it a common meter of the building.")
    metadata: Metadata | None = None


class MeterReplace(ApiModel):
    """Swap a meter: the old one's final reading and the new one's initial reading on the same day."""

    final_reading: Quantity
    replaced_on: date = Field(description="The day of the swap: date of the final and the initial reading.")
    serial_number: Serial = Field(description="Serial number of the new meter.")
    initial_reading: Quantity | None = Field(default=None, description="The new meter's reading at installation "
                                                                    "(default 0).")


class ReadingCreate(ApiModel):
    value: Quantity
    reading_date: date
    photo_key: Annotated[str, Field(min_length=1, max_length=512)] | None = Field(
        default=None, description="photoKey returned by POST /meters/ocr.")


class ReadingReject(ApiModel):
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class OcrRequest(ApiModel):
    """The photo inline (``image``) or uploaded before with POST /meters/photos (``photoKey``): exactly one."""

    meter_id: Id | None = None
    image: Annotated[str, Field(min_length=1, description="base64 of a JPEG or PNG, at most 5 MB")] | None = None
    photo_key: Annotated[str, Field(min_length=1, max_length=512)] | None = Field(
        default=None, description="An upload made with POST /meters/photos (for photos too large to send inline).")
    submit: StrictBool = Field(default=False, description="Also record the value as a reading of meterId.")
    reading_date: date | None = Field(default=None, description="With submit: the reading's date (default today).")


class PhotoUploadCreate(ApiModel):
    content_type: Literal["image/jpeg", "image/png"]


# --- responses ----------------------------------------------------------------------------------------------


class LastReadingOut(ResponseModel):
    id: str
    value: QuantityOut
    reading_date: date


class MeterOut(ResponseModel):
    id: str
    building_id: str
    apartment_id: str | None
    type: MeterType
    unit: MeterUnit
    serial_number: str
    status: Literal["active", "replaced"]
    initial_reading: QuantityOut | None
    initial_reading_date: date | None
    replaces_meter_id: str | None
    replaced_by_meter_id: str | None
    last_reading: LastReadingOut | None
    metadata: dict[str, str]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, m: Meter) -> MeterOut:
        last = None
        if m.last_reading_id and m.last_reading_value is not None and m.last_reading_date is not None:
            last = LastReadingOut(id=m.last_reading_id, value=m.last_reading_value, reading_date=m.last_reading_date)
        return cls(id=m.id, building_id=m.building_id, apartment_id=m.apartment_id, type=m.type, unit=m.unit,
                   serial_number=m.serial_number, status=m.status, initial_reading=m.initial_reading,
                   initial_reading_date=m.initial_reading_date, replaces_meter_id=m.replaces_meter_id,
                   replaced_by_meter_id=m.replaced_by_meter_id, last_reading=last, metadata=m.metadata,
                   created_at=m.created_at, updated_at=m.updated_at)


class ReadingOut(ResponseModel):
    id: str
    meter_id: str
    building_id: str
    apartment_id: str | None
    value: QuantityOut
    reading_date: date
    consumption: QuantityOut
    days: int | None
    status: ReadingStatus
    kind: Literal["regular", "initial", "final"]
    flagged: bool
    photo_key: str | None
    reason: str | None
    submitted_by: str | None
    decided_by: str | None
    decided_at: str | None
    created_at: str

    @classmethod
    def of(cls, r: Reading) -> ReadingOut:
        return cls(id=r.id, meter_id=r.meter_id, building_id=r.building_id, apartment_id=r.apartment_id,
                   value=r.value, reading_date=r.reading_date, consumption=r.consumption, days=r.days,
                   status=r.status, kind=r.kind, flagged=r.flagged, photo_key=r.photo_key, reason=r.reason,
                   submitted_by=r.submitted_by, decided_by=r.decided_by, decided_at=r.decided_at,
                   created_at=r.created_at)


class OcrOut(ResponseModel):
    value: QuantityOut
    confidence: float = Field(description="0..1: the recognition confidence of the register digits.")
    text: str = Field(description="Everything the engine read on the photo, in reading order.")
    photo_key: str = Field(description="Where the photo is kept; pass it to POST /meters/{id}/readings.")
    reading: ReadingOut | None = Field(default=None, description="With submit: the reading recorded.")


class PhotoUploadOut(ResponseModel):
    """A presigned S3 POST: send ``fields`` plus the file (form field ``file``, last) to ``uploadUrl``."""

    photo_key: str
    upload_url: str
    fields: dict[str, str]
    expires_in: int = Field(description="Seconds the upload stays allowed.")
    max_bytes: int
