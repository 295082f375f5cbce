"""Meters: create (with the serial guard and the installation reading), read, list, change, replace, and
delete a building's meters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys
from urbaneta.store.meters import items as meter_items
from urbaneta.store.meters.items import SERIAL_TAKEN, meter_item, meter_of, reading_item, serial_guard_item
from urbaneta.store.table import ConditionFailed, batch_write, get, query_all, query_page
from urbaneta.store.transactions import transact, tx_delete, tx_put, tx_update


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
    return meter_of(item)


def list_meters(tenant_id: str, building_id: str) -> list[Meter]:
    """Every meter of a building (active and replaced), oldest first. For workers (billing)."""
    return [meter_of(i) for i in query_all(keys.meters_partition(tenant_id, building_id), index="GSI1")]


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
        return [meter_of(i) for i in items], last
    if only_apartments is not None:
        value_names = [f":a{i}" for i in range(len(only_apartments))] or [":none"]
        filter_expression = f"#a IN ({', '.join(value_names)})"
        names = {"#a": "apartmentId"}
        vals = dict(zip(value_names, only_apartments, strict=False)) if only_apartments else {":none": "-"}
    items, last = query_page(keys.meters_partition(tenant_id, building_id), index="GSI1", limit=limit,
                             start_key=start_key, filter_expression=filter_expression,
                             filter_names=names or None, filter_values=vals or None)
    return [meter_of(i) for i in items], last


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
    old_pointer = meter_items.pointer_vals(final)
    new_item = meter_item(new)
    new_item.update({"lastReadingId": initial.id, "lastReadingValue": initial.value,
                     "lastReadingDate": initial.reading_date.isoformat()})
    unchanged, prev = meter_items.last_condition(old)
    ops = [
        tx_update(keys.meter(old.tenant_id, old.id),
                  "SET #st = :replaced, replacedByMeterId = :new, updatedAt = :now, lastReadingId = :rid, "
                  "lastReadingValue = :rval, lastReadingDate = :rdate",
                  names={"#st": "status", **meter_items.last_names()},
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
