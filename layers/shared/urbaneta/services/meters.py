"""Meters, readings and meter photos: the orchestration behind functions/meters."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from urbaneta.adapters import photos
from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import events
from urbaneta.domain import readings as rules
from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, FieldError, NotFound, ValidationFailed
from urbaneta.models.meters import (
    MAX_IMAGE_BYTES,
    MeterCreate,
    MeterOut,
    MeterReplace,
    MeterUpdate,
    OcrOut,
    OcrRequest,
    PhotoUploadCreate,
    PhotoUploadOut,
    ReadingCreate,
    ReadingOut,
)
from urbaneta.observability import logger, metrics
from urbaneta.store import buildings as buildings_store
from urbaneta.store import meters as store
from urbaneta.store.pages import Page, PageRequest

# --- meters -----------------------------------------------------------------------------------------------------


def visible_meter(p: Principal, meter_id: str) -> Meter:
    """A meter of the caller's tenant that the caller may see (residents: their apartments' meters only)."""
    m = store.get_meter(p.tenant_id, meter_id)
    if not p.can_see_apartment(m.apartment_id):
        raise NotFound("No such meter.")
    return m


def _check_apartment(p: Principal, building_id: str, apartment_id: str) -> None:
    apartment = buildings_store.get_apartment(p.tenant_id, apartment_id)
    if apartment.building_id != building_id:
        raise ValidationFailed.one("apartmentId", "is not an apartment of this building")


def create_meter(p: Principal, body: MeterCreate) -> MeterOut:
    buildings_store.get_building(p.tenant_id, body.building_id)
    if body.apartment_id:
        _check_apartment(p, body.building_id, body.apartment_id)
    if body.initial_reading_date is not None and body.initial_reading is None:
        raise ValidationFailed.one("initialReadingDate", "is only allowed with initialReading")
    on = body.initial_reading_date or today()
    if on > today():
        raise ValidationFailed.one("initialReadingDate", "must not be in the future")
    now = now_iso()
    meter = Meter(id=new_id(), tenant_id=p.tenant_id, building_id=body.building_id, apartment_id=body.apartment_id,
                  type=body.type, unit=body.unit, serial_number=body.serial_number,
                  initial_reading=body.initial_reading,
                  initial_reading_date=on if body.initial_reading is not None else None,
                  metadata=body.metadata, created_at=now, updated_at=now)
    initial = None
    if body.initial_reading is not None:
        initial = _installation_reading(p, meter, body.initial_reading, on, now)
        meter = meter.model_copy(update={"last_reading_id": initial.id, "last_reading_value": initial.value,
                                         "last_reading_date": initial.reading_date})
    store.create_meter(meter, initial)
    return MeterOut.of(meter)


def _installation_reading(p: Principal, meter: Meter, value: Decimal, on: date, now: str) -> Reading:
    return Reading(id=new_id(), tenant_id=meter.tenant_id, meter_id=meter.id, building_id=meter.building_id,
                   apartment_id=meter.apartment_id, value=value, reading_date=on, consumption=Decimal(0),
                   status="confirmed", kind="initial", submitted_by=p.user_id, decided_by=p.user_id, decided_at=now,
                   created_at=now)


def get_meter(p: Principal, meter_id: str) -> MeterOut:
    return MeterOut.of(visible_meter(p, meter_id))


def list_meters(p: Principal, *, building_id: str, apartment_id: str | None, limit: str | None,
                cursor: str | None) -> Page[MeterOut]:
    req = PageRequest.parse(p.tenant_id, f"GET /meters?buildingId={building_id}&apartmentId={apartment_id or ''}",
                            limit=limit, cursor=cursor)
    buildings_store.get_building(p.tenant_id, building_id)
    only: list[str] | None = None
    if apartment_id:
        if not p.can_see_apartment(apartment_id):
            raise NotFound("No such apartment.")
    elif not p.is_staff:
        only = sorted(p.apartment_ids)
        if not only:
            return Page([])
    meters, last = store.list_meters_page(p.tenant_id, building_id, apartment_id=apartment_id, limit=req.limit,
                                          start_key=req.start, only_apartments=only)
    return req.page([MeterOut.of(m) for m in meters], last)


def update_meter(p: Principal, meter_id: str, body: MeterUpdate) -> MeterOut:
    before = visible_meter(p, meter_id)
    given = body.model_fields_set
    changes: dict[str, Any] = {"updated_at": now_iso()}
    if "serial_number" in given:
        if body.serial_number is None:
            raise ValidationFailed.one("serialNumber", "must not be null")
        changes["serial_number"] = body.serial_number
    if "apartment_id" in given:
        if body.apartment_id:
            _check_apartment(p, before.building_id, body.apartment_id)
        changes["apartment_id"] = body.apartment_id
    if "metadata" in given:
        changes["metadata"] = body.metadata or {}
    after = before.model_copy(update=changes)
    store.update_meter(before, after)
    return MeterOut.of(after)


def replace_meter(p: Principal, meter_id: str, body: MeterReplace) -> MeterOut:
    old = visible_meter(p, meter_id)
    if old.status != "active":
        raise Conflict("The meter was already replaced.")
    previous = _baseline(old)
    rules.check_new_reading(body.final_reading, body.replaced_on, today=today(), previous=previous, unit=old.unit,
                            value_field="finalReading", date_field="replacedOn")
    now = now_iso()
    initial_value = body.initial_reading if body.initial_reading is not None else Decimal(0)
    final = Reading(id=new_id(), tenant_id=p.tenant_id, meter_id=old.id, building_id=old.building_id,
                    apartment_id=old.apartment_id, value=body.final_reading, reading_date=body.replaced_on,
                    consumption=rules.consumption(body.final_reading, previous),
                    days=rules.days_between(previous, body.replaced_on), status="confirmed", kind="final",
                    submitted_by=p.user_id, decided_by=p.user_id, decided_at=now, created_at=now)
    new = Meter(id=new_id(), tenant_id=p.tenant_id, building_id=old.building_id, apartment_id=old.apartment_id,
                type=old.type, unit=old.unit, serial_number=body.serial_number, initial_reading=initial_value,
                initial_reading_date=body.replaced_on, replaces_meter_id=old.id, metadata=old.metadata,
                created_at=now, updated_at=now)
    initial = _installation_reading(p, new, initial_value, body.replaced_on, now)
    new = new.model_copy(update={"last_reading_id": initial.id, "last_reading_value": initial.value,
                                 "last_reading_date": initial.reading_date})
    store.replace_meter(old, final, new, initial)
    publish([domain_event("meter.replaced", p.tenant_id, events.MeterReplaced(
        meter_id=old.id, new_meter_id=new.id, building_id=old.building_id, apartment_id=old.apartment_id,
        type=old.type, unit=old.unit, replaced_on=body.replaced_on, final_reading=body.final_reading,
        initial_reading=initial_value, new_serial_number=new.serial_number))])
    return MeterOut.of(new)


# --- readings -----------------------------------------------------------------------------------------------------


def _baseline(m: Meter) -> rules.Baseline | None:
    if m.last_reading_id and m.last_reading_value is not None and m.last_reading_date is not None:
        return rules.Baseline(m.last_reading_value, m.last_reading_date)
    return None


@dataclass(frozen=True)
class Photo:
    data: bytes | None  # new bytes to store, or None to keep an existing upload
    content_type: str
    upload_key: str | None = None


def _record_reading(p: Principal, m: Meter, value: Decimal, on: date, photo: Photo | None,
                    *, value_field: str = "value", date_field: str = "readingDate") -> Reading:
    if m.status != "active":
        raise Conflict("The meter was replaced; submit readings to its successor "
                       f"({m.replaced_by_meter_id}).")
    previous = _baseline(m)
    rules.check_new_reading(value, on, today=today(), previous=previous, unit=m.unit, value_field=value_field,
                            date_field=date_field)
    amount = rules.consumption(value, previous)
    days = rules.days_between(previous, on)
    history = store.readings_before(p.tenant_id, m.id, "9999", limit=rules.FLAG_HISTORY)
    reading_id = new_id()
    photo_key = None
    if photo is not None:
        photo_key = photos.reading_key(p.tenant_id, m.id, reading_id, photo.content_type)
        if photo.data is not None:
            photos.put_photo(photo_key, photo.data, photo.content_type, tenant_id=p.tenant_id)
        elif photo.upload_key is not None:
            photos.keep(photo.upload_key, photo_key)
    r = Reading(id=reading_id, tenant_id=p.tenant_id, meter_id=m.id, building_id=m.building_id,
                apartment_id=m.apartment_id, value=value, reading_date=on, consumption=amount, days=days,
                status="submitted", kind="regular", flagged=rules.is_far_above_usual(amount, days, history),
                photo_key=photo_key, submitted_by=p.user_id, created_at=now_iso())
    try:
        store.add_reading(m, r)
    except Conflict:
        if photo_key is not None:
            photos.remove(photo_key)
        raise
    publish([domain_event("reading.submitted", p.tenant_id, events.ReadingSubmitted(**_event_data(m, r)))])
    if r.flagged:
        metrics.add_metric(name="ReadingsFlagged", unit="Count", value=1)
    return r


def _event_data(m: Meter, r: Reading) -> dict[str, Any]:
    """The fields every reading event shares (``events.ReadingData``)."""
    return {"reading_id": r.id, "meter_id": m.id, "building_id": m.building_id, "apartment_id": m.apartment_id,
            "meter_type": m.type, "unit": m.unit, "value": r.value, "reading_date": r.reading_date,
            "consumption": r.consumption, "status": r.status, "flagged": r.flagged}


def submit_reading(p: Principal, meter_id: str, body: ReadingCreate) -> ReadingOut:
    m = visible_meter(p, meter_id)
    photo = None
    if body.photo_key is not None:
        content_type = photos.upload_content_type(p.tenant_id, body.photo_key)
        if content_type is None or not photos.exists(body.photo_key):
            raise ValidationFailed.one("photoKey", "is not a photo uploaded through POST /meters/ocr by this "
                                                   "organisation")
        photo = Photo(data=None, content_type=content_type, upload_key=body.photo_key)
    return ReadingOut.of(_record_reading(p, m, body.value, body.reading_date, photo))


def list_readings(p: Principal, meter_id: str, *, status: str | None, limit: str | None,
                  cursor: str | None) -> Page[ReadingOut]:
    req = PageRequest.parse(p.tenant_id, f"GET /meters/{meter_id}/readings?status={status or ''}", limit=limit,
                            cursor=cursor)
    items, last = store.list_readings_page(p.tenant_id, meter_id, limit=req.limit, start_key=req.start,
                                           newest_first=True, status=status)
    # Readings carry their meter's apartment, so a non-empty page proves visibility without reading the meter;
    # only an empty first page needs the meter itself (an unknown or foreign meter is 404, not an empty list).
    if any(not p.can_see_apartment(r.apartment_id) for r in items):
        raise NotFound("No such meter.")
    if not items and req.is_first:
        visible_meter(p, meter_id)
    return req.page([ReadingOut.of(r) for r in items], last)


def get_reading(p: Principal, meter_id: str, reading_id: str) -> ReadingOut:
    """One read: the reading names its meter's apartment, which is what a resident's visibility depends on."""
    reading = store.get_reading(p.tenant_id, meter_id, reading_id)
    if not p.can_see_apartment(reading.apartment_id):
        raise NotFound("No such reading.")
    return ReadingOut.of(reading)


def confirm_reading(p: Principal, meter_id: str, reading_id: str) -> ReadingOut:
    m = visible_meter(p, meter_id)
    r = store.get_reading(p.tenant_id, meter_id, reading_id)
    confirmed = store.confirm_reading(r, by=p.user_id, at=now_iso())
    publish([domain_event("reading.confirmed", p.tenant_id, events.ReadingConfirmed(
        **_event_data(m, confirmed), confirmed_by=p.user_id))])
    return ReadingOut.of(confirmed)


def reject_reading(p: Principal, meter_id: str, reading_id: str, reason: str | None) -> ReadingOut:
    m = visible_meter(p, meter_id)
    r = store.get_reading(p.tenant_id, meter_id, reading_id)
    if r.status != "submitted":
        raise Conflict(f"The reading is {r.status}; only a submitted reading can be rejected.")
    sort_key = store.reading_sort_key(r)
    before = store.readings_before(p.tenant_id, meter_id, sort_key, limit=1)
    previous = before[0] if before else None
    successor: Reading | None = None
    successor_consumption: Decimal | None = None
    successor_days: int | None = None
    if m.last_reading_id != r.id:
        after = store.readings_after(p.tenant_id, meter_id, sort_key, limit=1)
        successor = after[0] if after else None
        if successor is not None:
            base = rules.Baseline(previous.value, previous.reading_date) if previous else None
            successor_consumption = rules.consumption(successor.value, base)
            successor_days = rules.days_between(base, successor.reading_date)
    now = now_iso()
    store.reject_reading(m, r, by=p.user_id, at=now, reason=reason, previous=previous, successor=successor,
                         successor_consumption=successor_consumption, successor_days=successor_days)
    rejected = r.model_copy(update={"status": "rejected", "decided_by": p.user_id, "decided_at": now,
                                    "reason": reason})
    publish([domain_event("reading.rejected", p.tenant_id, events.ReadingRejected(
        **_event_data(m, rejected), rejected_by=p.user_id, reason=reason))])
    return ReadingOut.of(rejected)


# --- photos (OCR) -----------------------------------------------------------------------------------------------


def _decode_image(raw: str) -> tuple[bytes, str]:
    from urbaneta.adapters.ocr import image_type

    text = raw.strip()
    if text.startswith("data:") and "," in text:  # a data URL: the type it names is not trusted either
        text = text.split(",", 1)[1]
    if len(text) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
        raise ValidationFailed.one("image", "must be at most 5 MB")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed.one("image", "is not valid base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed.one("image", "must be at most 5 MB")
    content_type = image_type(data)
    if content_type is None:
        raise ValidationFailed.one("image", "must be a JPEG or PNG image (judged by its content)")
    _check_dimensions("image", data)
    return data, content_type


def _check_dimensions(field: str, data: bytes) -> None:
    from urbaneta.adapters.ocr import MAX_PIXELS, image_size

    size = image_size(data)
    if size is None or size[0] < 1 or size[1] < 1:
        raise ValidationFailed.one(field, "the image is damaged: no width and height found")
    if size[0] * size[1] > MAX_PIXELS:
        raise ValidationFailed.one(field, f"at most {MAX_PIXELS // 1_000_000} megapixels")


def read_photo(p: Principal, body: OcrRequest) -> OcrOut:
    """Read a meter photo, keep it, and (with submit) record the value as a reading of the meter."""
    from urbaneta.adapters.ocr import engine_name, get_engine
    from urbaneta.adapters.ocr.register import Unreadable, find_register, full_text

    errors: list[FieldError] = []
    if (body.image is None) == (body.photo_key is None):
        errors.append(FieldError("image", "send either image or photoKey (exactly one)"))
    if body.submit and not body.meter_id:
        errors.append(FieldError("meterId", "is required with submit"))
    if body.reading_date is not None and not body.submit:
        errors.append(FieldError("readingDate", "is only used with submit"))
    if errors:
        raise ValidationFailed("The request is invalid.", errors=errors)
    meter = visible_meter(p, body.meter_id) if body.meter_id else None
    if body.image is not None:
        data, content_type = _decode_image(body.image)
        uploaded = None
    else:
        uploaded = str(body.photo_key)
        data, content_type = _uploaded_image(p, uploaded)
    started = time.perf_counter()
    tokens = get_engine().read(data)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    logger.info("meter photo read", extra={"engine": engine_name(), "ms": elapsed_ms, "words": len(tokens),
                                           "bytes": len(data)})
    metrics.add_metric(name="MeterPhotosRead", unit="Count", value=1)
    text = full_text(tokens)
    try:
        register = find_register(tokens)
    except Unreadable as exc:
        raise ValidationFailed("The photo shows no readable meter register.", errors=[
            FieldError("image", str(exc))]) from exc
    if body.submit and meter is not None:
        photo = Photo(data=None, content_type=content_type, upload_key=uploaded) if uploaded else \
            Photo(data=data, content_type=content_type)
        reading = _record_reading(p, meter, register.value, body.reading_date or today(), photo)
        assert reading.photo_key is not None
        return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=reading.photo_key,
                      reading=ReadingOut.of(reading))
    if uploaded is not None:
        return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=uploaded)
    key = photos.upload_key(p.tenant_id, new_id(), content_type)
    photos.put_photo(key, data, content_type, tenant_id=p.tenant_id)
    return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=key)


def _uploaded_image(p: Principal, key: str) -> tuple[bytes, str]:
    """A photo uploaded with POST /meters/photos: of this tenant, present, at most 5 MB, and the type it was
    announced as — judged by its bytes."""
    from urbaneta.adapters.ocr import image_type

    announced = photos.upload_content_type(p.tenant_id, key)
    try:
        data = photos.read(key, max_bytes=MAX_IMAGE_BYTES) if announced else None
    except ValueError as exc:
        raise ValidationFailed.one("photoKey", "the photo must be at most 5 MB") from exc
    if announced is None or data is None:
        raise ValidationFailed.one("photoKey", "is not a photo uploaded by this organisation")
    if image_type(data) != announced:
        raise ValidationFailed.one("photoKey", f"the upload is not the {announced} it was announced as")
    _check_dimensions("photoKey", data)
    return data, announced


def photo_upload(p: Principal, body: PhotoUploadCreate) -> PhotoUploadOut:
    """A presigned S3 POST for one photo (at most 5 MB) under the tenant, to read with POST /meters/ocr."""
    key = photos.upload_key(p.tenant_id, new_id(), body.content_type)
    url, fields = photos.presigned_upload(key, body.content_type, max_bytes=MAX_IMAGE_BYTES)
    return PhotoUploadOut(photo_key=key, upload_url=url, fields=fields, expires_in=photos.UPLOAD_SECONDS,
                          max_bytes=MAX_IMAGE_BYTES)
