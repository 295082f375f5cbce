"""Charges: items in the building's item collection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from urbaneta.domain.buildings import Charge
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys, table, transactions
from urbaneta.store.buildings import common
from urbaneta.store.buildings.common import BUILDING_NOT_FOUND, CHARGE_NOT_FOUND, is_active
from urbaneta.store.table import ConditionFailed, Item


def _charge(item: Item) -> Charge:
    return Charge.model_validate(table.strip_keys(item))


def charge_item(c: Charge) -> Item:
    return {**keys.charge(c.tenant_id, c.building_id, c.id), "entity": "charge", **common.dump_entity(c)}


def create_charge(c: Charge) -> None:
    try:
        transactions.transact([
            transactions.tx_check(keys.building(c.tenant_id, c.building_id), common.ACTIVE, names=common.ACTIVE_NAMES,
                                  vals=common.ACTIVE_VALS, label="building"),
            transactions.tx_put(charge_item(c), label="charge"),
        ])
    except ConditionFailed as exc:
        if "building" in exc.labels:
            raise NotFound(BUILDING_NOT_FOUND) from exc
        raise


def get_building_and_charge(tenant_id: str, building_id: str, charge_id: str) -> tuple[Item | None, Charge | None]:
    """The building item and the charge, in one BatchGetItem."""
    charge_key = keys.charge(tenant_id, building_id, charge_id)
    building: Item | None = None
    charge: Charge | None = None
    for item in table.batch_get([keys.building(tenant_id, building_id), charge_key]):
        if item.get("entity") == "building":
            building = item
        elif item.get("entity") == "charge" and item["SK"] == charge_key["SK"]:
            charge = _charge(item)
    return building, charge


def list_charges(tenant_id: str, building_id: str) -> list[Charge]:
    """Every charge of a building (workers)."""
    items = table.query_all(keys.building_partition(tenant_id, building_id), sk_prefix=keys.charges_prefix(),
                            consistent=True)
    return [_charge(i) for i in items if i.get("entity") == "charge"]


def page_charges(
    tenant_id: str, building_id: str, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Charge], dict[str, Any] | None]:
    """One Query on the building's item collection. The first page starts at the building item itself (it
    must be active, otherwise NotFound); later pages continue a signed cursor."""
    first = start_key is None
    items, last = table.query_page(
        keys.building_partition(tenant_id, building_id), sk_between=keys.building_with_charges_range(),
        limit=limit + 1 if first else limit, start_key=start_key, consistent=True,
    )
    if first and not (items and is_active(items[0])):
        raise NotFound(BUILDING_NOT_FOUND)
    return [_charge(i) for i in items if i.get("entity") == "charge"], last


def update_charge(before: Charge, sets: Mapping[str, Any], removes: Iterable[str]) -> Charge:
    """Set/remove the given attributes, conditional on the type, meter type and unit price the change was
    validated against (409 when someone changed them meanwhile)."""
    upd = common.ItemUpdate(sets, removes)
    conditions = ["attribute_exists(PK)", f"{upd.path('type')} = {upd.value(before.type)}",
                  f"{upd.path('unitPrice')} = {upd.value(before.unit_price)}"]
    if before.meter_type is None:
        conditions.append(f"attribute_not_exists({upd.path('meterType')})")
    else:
        conditions.append(f"{upd.path('meterType')} = {upd.value(before.meter_type)}")
    try:
        item = table.update(keys.charge(before.tenant_id, before.building_id, before.id), upd.expression,
                            names=upd.names, vals=upd.vals, condition=" AND ".join(conditions))
    except Conflict as exc:
        raise Conflict("The charge changed at the same time; try again.") from exc
    assert item is not None
    return _charge(item)


def delete_charge(c: Charge) -> None:
    try:
        transactions.transact([transactions.tx_delete(keys.charge(c.tenant_id, c.building_id, c.id),
                                        condition="attribute_exists(PK)")])
    except ConditionFailed as exc:
        raise NotFound(CHARGE_NOT_FOUND) from exc
