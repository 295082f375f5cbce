"""Apartments: the item with its number and reference guards, and the reference counter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from urbaneta.domain import references
from urbaneta.domain.buildings import Apartment
from urbaneta.errors import Conflict, FieldError, NotFound, ServiceUnavailable
from urbaneta.store import keys, table, transactions
from urbaneta.store.buildings import common
from urbaneta.store.buildings.common import APARTMENT_NOT_FOUND, BUILDING_NOT_FOUND, NUMBER_TAKEN, REFERENCE_BASE
from urbaneta.store.table import ConditionFailed, Item

# apartment -> its building, as seen in this container: an apartment never changes building, so the fact is
# safe to keep; it only lets a resident's building list read the apartments and their buildings in one
# BatchGetItem (the apartments are still read, so a deleted one grants nothing). Bounded: cleared when full.
_BUILDING_OF: dict[tuple[str, str], str] = {}
_KNOWN_LIMIT = 50_000


def apartment_of(item: Item) -> Apartment:
    """The apartment of an item (and its building remembered)."""
    apt = Apartment.model_validate(table.strip_keys(item))
    remember_building(apt)
    return apt


def remember_building(apt: Apartment) -> None:
    if len(_BUILDING_OF) >= _KNOWN_LIMIT:
        _BUILDING_OF.clear()
    _BUILDING_OF[(apt.tenant_id, apt.id)] = apt.building_id


def known_building(tenant_id: str, apartment_id: str) -> str | None:
    return _BUILDING_OF.get((tenant_id, apartment_id))


def apartment_item(a: Apartment) -> Item:
    return {
        **keys.apartment(a.tenant_id, a.id),
        **keys.apartments_index(a.tenant_id, a.building_id, a.number),
        "entity": "apartment",
        **common.dump_entity(a),
    }


def membership_item(a: Apartment) -> Item:
    return {**keys.building_apartment(a.tenant_id, a.building_id, a.id), "entity": "building_apartment",
            "apartmentId": a.id}


def _number_guard(a: Apartment) -> Item:
    return {**keys.apartment_number(a.tenant_id, a.building_id, a.number), "entity": "apartment_number",
            "apartmentId": a.id}


def _reference_guard(a: Apartment) -> Item:
    return {**keys.apartment_reference(a.tenant_id, a.reference_number), "entity": "apartment_reference",
            "apartmentId": a.id, "buildingId": a.building_id}


def create_apartment(draft: Apartment, *, attempts: int = 8) -> Apartment:
    """Create an apartment in an active building with the tenant's next reference number, in one transaction:
    building check, membership in the building's collection, apartment, number guard, reference guard, counter
    step (the building item itself is not written: it does not grow with its apartments). A taken
    number is 409 and writes nothing; a counter race is retried."""
    counter_key = keys.apartment_reference_counter(draft.tenant_id)
    for _ in range(attempts):
        counter = table.get(counter_key)
        current = int(counter["value"]) if counter else 0
        apt = draft.model_copy(update={"reference_number": references.make_731(str(REFERENCE_BASE + current + 1))})
        if counter:
            step = transactions.tx_update(counter_key, "SET #v = :next", names={"#v": "value"},
                                          vals={":next": current + 1, ":cur": current}, condition="#v = :cur",
                                          label="reference counter")
        else:
            step = transactions.tx_put({**counter_key, "entity": "counter", "value": 1}, label="reference counter")
        ops = [
            transactions.tx_check(keys.building(apt.tenant_id, apt.building_id), common.ACTIVE,
                                  names=common.ACTIVE_NAMES, vals=common.ACTIVE_VALS, label="building"),
            transactions.tx_put(membership_item(apt), label="membership"),
            transactions.tx_put(apartment_item(apt), label="apartment"),
            transactions.tx_put(_number_guard(apt), label="number"),
            transactions.tx_put(_reference_guard(apt), label="reference"),
            step,
        ]
        try:
            transactions.transact(ops)
            remember_building(apt)
            return apt
        except ConditionFailed as exc:
            if "building" in exc.labels:
                raise NotFound(BUILDING_NOT_FOUND) from exc
            if "number" in exc.labels:
                raise Conflict(NUMBER_TAKEN, errors=[FieldError("number", NUMBER_TAKEN)]) from exc
            if exc.labels & {"apartment", "membership"}:  # a random UUID collided: take another one next time
                raise
    raise ServiceUnavailable("The apartment could not get a reference number; try again.")


def get_apartment(tenant_id: str, apartment_id: str) -> Apartment:
    item = table.get(keys.apartment(tenant_id, apartment_id))
    if not item or item.get("entity") != "apartment":
        raise NotFound(APARTMENT_NOT_FOUND)
    return apartment_of(item)


def get_building_and_apartments(
    tenant_id: str, building_id: str, apartment_ids: Iterable[str], *, consistent: bool = False
) -> tuple[Item | None, list[Apartment]]:
    """The building item and those of the given apartments that exist, in one BatchGetItem (per 100 keys)."""
    wanted = [keys.building(tenant_id, building_id)] + [keys.apartment(tenant_id, a) for a in apartment_ids]
    building: Item | None = None
    apartments: list[Apartment] = []
    for item in table.batch_get(wanted, consistent=consistent):
        if item.get("entity") == "building" and item["PK"] == wanted[0]["PK"] and item["SK"] == wanted[0]["SK"]:
            building = item
        elif item.get("entity") == "apartment":
            apartments.append(apartment_of(item))
    return building, apartments


def member_apartment_ids(tenant_id: str, building_id: str) -> list[str]:
    """The ids of every apartment of the building from its memberships (strongly consistent, paged)."""
    items = table.query_all(keys.building_partition(tenant_id, building_id),
                            sk_prefix=keys.building_apartments_prefix(), consistent=True)
    return [str(i["apartmentId"]) for i in items if i.get("entity") == "building_apartment"]


def list_apartments(tenant_id: str, building_id: str) -> list[Apartment]:
    """Every apartment of a building in natural number order (workers; pages through GSI1)."""
    items = table.query_all(keys.apartments_partition(tenant_id, building_id), index="GSI1")
    return [apartment_of(i) for i in items if i.get("entity") == "apartment"]


def page_apartments(
    tenant_id: str, building_id: str, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Apartment], dict[str, Any] | None]:
    """One Query on GSI1. The first page must start with the list head (the building exists and is active);
    otherwise NotFound. Later pages continue a signed cursor of the same tenant and building."""
    first = start_key is None
    items, last = table.query_page(
        keys.apartments_partition(tenant_id, building_id), index="GSI1",
        limit=limit + 1 if first else limit, start_key=start_key,
    )
    if first and (not items or items[0].get("entity") != "apartments_head"):
        raise NotFound(BUILDING_NOT_FOUND)
    return [apartment_of(i) for i in items if i.get("entity") == "apartment"], last


def find_apartment_by_reference(tenant_id: str, reference_number: str) -> Apartment | None:
    """The apartment whose permanent reference this is (7-3-1, or the same wrapped as RF); None if none."""
    ref = references.normalize(reference_number)
    if ref.startswith("RF") and references.is_valid_rf(ref):
        ref = ref[4:]
    if not references.is_valid_731(ref):
        return None
    guard = table.get(keys.apartment_reference(tenant_id, ref))
    if not guard:
        return None
    try:
        return get_apartment(tenant_id, str(guard["apartmentId"]))
    except NotFound:
        return None


def update_apartment(before: Apartment, sets: Mapping[str, Any], removes: Iterable[str]) -> Apartment:
    """Set/remove the given attributes, conditional on the stored number still being ``before.number``; a new
    ``number`` moves the number guard and the list position in the same transaction (409 when taken)."""
    new_number = sets.get("number")
    renumbered = new_number is not None and keys.apartment_number(
        before.tenant_id, before.building_id, before.number
    ) != keys.apartment_number(before.tenant_id, before.building_id, str(new_number))
    all_sets = dict(sets)
    if new_number is not None:
        all_sets.update(keys.apartments_index(before.tenant_id, before.building_id, str(new_number)))
    upd = common.ItemUpdate(all_sets, removes)
    condition = f"attribute_exists(PK) AND {upd.path('number')} = {upd.value(before.number)}"
    key = keys.apartment(before.tenant_id, before.id)
    ops = [transactions.tx_update(key, upd.expression, names=upd.names, vals=upd.vals, condition=condition,
                                  label="apartment")]
    if renumbered:
        moved = before.model_copy(update={"number": str(new_number)})
        ops += [
            transactions.tx_delete(keys.apartment_number(before.tenant_id, before.building_id, before.number),
                                   label="old number"),
            transactions.tx_put(_number_guard(moved), label="number"),
        ]
    try:
        transactions.transact(ops)
    except ConditionFailed as exc:
        if "number" in exc.labels:
            raise Conflict(NUMBER_TAKEN, errors=[FieldError("number", NUMBER_TAKEN)]) from exc
        raise Conflict("The apartment changed at the same time; try again.") from exc
    # the transaction returns nothing: the result is the read item with the same changes applied
    changed = {k: v for k, v in common.dump_entity(before).items() if k not in set(removes)}
    changed.update({k: v for k, v in sets.items() if not k.startswith("GSI")})
    return Apartment.model_validate(changed)


def delete_apartment(a: Apartment) -> None:
    """The apartment, its guards and its membership in the building's collection, together."""
    try:
        transactions.transact([
            transactions.tx_delete(keys.apartment(a.tenant_id, a.id), condition="attribute_exists(PK)"),
            transactions.tx_delete(keys.apartment_number(a.tenant_id, a.building_id, a.number)),
            transactions.tx_delete(keys.apartment_reference(a.tenant_id, a.reference_number)),
            transactions.tx_delete(keys.building_apartment(a.tenant_id, a.building_id, a.id)),
        ])
    except ConditionFailed as exc:
        raise NotFound(APARTMENT_NOT_FOUND) from exc
