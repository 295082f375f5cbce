"""Meters: register, read, list, change and replace a building's or an apartment's meters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import readings as rules
from urbaneta.domain.events.meters import MeterReplaced
from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.meters import MeterCreate, MeterOut, MeterReplace, MeterUpdate
from urbaneta.store import buildings as buildings_store
from urbaneta.store import meters as store
from urbaneta.store.pages import Page, PageRequest


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


def update_meter(p: Principal, meter_id: str, body: MeterUpdate, if_match: str | None = None) -> MeterOut:
    before = visible_meter(p, meter_id)
    require_match(if_match, MeterOut.of(before))
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
    previous = baseline(old)
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
    publish([domain_event("meter.replaced", p.tenant_id, MeterReplaced(
        meter_id=old.id, new_meter_id=new.id, building_id=old.building_id, apartment_id=old.apartment_id,
        type=old.type, unit=old.unit, replaced_on=body.replaced_on, final_reading=body.final_reading,
        initial_reading=initial_value, new_serial_number=new.serial_number))])
    return MeterOut.of(new)


def baseline(m: Meter) -> rules.Baseline | None:
    if m.last_reading_id and m.last_reading_value is not None and m.last_reading_date is not None:
        return rules.Baseline(m.last_reading_value, m.last_reading_date)
    return None
