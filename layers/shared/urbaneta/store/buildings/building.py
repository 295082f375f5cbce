"""Buildings: the building item, its apartment list head, archive and the delete cascade."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from urbaneta.domain.buildings import Building
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys, table, transactions
from urbaneta.store.buildings import common
from urbaneta.store.buildings.apartments import (
    apartment_of,
    get_building_and_apartments,
    known_building,
    list_apartments,
    member_apartment_ids,
)
from urbaneta.store.buildings.charges import list_charges
from urbaneta.store.buildings.common import BUILDING_NOT_FOUND
from urbaneta.store.table import ConditionFailed, Item


def _building(item: Item) -> Building:
    return Building.model_validate(table.strip_keys(item))


def building_item(b: Building) -> Item:
    item = {**keys.building(b.tenant_id, b.id), "entity": "building", **common.dump_entity(b)}
    if b.status == "active":
        item.update(keys.buildings_index(b.tenant_id, b.created_at, b.id))
    return item


def _head_item(tenant_id: str, building_id: str) -> Item:
    return {**keys.apartments_head(tenant_id, building_id), "entity": "apartments_head", "buildingId": building_id}


def create_building(b: Building) -> None:
    """The building and the head of its apartment list, together."""
    transactions.transact([transactions.tx_put(building_item(b)), transactions.tx_put(_head_item(b.tenant_id, b.id))])


def get_building_item(tenant_id: str, building_id: str) -> Item | None:
    return table.get(keys.building(tenant_id, building_id))


def get_building(tenant_id: str, building_id: str, *, include_archived: bool = False) -> Building:
    """An active building (archived ones too with ``include_archived``, e.g. for an invoice). NotFound otherwise."""
    item = get_building_item(tenant_id, building_id)
    if not item or item.get("entity") != "building" or (item.get("status") != "active" and not include_archived):
        raise NotFound(BUILDING_NOT_FOUND)
    return _building(item)


def is_being_deleted(item: Item | None) -> bool:
    """A delete started (archived, ``deleting``) and did not finish: the next delete resumes it."""
    return item is not None and item.get("entity") == "building" and bool(item.get("deleting"))


def page_buildings(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
                   ) -> tuple[list[Building], dict[str, Any] | None]:
    """One Query on GSI1 (creation order): the organisation's active buildings."""
    items, last = table.query_page(keys.buildings_partition(tenant_id), index="GSI1", limit=limit,
                                   start_key=start_key)
    return [_building(i) for i in items if i.get("entity") == "building"], last


def buildings_of_apartments(tenant_id: str, apartment_ids: Iterable[str]) -> list[tuple[str, Building]]:
    """The active buildings holding any of the given apartments (a resident's), each with its creation-order
    position (``createdAt#id``, as in GSI1), in that order. The apartments are read together with the buildings
    this container already knows them to be in (one BatchGetItem); only a building not known yet costs a second
    one. Nothing on the building item names its apartments, so it stays the same size however many it has."""
    ids = sorted(set(apartment_ids))
    guessed = {b for b in (known_building(tenant_id, a) for a in ids) if b}
    wanted = [keys.apartment(tenant_id, a) for a in ids] + [keys.building(tenant_id, b) for b in sorted(guessed)]
    items = table.batch_get(wanted) if ids else []
    holding = {str(i["buildingId"]) for i in items if i.get("entity") == "apartment"}
    found = {str(i["id"]): i for i in items if i.get("entity") == "building"}
    unknown = sorted(holding - set(found))
    found.update({str(i["id"]): i for i in table.batch_get([keys.building(tenant_id, b) for b in unknown])}
                 if unknown else {})
    for i in items:
        if i.get("entity") == "apartment":
            apartment_of(i)  # remembers its building
    shown = [(str(i["GSI1SK"]), _building(i)) for b, i in found.items()
             if b in holding and common.is_active(i) and i.get("GSI1SK")]
    return sorted(shown, key=lambda pair: pair[0])


def update_building(tenant_id: str, building_id: str, sets: Mapping[str, Any], removes: Iterable[str]) -> Building:
    """Set/remove attribute paths of an active building in one conditional UpdateItem (no read before).
    NotFound when the building is missing or not active."""
    upd = common.ItemUpdate(sets, removes)
    condition = f"attribute_exists(PK) AND {upd.path('status')} = {upd.value('active')}"
    try:
        item = table.update(keys.building(tenant_id, building_id), upd.expression, names=upd.names,
                            vals=upd.vals, condition=condition)
    except Conflict as exc:
        raise NotFound(BUILDING_NOT_FOUND) from exc
    assert item is not None
    return _building(item)


def archive_building(tenant_id: str, building_id: str, now: str, *, deleting: bool = False) -> None:
    """Out of every list (GSI1 keys and the apartment list head removed), kept for audit. ``deleting``
    marks the first step of a delete, so that an interrupted cascade can be resumed."""
    expression = "SET #status = :archived, updatedAt = :now" + (", deleting = :true" if deleting else "")
    vals: dict[str, Any] = {":archived": "archived", ":now": now, **common.ACTIVE_VALS}
    if deleting:
        vals[":true"] = True
    try:
        transactions.transact([
            transactions.tx_update(keys.building(tenant_id, building_id), expression + " REMOVE GSI1PK, GSI1SK",
                            names=common.ACTIVE_NAMES, vals=vals, condition=common.ACTIVE),
            transactions.tx_delete(keys.apartments_head(tenant_id, building_id)),
        ])
    except ConditionFailed as exc:
        raise NotFound(BUILDING_NOT_FOUND) from exc


def keep_archived(tenant_id: str, building_id: str) -> None:
    """Turn a started delete back into an archive (the building turned out to have invoices)."""
    table.update(keys.building(tenant_id, building_id), "REMOVE deleting", condition="attribute_exists(PK)",
                 return_new=False)


def delete_building_cascade(tenant_id: str, building_id: str) -> int:
    """Every apartment (with its guards) and charge of a building, then the building itself, in batch
    deletes of 25. The building must already be archived with ``deleting`` (no new children can appear).
    Meters are deleted by their own repository before this. Returns the number of items deleted."""
    doomed: list[keys.Key] = [keys.apartments_head(tenant_id, building_id)]
    # the memberships in the building's collection are strongly consistent (written with every apartment); the
    # index is read too, for apartments written before memberships existed, so that nothing is missed either way
    apartments = {a.id: a for a in list_apartments(tenant_id, building_id)}
    members = member_apartment_ids(tenant_id, building_id)
    missing = [a for a in members if a not in apartments]
    _, extra = get_building_and_apartments(tenant_id, building_id, missing, consistent=True) if missing else (None, [])
    apartments.update({a.id: a for a in extra})
    doomed += [keys.building_apartment(tenant_id, building_id, a) for a in set(members) | set(apartments)]
    for apt in apartments.values():
        doomed += [
            keys.apartment(tenant_id, apt.id),
            keys.apartment_number(tenant_id, building_id, apt.number),
            keys.apartment_reference(tenant_id, apt.reference_number),
        ]
    doomed += [keys.charge(tenant_id, building_id, c.id) for c in list_charges(tenant_id, building_id)]
    only_keys = [{"PK": k["PK"], "SK": k["SK"]} for k in doomed]
    table.batch_write(deletes=only_keys)
    table.delete(keys.building(tenant_id, building_id))
    return len(only_keys) + 1
