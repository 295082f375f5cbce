"""Meters and their readings in the single table.

- A meter: ``PK = T#<t>#M#<id>``, ``SK = METER``; listed per building (GSI1) and per apartment (GSI2).
- Its serial number is unique within its building through a guard item written in the same transaction.
- Its readings live in the meter's item collection (``SK = READING#<id>``) and are ordered by reading date in
  GSI1 (``T#<t>#M#<id>#READINGS``, ``<readingDate>#<createdAt>#<id>``).
- The meter item keeps a pointer to its latest reading that is not rejected (``lastReadingId``/``Value``/
  ``Date``). Every reading write moves the pointer with a condition on its previous value, so two
  concurrent submissions can never both be computed against the same baseline.

Other capabilities use ``get_meter``, ``list_meters``, ``list_readings`` (invoice generation) and
``delete_meters_of_building`` (the building delete cascade).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any

from pydantic import BaseModel

from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys
from urbaneta.store.table import ConditionFailed, Item, batch_write, get, query_all, query_page, strip_keys
from urbaneta.store.transactions import transact, tx_check, tx_delete, tx_put, tx_update

SERIAL_TAKEN = "serialNumber is already used by another meter of this building."
CHANGED = "The meter's readings changed at the same time; try again."


# --- item mapping -------------------------------------------------------------------------------------------


def _plain(model: BaseModel) -> Item:
    out: Item = {}
    for name, value in model.model_dump(by_alias=True, exclude_none=True).items():
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def meter_item(m: Meter) -> Item:
    item = {**keys.meter(m.tenant_id, m.id), **keys.meters_index(m.tenant_id, m.building_id, m.created_at, m.id),
            "entity": "meter", **_plain(m)}
    if m.apartment_id:
        item.update(keys.apartment_meters_index(m.tenant_id, m.apartment_id, m.created_at, m.id))
    return item


def reading_item(r: Reading) -> Item:
    return {**keys.reading(r.tenant_id, r.meter_id, r.id),
            **keys.readings_index(r.tenant_id, r.meter_id, r.reading_date.isoformat(), r.created_at, r.id),
            "entity": "reading", **_plain(r)}


def serial_guard_item(m: Meter) -> Item:
    return {**keys.meter_serial(m.tenant_id, m.building_id, m.serial_number), "entity": "meter_serial",
            "tenantId": m.tenant_id, "meterId": m.id}


def _meter(item: Item) -> Meter:
    return Meter.model_validate(strip_keys(item))


def _reading(item: Item) -> Reading:
    return Reading.model_validate(strip_keys(item))


def reading_sort_key(r: Reading) -> str:
    return keys.readings_sort(r.reading_date.isoformat(), r.created_at, r.id)


# --- meters ---------------------------------------------------------------------------------------------------


def _pointer_vals(r: Reading | None) -> dict[str, Any]:
    return {":rid": r.id if r else None, ":rval": r.value if r else None,
            ":rdate": r.reading_date.isoformat() if r else None}


def create_meter(m: Meter, initial: Reading | None = None) -> None:
    """The meter, its serial guard and (optionally) its initial reading, all or nothing. 409 on a taken serial."""
    item = meter_item(m)
    if initial is not None:
        item.update({"lastReadingId": initial.id, "lastReadingValue": initial.value,
                     "lastReadingDate": initial.reading_date.isoformat()})
    ops = [tx_put(item, label="meter"), tx_put(serial_guard_item(m), label="serial")]
    if initial is not None:
        ops.append(tx_put(reading_item(initial), label="reading"))
    try:
        transact(ops)
    except ConditionFailed as exc:
        raise Conflict(SERIAL_TAKEN if "serial" in exc.labels else "The meter already exists.") from exc


def get_meter(tenant_id: str, meter_id: str) -> Meter:
    item = get(keys.meter(tenant_id, meter_id))
    if item is None:
        raise NotFound("No such meter.")
    return _meter(item)


def list_meters(tenant_id: str, building_id: str) -> list[Meter]:
    """Every meter of a building (active and replaced), oldest first. For workers (billing)."""
    return [_meter(i) for i in query_all(keys.meters_partition(tenant_id, building_id), index="GSI1")]


def list_meters_page(tenant_id: str, building_id: str, *, apartment_id: str | None, limit: int,
                     start_key: dict[str, Any] | None, only_apartments: Sequence[str] | None = None,
                     ) -> tuple[list[Meter], dict[str, Any] | None]:
    """One Query: the building's meters (GSI1) or one apartment's (GSI2, filtered to the building).
    ``only_apartments`` narrows a building list to those apartments (a resident's view)."""
    filter_expression: str | None = None
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    if apartment_id:
        filter_expression, names, vals = "#b = :b", {"#b": "buildingId"}, {":b": building_id}
        items, last = query_page(keys.apartment_meters_partition(tenant_id, apartment_id), index="GSI2",
                                 limit=limit, start_key=start_key, filter_expression=filter_expression,
                                 filter_names=names, filter_values=vals)
        return [_meter(i) for i in items], last
    if only_apartments is not None:
        value_names = [f":a{i}" for i in range(len(only_apartments))] or [":none"]
        filter_expression = f"#a IN ({', '.join(value_names)})"
        names = {"#a": "apartmentId"}
        vals = dict(zip(value_names, only_apartments, strict=False)) if only_apartments else {":none": "-"}
    items, last = query_page(keys.meters_partition(tenant_id, building_id), index="GSI1", limit=limit,
                             start_key=start_key, filter_expression=filter_expression,
                             filter_names=names or None, filter_values=vals or None)
    return [_meter(i) for i in items], last


def update_meter(before: Meter, after: Meter) -> None:
    """Write the changeable fields of a meter (serial number, apartment, metadata). A new serial moves the guard
    in the same transaction; a concurrent change of the same fields is 409."""
    sets = ["serialNumber = :sn", "metadata = :md", "updatedAt = :now"]
    removes: list[str] = []
    vals: dict[str, Any] = {":sn": after.serial_number, ":md": after.metadata, ":now": after.updated_at,
                            ":u": before.updated_at}
    names = {"#u": "updatedAt"}
    if after.apartment_id:
        sets += ["apartmentId = :apt", "GSI2PK = :g2pk", "GSI2SK = :g2sk"]
        g2 = keys.apartment_meters_index(after.tenant_id, after.apartment_id, after.created_at, after.id)
        vals.update({":apt": after.apartment_id, ":g2pk": g2["GSI2PK"], ":g2sk": g2["GSI2SK"]})
    else:
        removes += ["apartmentId", "GSI2PK", "GSI2SK"]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    ops = [tx_update(keys.meter(after.tenant_id, after.id), expression, names=names, vals=vals,
                     condition="attribute_exists(PK) AND #u = :u", label="meter")]
    old_guard = keys.meter_serial(before.tenant_id, before.building_id, before.serial_number)
    if old_guard != keys.meter_serial(after.tenant_id, after.building_id, after.serial_number):
        ops.append(tx_put(serial_guard_item(after), label="serial"))
        ops.append(tx_delete(old_guard, label="old serial"))
    try:
        transact(ops)
    except ConditionFailed as exc:
        raise Conflict(SERIAL_TAKEN if "serial" in exc.labels else "The meter changed at the same time; try again."
                       ) from exc


def replace_meter(old: Meter, final: Reading, new: Meter, initial: Reading) -> None:
    """Swap a meter: the old one's final reading and status ``replaced``, the new meter with its serial guard
    and initial reading. All or nothing; the old meter must still be active with the same latest reading."""
    old_pointer = _pointer_vals(final)
    new_item = meter_item(new)
    new_item.update({"lastReadingId": initial.id, "lastReadingValue": initial.value,
                     "lastReadingDate": initial.reading_date.isoformat()})
    unchanged, prev = _last_condition(old)
    ops = [
        tx_update(keys.meter(old.tenant_id, old.id),
                  "SET #st = :replaced, replacedByMeterId = :new, updatedAt = :now, lastReadingId = :rid, "
                  "lastReadingValue = :rval, lastReadingDate = :rdate",
                  names={"#st": "status", **_last_names()},
                  vals={":replaced": "replaced", ":new": new.id, ":now": new.created_at, ":active": "active",
                        **prev, **old_pointer},
                  condition="#st = :active AND " + unchanged, label="old meter"),
        tx_put(reading_item(final), label="final reading"),
        tx_put(new_item, label="new meter"),
        tx_put(serial_guard_item(new), label="serial"),
        tx_put(reading_item(initial), label="initial reading"),
    ]
    try:
        transact(ops)
    except ConditionFailed as exc:
        if "serial" in exc.labels:
            raise Conflict(SERIAL_TAKEN) from exc
        raise Conflict("The meter was replaced or got a new reading at the same time; try again.") from exc


def delete_meters_of_building(tenant_id: str, building_id: str) -> int:
    """Delete every meter of a building with its readings and serial guards (the building delete cascade).
    Batch deletes of 25; returns the number of items deleted."""
    doomed: list[keys.Key] = []
    for m in list_meters(tenant_id, building_id):
        doomed.append(keys.meter_serial(tenant_id, building_id, m.serial_number))
        for item in query_all(keys.meter_collection(tenant_id, m.id), consistent=True):
            doomed.append({"PK": item["PK"], "SK": item["SK"]})
    batch_write(deletes=doomed)
    return len(doomed)


# --- readings -------------------------------------------------------------------------------------------------


def _last_names() -> dict[str, str]:
    return {"#lr": "lastReadingId"}


def _last_condition(m: Meter) -> tuple[str, dict[str, Any]]:
    """The meter's reading pointer is still where we read it: the condition and its values."""
    if m.last_reading_id:
        return "#lr = :prev", {":prev": m.last_reading_id}
    return "attribute_not_exists(#lr)", {}


def add_reading(m: Meter, r: Reading) -> None:
    """Record a reading that becomes the meter's latest, if the meter is active and its latest reading is
    still the one the reading was computed against (409 otherwise)."""
    unchanged, prev = _last_condition(m)
    ops = [
        tx_update(keys.meter(m.tenant_id, m.id),
                  "SET #lr = :rid, lastReadingValue = :rval, lastReadingDate = :rdate",
                  names={"#st": "status", **_last_names()},
                  vals={":active": "active", **prev, **_pointer_vals(r)},
                  condition="#st = :active AND " + unchanged),
        tx_put(reading_item(r)),
    ]
    try:
        transact(ops)
    except ConditionFailed as exc:
        raise Conflict(CHANGED) from exc


def get_reading(tenant_id: str, meter_id: str, reading_id: str) -> Reading:
    item = get(keys.reading(tenant_id, meter_id, reading_id))
    if item is None:
        raise NotFound("No such reading.")
    return _reading(item)


def list_readings(tenant_id: str, meter_id: str) -> list[Reading]:
    """Every reading of a meter (rejected ones included), by reading date ascending. For workers (billing)."""
    return [_reading(i) for i in query_all(keys.readings_partition(tenant_id, meter_id), index="GSI1")]


def list_readings_page(tenant_id: str, meter_id: str, *, limit: int, start_key: dict[str, Any] | None,
                       newest_first: bool, status: str | None) -> tuple[list[Reading], dict[str, Any] | None]:
    items, last = query_page(
        keys.readings_partition(tenant_id, meter_id), index="GSI1", limit=limit, start_key=start_key,
        forward=not newest_first,
        filter_expression="#st = :st" if status else None,
        filter_names={"#st": "status"} if status else None,
        filter_values={":st": status} if status else None)
    return [_reading(i) for i in items], last


_LOWEST, _HIGHEST = "0000", "9999"  # reading sort keys start with the reading date (YYYY-MM-DD)


def _walk(tenant_id: str, meter_id: str, lo: str, hi: str, *, forward: bool) -> Iterator[Reading]:
    """Readings that are not rejected with a sort key between ``lo`` and ``hi``, page after page."""
    start: dict[str, Any] | None = None
    while True:
        items, start = query_page(keys.readings_partition(tenant_id, meter_id), index="GSI1", sk_between=(lo, hi),
                                  forward=forward, limit=25, start_key=start, filter_expression="#st <> :rej",
                                  filter_names={"#st": "status"}, filter_values={":rej": "rejected"})
        yield from (_reading(i) for i in items)
        if not start:
            return


def readings_before(tenant_id: str, meter_id: str, sort_key: str, *, limit: int) -> list[Reading]:
    """Up to ``limit`` readings that are not rejected, ordered before ``sort_key``, newest first."""
    found = (r for r in _walk(tenant_id, meter_id, _LOWEST, sort_key, forward=False)
             if reading_sort_key(r) < sort_key)
    return list(islice(found, limit))


def readings_after(tenant_id: str, meter_id: str, sort_key: str, *, limit: int) -> list[Reading]:
    """Up to ``limit`` readings that are not rejected, ordered after ``sort_key``, oldest first."""
    found = (r for r in _walk(tenant_id, meter_id, sort_key, _HIGHEST, forward=True) if reading_sort_key(r) > sort_key)
    return list(islice(found, limit))


def confirm_reading(r: Reading, *, by: str, at: str) -> Reading:
    """submitted → confirmed (409 from any other status)."""
    from urbaneta.store.table import update

    try:
        item = update(keys.reading(r.tenant_id, r.meter_id, r.id),
                      "SET #st = :confirmed, decidedBy = :by, decidedAt = :at",
                      names={"#st": "status"}, vals={":confirmed": "confirmed", ":by": by, ":at": at,
                                                     ":submitted": "submitted"},
                      condition="attribute_exists(PK) AND #st = :submitted")
    except Conflict as exc:
        raise Conflict(f"The reading is {get_reading(r.tenant_id, r.meter_id, r.id).status}; only a "
                       "submitted reading can be confirmed.") from exc
    assert item is not None
    return _reading(item)


def reject_reading(m: Meter, r: Reading, *, by: str, at: str, reason: str | None,
                   previous: Reading | None, successor: Reading | None, successor_consumption: Decimal | None,
                   successor_days: int | None) -> None:
    """submitted → rejected. If it was the meter's latest reading the pointer falls back to ``previous``;
    otherwise its successor's consumption is computed again against ``previous``. All or nothing."""
    reading_vals: dict[str, Any] = {":rejected": "rejected", ":by": by, ":at": at, ":submitted": "submitted"}
    expression = "SET #st = :rejected, decidedBy = :by, decidedAt = :at"
    if reason:
        expression += ", reason = :reason"
        reading_vals[":reason"] = reason
    ops = [tx_update(keys.reading(r.tenant_id, r.meter_id, r.id), expression, names={"#st": "status"},
                     vals=reading_vals, condition="attribute_exists(PK) AND #st = :submitted")]
    if m.last_reading_id == r.id:
        pointer = _pointer_vals(previous)
        if previous is None:
            ops.append(tx_update(keys.meter(m.tenant_id, m.id), "REMOVE #lr, lastReadingValue, lastReadingDate",
                                 names=_last_names(), vals={":prev": r.id}, condition="#lr = :prev"))
        else:
            ops.append(tx_update(keys.meter(m.tenant_id, m.id),
                                 "SET #lr = :rid, lastReadingValue = :rval, lastReadingDate = :rdate",
                                 names=_last_names(), vals={":prev": r.id, **pointer}, condition="#lr = :prev"))
    elif successor is not None and successor_consumption is not None:
        ops.append(tx_update(keys.reading(successor.tenant_id, successor.meter_id, successor.id),
                             "SET consumption = :c, #d = :d", names={"#d": "days", "#st": "status"},
                             vals={":c": successor_consumption, ":d": successor_days, ":rejected": "rejected"},
                             condition="attribute_exists(PK) AND #st <> :rejected"))
        ops.append(tx_check(keys.meter(m.tenant_id, m.id), "#lr = :last", names=_last_names(),
                            vals={":last": m.last_reading_id}))
    try:
        transact(ops)
    except ConditionFailed as exc:
        if "reading" in exc.labels:
            status = get_reading(r.tenant_id, r.meter_id, r.id).status
            raise Conflict(f"The reading is {status}; only a submitted reading can be rejected.") from exc
        raise Conflict(CHANGED) from exc
