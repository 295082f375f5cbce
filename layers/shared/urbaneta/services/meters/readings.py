"""Meter readings: submit (with an optional photo), list, read, confirm and reject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from urbaneta.adapters import photos
from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import readings as rules
from urbaneta.domain.events.meters import ReadingConfirmed, ReadingRejected, ReadingSubmitted
from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.meters import ReadingCreate, ReadingOut
from urbaneta.observability import metrics
from urbaneta.services.meters.inventory import baseline, visible_meter
from urbaneta.store import meters as store
from urbaneta.store.pages import Page, PageRequest


@dataclass(frozen=True)
class Photo:
    data: bytes | None  # new bytes to store, or None to keep an existing upload
    content_type: str
    upload_key: str | None = None


def record_reading(p: Principal, m: Meter, value: Decimal, on: date, photo: Photo | None,
                    *, value_field: str = "value", date_field: str = "readingDate") -> Reading:
    if m.status != "active":
        raise Conflict("The meter was replaced; submit readings to its successor "
                       f"({m.replaced_by_meter_id}).")
    previous = baseline(m)
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
    publish([domain_event("reading.submitted", p.tenant_id, ReadingSubmitted(**_event_data(m, r)))])
    if r.flagged:
        metrics.add_metric(name="ReadingsFlagged", unit="Count", value=1)
    return r


def _event_data(m: Meter, r: Reading) -> dict[str, Any]:
    """The fields every reading event shares (``ReadingData``)."""
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
    return ReadingOut.of(record_reading(p, m, body.value, body.reading_date, photo))


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
    publish([domain_event("reading.confirmed", p.tenant_id, ReadingConfirmed(
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
    publish([domain_event("reading.rejected", p.tenant_id, ReadingRejected(
        **_event_data(m, rejected), rejected_by=p.user_id, reason=reason))])
    return ReadingOut.of(rejected)
