"""Repository of buildings, apartments and charges (the building aggregate). Other capabilities read through
``get_building``, ``get_apartment``, ``list_apartments``, ``find_apartment_by_reference`` and ``list_charges``.

Items (keys in ``store.keys``):
- building ``T#t#B#b / BUILDING`` in GSI1 ``T#t#BUILDINGS`` (creation order) while active; it also keeps the
  string set ``apartmentIds`` of its apartments (residents' visibility, one Query for their building list);
- apartment list head ``T#t#B#b / APARTMENTS`` in GSI1 ``T#t#B#b#APARTMENTS`` with sort key ``!``: it sorts
  before every apartment, so the first page of the apartment list proves the building exists and is active;
- apartment ``T#t#A#a / APARTMENT`` in GSI1 ``T#t#B#b#APARTMENTS`` (natural number order), with the guards
  ``...#APTNO#<number>`` (number unique in the building) and ``T#t#REF#<ref>`` (reference → apartment);
- charge ``T#t#B#b / CHARGE#c`` in the building's item collection;
- counter ``T#t#COUNTER#APTREF`` behind the apartments' reference numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from urbaneta.domain import references
from urbaneta.domain.buildings import Apartment, Building, Charge
from urbaneta.errors import Conflict, FieldError, NotFound, ServiceUnavailable
from urbaneta.store import keys, table, transactions
from urbaneta.store.table import ConditionFailed, Item

BUILDING_NOT_FOUND = "The building does not exist."
APARTMENT_NOT_FOUND = "The apartment does not exist."
CHARGE_NOT_FOUND = "The charge does not exist."
NUMBER_TAKEN = "An apartment with this number already exists in the building."

REFERENCE_BASE = 1_000_000  # first apartment of a tenant: base 1000001 → reference 10000016
_ACTIVE = "attribute_exists(PK) AND #status = :active"
_ACTIVE_NAMES = {"#status": "status"}
_ACTIVE_VALS = {":active": "active"}


def _dump(model: Building | Apartment | Charge) -> Item:
    return model.model_dump(by_alias=True, mode="python", exclude_none=True)


# ---- buildings -----------------------------------------------------------------------------------------------


def _building(item: Item) -> Building:
    return Building.model_validate(table.strip_keys(item))


def building_item(b: Building) -> Item:
    item = {**keys.building(b.tenant_id, b.id), "entity": "building", **_dump(b)}
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


def is_active(item: Item | None) -> bool:
    return item is not None and item.get("entity") == "building" and item.get("status") == "active"


def is_being_deleted(item: Item | None) -> bool:
    """A delete started (archived, ``deleting``) and did not finish: the next delete resumes it."""
    return item is not None and item.get("entity") == "building" and bool(item.get("deleting"))


def building_apartment_ids(item: Item) -> frozenset[str]:
    return frozenset(item.get("apartmentIds") or ())


def page_buildings(
    tenant_id: str, *, limit: int, start_key: dict[str, Any] | None, only_with_apartments: Iterable[str] | None = None
) -> tuple[list[Building], dict[str, Any] | None]:
    """One Query on GSI1 (creation order). ``only_with_apartments``: a resident's apartments; only buildings
    holding one of them are returned (filter on the building's ``apartmentIds``)."""
    filter_expression = names = vals = None
    if only_with_apartments is not None:
        wanted = sorted(set(only_with_apartments))[:100]
        if not wanted:
            return [], None
        names = {"#apts": "apartmentIds"}
        vals = {f":a{i}": apt for i, apt in enumerate(wanted)}
        filter_expression = " OR ".join(f"contains(#apts, :a{i})" for i in range(len(wanted)))
    items, last = table.query_page(
        keys.buildings_partition(tenant_id), index="GSI1", limit=limit, start_key=start_key,
        filter_expression=filter_expression, filter_names=names, filter_values=vals,
    )
    return [_building(i) for i in items if i.get("entity") == "building"], last


class _Update:
    """SET/REMOVE expression over attribute paths (dotted for nested maps: ``billing.iban``)."""

    def __init__(self, sets: Mapping[str, Any], removes: Iterable[str] = ()) -> None:
        self.names: dict[str, str] = {}
        self.vals: dict[str, Any] = {}
        set_parts = []
        for attr, value in sets.items():
            alias = f":v{len(self.vals)}"
            self.vals[alias] = value
            set_parts.append(f"{self.path(attr)} = {alias}")
        self.expression = "SET " + ", ".join(set_parts)
        remove_parts = [self.path(attr) for attr in removes]
        if remove_parts:
            self.expression += " REMOVE " + ", ".join(remove_parts)

    def path(self, dotted: str) -> str:
        parts = []
        for part in dotted.split("."):
            alias = f"#n{len(self.names)}"
            self.names[alias] = part
            parts.append(alias)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        alias = f":v{len(self.vals)}"
        self.vals[alias] = value
        return alias


def update_building(tenant_id: str, building_id: str, sets: Mapping[str, Any], removes: Iterable[str]) -> Building:
    """Set/remove attribute paths of an active building in one conditional UpdateItem (no read before).
    NotFound when the building is missing or not active."""
    upd = _Update(sets, removes)
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
    vals: dict[str, Any] = {":archived": "archived", ":now": now, **_ACTIVE_VALS}
    if deleting:
        vals[":true"] = True
    try:
        transactions.transact([
            transactions.tx_update(keys.building(tenant_id, building_id), expression + " REMOVE GSI1PK, GSI1SK",
                            names=_ACTIVE_NAMES, vals=vals, condition=_ACTIVE),
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
    # the building's own apartment set is strongly consistent (written with every apartment); the index is
    # read too, so that nothing is missed either way
    apartments = {a.id: a for a in list_apartments(tenant_id, building_id)}
    item = get_building_item(tenant_id, building_id)
    missing = [a for a in building_apartment_ids(item or {}) if a not in apartments]
    _, extra = get_building_and_apartments(tenant_id, building_id, missing) if missing else (None, [])
    apartments.update({a.id: a for a in extra})
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


# ---- apartments ----------------------------------------------------------------------------------------------


def _apartment(item: Item) -> Apartment:
    return Apartment.model_validate(table.strip_keys(item))


def apartment_item(a: Apartment) -> Item:
    return {
        **keys.apartment(a.tenant_id, a.id),
        **keys.apartments_index(a.tenant_id, a.building_id, a.number),
        "entity": "apartment",
        **_dump(a),
    }


def _number_guard(a: Apartment) -> Item:
    return {**keys.apartment_number(a.tenant_id, a.building_id, a.number), "entity": "apartment_number",
            "apartmentId": a.id}


def _reference_guard(a: Apartment) -> Item:
    return {**keys.apartment_reference(a.tenant_id, a.reference_number), "entity": "apartment_reference",
            "apartmentId": a.id, "buildingId": a.building_id}


def create_apartment(draft: Apartment, *, attempts: int = 8) -> Apartment:
    """Create an apartment in an active building with the tenant's next reference number, in one transaction:
    building check (+ its apartment set), apartment, number guard, reference guard, counter step. A taken
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
            transactions.tx_update(keys.building(apt.tenant_id, apt.building_id), "ADD apartmentIds :ids",
                                   names=_ACTIVE_NAMES, vals={":ids": {apt.id}, **_ACTIVE_VALS}, condition=_ACTIVE,
                                   label="building"),
            transactions.tx_put(apartment_item(apt), label="apartment"),
            transactions.tx_put(_number_guard(apt), label="number"),
            transactions.tx_put(_reference_guard(apt), label="reference"),
            step,
        ]
        try:
            transactions.transact(ops)
            return apt
        except ConditionFailed as exc:
            if "building" in exc.labels:
                raise NotFound(BUILDING_NOT_FOUND) from exc
            if "number" in exc.labels:
                raise Conflict(NUMBER_TAKEN, errors=[FieldError("number", NUMBER_TAKEN)]) from exc
            if "apartment" in exc.labels:  # a random UUID collided: take another one next time around
                raise
    raise ServiceUnavailable("The apartment could not get a reference number; try again.")


def get_apartment(tenant_id: str, apartment_id: str) -> Apartment:
    item = table.get(keys.apartment(tenant_id, apartment_id))
    if not item or item.get("entity") != "apartment":
        raise NotFound(APARTMENT_NOT_FOUND)
    return _apartment(item)


def get_building_and_apartments(
    tenant_id: str, building_id: str, apartment_ids: Iterable[str]
) -> tuple[Item | None, list[Apartment]]:
    """The building item and those of the given apartments that exist, in one BatchGetItem."""
    wanted = [keys.building(tenant_id, building_id)] + [keys.apartment(tenant_id, a) for a in apartment_ids]
    building: Item | None = None
    apartments: list[Apartment] = []
    for item in table.batch_get(wanted):
        if item.get("entity") == "building" and item["PK"] == wanted[0]["PK"] and item["SK"] == wanted[0]["SK"]:
            building = item
        elif item.get("entity") == "apartment":
            apartments.append(_apartment(item))
    return building, apartments


def list_apartments(tenant_id: str, building_id: str) -> list[Apartment]:
    """Every apartment of a building in natural number order (workers; pages through GSI1)."""
    items = table.query_all(keys.apartments_partition(tenant_id, building_id), index="GSI1")
    return [_apartment(i) for i in items if i.get("entity") == "apartment"]


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
    return [_apartment(i) for i in items if i.get("entity") == "apartment"], last


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
    upd = _Update(all_sets, removes)
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
    changed = {k: v for k, v in _dump(before).items() if k not in set(removes)}
    changed.update({k: v for k, v in sets.items() if not k.startswith("GSI")})
    return Apartment.model_validate(changed)


def delete_apartment(a: Apartment) -> None:
    """The apartment, its guards and its place in the building's apartment set, together."""
    try:
        transactions.transact([
            transactions.tx_delete(keys.apartment(a.tenant_id, a.id), condition="attribute_exists(PK)"),
            transactions.tx_delete(keys.apartment_number(a.tenant_id, a.building_id, a.number)),
            transactions.tx_delete(keys.apartment_reference(a.tenant_id, a.reference_number)),
            transactions.tx_update(keys.building(a.tenant_id, a.building_id), "DELETE apartmentIds :ids",
                            vals={":ids": {a.id}}, condition="attribute_exists(PK)"),
        ])
    except ConditionFailed as exc:
        raise NotFound(APARTMENT_NOT_FOUND) from exc


# ---- charges -------------------------------------------------------------------------------------------------


def _charge(item: Item) -> Charge:
    return Charge.model_validate(table.strip_keys(item))


def charge_item(c: Charge) -> Item:
    return {**keys.charge(c.tenant_id, c.building_id, c.id), "entity": "charge", **_dump(c)}


def create_charge(c: Charge) -> None:
    try:
        transactions.transact([
            transactions.tx_check(keys.building(c.tenant_id, c.building_id), _ACTIVE, names=_ACTIVE_NAMES,
                                  vals=_ACTIVE_VALS, label="building"),
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
    upd = _Update(sets, removes)
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
