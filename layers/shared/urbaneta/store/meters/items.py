"""Meter and reading items: the mapping, the reading sort key, and the latest-reading pointer's condition."""

from __future__ import annotations

from typing import Any

from urbaneta.domain.meters import Meter, Reading
from urbaneta.store import keys
from urbaneta.store.table import Item, plain_item, strip_keys

SERIAL_TAKEN = "serialNumber is already used by another meter of this building."


CHANGED = "The meter's readings changed at the same time; try again."




def meter_item(m: Meter) -> Item:
    item = {**keys.meter(m.tenant_id, m.id), **keys.meters_index(m.tenant_id, m.building_id, m.created_at, m.id),
            "entity": "meter", **plain_item(m)}
    if m.apartment_id:
        item.update(keys.apartment_meters_index(m.tenant_id, m.apartment_id, m.created_at, m.id))
    return item


def reading_item(r: Reading) -> Item:
    return {**keys.reading(r.tenant_id, r.meter_id, r.id),
            **keys.readings_index(r.tenant_id, r.meter_id, r.reading_date.isoformat(), r.created_at, r.id),
            **keys.building_readings_index(r.tenant_id, r.building_id, r.reading_date.isoformat(), r.meter_id,
                                           r.created_at, r.id),
            "entity": "reading", **plain_item(r)}


def serial_guard_item(m: Meter) -> Item:
    return {**keys.meter_serial(m.tenant_id, m.building_id, m.serial_number), "entity": "meter_serial",
            "tenantId": m.tenant_id, "meterId": m.id}


def meter_of(item: Item) -> Meter:
    return Meter.model_validate(strip_keys(item))


def reading_of(item: Item) -> Reading:
    return Reading.model_validate(strip_keys(item))


def reading_sort_key(r: Reading) -> str:
    return keys.readings_sort(r.reading_date.isoformat(), r.created_at, r.id)


def pointer_vals(r: Reading | None) -> dict[str, Any]:
    return {":rid": r.id if r else None, ":rval": r.value if r else None,
            ":rdate": r.reading_date.isoformat() if r else None}


def last_names() -> dict[str, str]:
    return {"#lr": "lastReadingId"}


def last_condition(m: Meter) -> tuple[str, dict[str, Any]]:
    """The meter's reading pointer is still where we read it: the condition and its values."""
    if m.last_reading_id:
        return "#lr = :prev", {":prev": m.last_reading_id}
    return "attribute_not_exists(#lr)", {}
