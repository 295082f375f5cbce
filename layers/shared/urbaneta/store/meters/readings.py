"""Readings: add, read, list, walk by date, confirm and reject, each moving the meter's latest-reading pointer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any

from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys
from urbaneta.store.meters import items as meter_items
from urbaneta.store.meters.items import CHANGED, reading_item, reading_of, reading_sort_key
from urbaneta.store.table import ConditionFailed, get, query_all, query_page
from urbaneta.store.transactions import transact, tx_check, tx_put, tx_update


def add_reading(m: Meter, r: Reading) -> None:
    """Record a reading that becomes the meter's latest, if the meter is active and its latest reading is
    still the one the reading was computed against (409 otherwise)."""
    unchanged, prev = meter_items.last_condition(m)
    ops = [
        tx_update(keys.meter(m.tenant_id, m.id),
                  "SET #lr = :rid, lastReadingValue = :rval, lastReadingDate = :rdate",
                  names={"#st": "status", **meter_items.last_names()},
                  vals={":active": "active", **prev, **meter_items.pointer_vals(r)},
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
    return reading_of(item)


def list_readings(tenant_id: str, meter_id: str) -> list[Reading]:
    """Every reading of a meter (rejected ones included), by reading date ascending. For workers (billing)."""
    return [reading_of(i) for i in query_all(keys.readings_partition(tenant_id, meter_id), index="GSI1")]


PAGE = 5_000  # items per Query of a building's readings: pages end at DynamoDB's 1 MB first (~2,500 readings)


def building_readings(tenant_id: str, building_id: str, since: date, through: date) -> dict[str, list[Reading]]:
    """Every reading of a building's meters dated ``since``..``through`` (rejected ones included), by meter, each
    by reading date ascending, from ONE paged Query of GSI2 (generation: a chunk's period)."""
    out: dict[str, list[Reading]] = {}
    for item in query_all(keys.building_readings_partition(tenant_id, building_id), index="GSI2",
                          sk_between=(since.isoformat(), f"{through.isoformat()}#~"), limit=PAGE):
        reading = reading_of(item)
        out.setdefault(reading.meter_id, []).append(reading)
    return out


def list_readings_page(tenant_id: str, meter_id: str, *, limit: int, start_key: dict[str, Any] | None,
                       newest_first: bool, status: str | None) -> tuple[list[Reading], dict[str, Any] | None]:
    items, last = query_page(
        keys.readings_partition(tenant_id, meter_id), index="GSI1", limit=limit, start_key=start_key,
        forward=not newest_first,
        filter_expression="#st = :st" if status else None,
        filter_names={"#st": "status"} if status else None,
        filter_values={":st": status} if status else None)
    return [reading_of(i) for i in items], last


_LOWEST = "0000"  # reading sort keys start with the reading date (YYYY-MM-DD)


_HIGHEST = "9999"


def _walk(tenant_id: str, meter_id: str, lo: str, hi: str, *, forward: bool) -> Iterator[Reading]:
    """Readings that are not rejected with a sort key between ``lo`` and ``hi``, page after page."""
    start: dict[str, Any] | None = None
    while True:
        items, start = query_page(keys.readings_partition(tenant_id, meter_id), index="GSI1", sk_between=(lo, hi),
                                  forward=forward, limit=25, start_key=start, filter_expression="#st <> :rej",
                                  filter_names={"#st": "status"}, filter_values={":rej": "rejected"})
        yield from (reading_of(i) for i in items)
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
    return reading_of(item)


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
        pointer = meter_items.pointer_vals(previous)
        if previous is None:
            ops.append(tx_update(keys.meter(m.tenant_id, m.id), "REMOVE #lr, lastReadingValue, lastReadingDate",
                                 names=meter_items.last_names(), vals={":prev": r.id}, condition="#lr = :prev"))
        else:
            ops.append(tx_update(keys.meter(m.tenant_id, m.id),
                                 "SET #lr = :rid, lastReadingValue = :rval, lastReadingDate = :rdate",
                                 names=meter_items.last_names(), vals={":prev": r.id, **pointer},
                                 condition="#lr = :prev"))
    elif successor is not None and successor_consumption is not None:
        ops.append(tx_update(keys.reading(successor.tenant_id, successor.meter_id, successor.id),
                             "SET consumption = :c, #d = :d", names={"#d": "days", "#st": "status"},
                             vals={":c": successor_consumption, ":d": successor_days, ":rejected": "rejected"},
                             condition="attribute_exists(PK) AND #st <> :rejected"))
        ops.append(tx_check(keys.meter(m.tenant_id, m.id), "#lr = :last", names=meter_items.last_names(),
                            vals={":last": m.last_reading_id}))
    try:
        transact(ops)
    except ConditionFailed as exc:
        if "reading" in exc.labels:
            status = get_reading(r.tenant_id, r.meter_id, r.id).status
            raise Conflict(f"The reading is {status}; only a submitted reading can be rejected.") from exc
        raise Conflict(CHANGED) from exc
