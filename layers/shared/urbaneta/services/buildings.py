"""Buildings, apartments and charges: who may see what, the delete/archive rule, and the domain events
``building.*``, ``apartment.*`` and ``charge.*``.

Visibility: staff (owner, manager) see and manage every building of their organisation; a resident sees the
buildings they live in and, within them, only their own apartments (everything else is 404 to them). Routes
a resident may not call at all answer 403 before reaching this module.

Delete or archive (accounting records are never destroyed): ``DELETE /buildings/{id}`` needs the owner's
password. A building that has issued invoices is archived: it leaves every list and every building route
(404), and stays readable for its invoices (``store.buildings.get_building(..., include_archived=True)``) with
its apartments and charges. A building without invoices is deleted with its apartments (and their number and
reference guards), charges and meters (with their readings).
"""

from __future__ import annotations

from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal, Role
from urbaneta.clock import new_id, now_iso
from urbaneta.domain import event_types
from urbaneta.domain.buildings import Address, Apartment, BillingSettings, Building, Charge
from urbaneta.errors import Conflict, Forbidden, NotFound, TooManyRequests
from urbaneta.models.buildings import (
    CLEARABLE_BILLING,
    ApartmentCreate,
    ApartmentOut,
    ApartmentPatch,
    BuildingCreate,
    BuildingDelete,
    BuildingOut,
    BuildingPatch,
    ChargeCreate,
    ChargeOut,
    ChargePatch,
    check_charge,
)
from urbaneta.store import buildings as store
from urbaneta.store import keys
from urbaneta.store.pages import Page, PageRequest


def _emit(caller: Principal, event: str, data: dict[str, Any]) -> None:
    """The event's model (``domain/events.py``) from ``data`` plus who did it: ``created_by``, ``updated_by``,
    ``archived_by`` or ``deleted_by``."""
    model = event_types.of(event).data
    actor = f"{event.split('.')[1]}_by"
    publish([domain_event(event, caller.tenant_id, model(**data, **{actor: caller.user_id}))])


def _dump(model: Any) -> Any:
    """A request value as stored (camelCase keys, Decimal numbers)."""
    return model.model_dump(by_alias=True, mode="python", exclude_none=True) if hasattr(model, "model_dump") else model


# ---- buildings -----------------------------------------------------------------------------------------------


def _building_data(b: Building) -> dict[str, Any]:
    return {"id": b.id, "name": b.name}


def create_building(caller: Principal, body: BuildingCreate) -> BuildingOut:
    now = now_iso()
    building = Building(
        id=new_id(), tenant_id=caller.tenant_id, name=body.name, currency=body.currency, metadata=body.metadata,
        address=Address.model_validate(_dump(body.address)),
        billing=BillingSettings.model_validate(_dump(body.billing)),
        status="active", created_at=now, updated_at=now,
    )
    store.create_building(building)
    _emit(caller, "building.created", _building_data(building))
    return BuildingOut.of(building)


def list_buildings(caller: Principal, *, limit: str | None, cursor: str | None) -> Page[BuildingOut]:
    """Staff: every active building (creation order). Residents: the buildings of their apartments."""
    req = PageRequest.parse(caller.tenant_id, "buildings" if caller.is_staff else "buildings:resident",
                            limit=limit, cursor=cursor)
    buildings, last = store.page_buildings(
        caller.tenant_id, limit=req.limit, start_key=req.start,
        only_with_apartments=None if caller.is_staff else caller.apartment_ids,
    )
    return req.page([BuildingOut.of(b) for b in buildings], last)


def _visible_building_item(caller: Principal, building_id: str) -> dict[str, Any]:
    item = store.get_building_item(caller.tenant_id, building_id)
    if not store.is_active(item):
        raise NotFound(store.BUILDING_NOT_FOUND)
    assert item is not None
    if not caller.is_staff and not (store.building_apartment_ids(item) & caller.apartment_ids):
        raise NotFound(store.BUILDING_NOT_FOUND)
    return item


def get_building(caller: Principal, building_id: str) -> BuildingOut:
    item = _visible_building_item(caller, building_id)
    return BuildingOut.of(Building.model_validate(item))


def update_building(caller: Principal, building_id: str, body: BuildingPatch) -> BuildingOut:
    """Only the given fields change; in ``address`` and ``billing`` only the given keys; ``metadata`` is
    replaced as a whole; ``billing.iban``/``bankName``/``invoicePrefix``/``lateInterestDailyRate``: null
    clears. One conditional UpdateItem (404 unless the building is active in the caller's organisation)."""
    sets: dict[str, Any] = {"updatedAt": now_iso()}
    removes: list[str] = []
    for field in ("name", "currency", "metadata"):
        if field in body.model_fields_set:
            sets[field] = getattr(body, field)
    if body.address is not None:
        for name in body.address.model_fields_set:
            sets[f"address.{type(body.address).model_fields[name].alias}"] = getattr(body.address, name)
    if body.billing is not None:
        for name in body.billing.model_fields_set:
            path = f"billing.{type(body.billing).model_fields[name].alias}"
            value = getattr(body.billing, name)
            if value is None and name in CLEARABLE_BILLING:
                removes.append(path)
            else:
                sets[path] = value
    building = store.update_building(caller.tenant_id, building_id, sets, removes)
    changed = sorted({path.split(".")[0] for path in [*sets, *removes]} - {"updatedAt"})
    if changed:
        _emit(caller, "building.updated", {**_building_data(building), "changes": changed})
    return BuildingOut.of(building)


def delete_building(caller: Principal, building_id: str, body: BuildingDelete | None) -> bool:
    """Owner only, confirmed with the caller's own password (wrong or missing: 403, nothing changes).
    Returns True when the building was archived (it has issued invoices), False when it was deleted."""
    if caller.role != Role.OWNER:
        raise Forbidden("Only the organisation's owner may delete a building.")
    item = store.get_building_item(caller.tenant_id, building_id)
    resuming = store.is_being_deleted(item)
    if not store.is_active(item) and not resuming:
        raise NotFound(store.BUILDING_NOT_FOUND)
    _confirm_password(caller, body.password if body is not None else None)
    building = Building.model_validate(item)
    if not resuming and _has_invoices(caller.tenant_id, building_id):
        store.archive_building(caller.tenant_id, building_id, now_iso())
        _emit(caller, "building.archived", _building_data(building))
        return True
    if not resuming:
        store.archive_building(caller.tenant_id, building_id, now_iso(), deleting=True)
    if _has_invoices(caller.tenant_id, building_id):
        # an invoice was issued between the check and the archiving (a generation job already running):
        # accounting records win, the building stays archived
        store.keep_archived(caller.tenant_id, building_id)
        _emit(caller, "building.archived", _building_data(building))
        return True
    from urbaneta.store import meters

    meters.delete_meters_of_building(caller.tenant_id, building_id)
    store.delete_building_cascade(caller.tenant_id, building_id)
    _emit(caller, "building.deleted", _building_data(building))
    return False


def _confirm_password(caller: Principal, password: str | None) -> None:
    """403 unless ``password`` is the calling user's own. Attempts are throttled per user like logins
    (429 with Retry-After once the window's failures are used up); a success gives its attempt back."""
    if not password:
        raise Forbidden(_PASSWORD_NEEDED)
    from urbaneta.settings import get_settings
    from urbaneta.store import throttle

    window = get_settings().login_failure_window_seconds
    subject = f"{caller.tenant_id}:{caller.user_id}"
    wait = throttle.take("building-delete-password", subject, limit=get_settings().login_max_failures_per_account,
                         window_seconds=window)
    if wait:
        raise TooManyRequests("Too many password attempts; retry later.", retry_after=wait)
    if not _password_matches(caller, password):
        raise Forbidden(_PASSWORD_NEEDED)
    throttle.give_back("building-delete-password", subject, window_seconds=window)


_PASSWORD_NEEDED = "Deleting a building needs your password; the password is missing or wrong."


def _password_matches(caller: Principal, password: str) -> bool:
    """The calling user's own password (an API key has none: never matches)."""
    from urbaneta.auth.passwords import verify_password
    from urbaneta.store import users

    user = users.get_user(caller.tenant_id, caller.user_id) if caller.kind == "user" else None
    stored = user.get("passwordHash") if user and user.get("status", "active") == "active" else None
    # without a stored hash a dummy one is verified: the same cost, always False
    return verify_password(stored if isinstance(stored, str) else None, password)


def _has_invoices(tenant_id: str, building_id: str) -> bool:
    from urbaneta.store import invoices

    return invoices.has_invoices_for_building(tenant_id, building_id)


# ---- apartments ----------------------------------------------------------------------------------------------


def _apartment_data(a: Apartment) -> dict[str, Any]:
    return {"id": a.id, "building_id": a.building_id, "number": a.number, "reference_number": a.reference_number}


def create_apartment(caller: Principal, building_id: str, body: ApartmentCreate) -> ApartmentOut:
    """In one transaction with its number guard (409 when the number is taken in the building) and a new
    permanent 7-3-1 reference number, unique in the organisation."""
    now = now_iso()
    draft = Apartment(
        id=new_id(), tenant_id=caller.tenant_id, building_id=building_id, number=body.number, area=body.area,
        residents_count=body.residents_count, owner_name=body.owner_name, email=body.email, metadata=body.metadata,
        reference_number="0", created_at=now, updated_at=now,
    )
    apartment = store.create_apartment(draft)
    _emit(caller, "apartment.created", _apartment_data(apartment))
    return ApartmentOut.of(apartment)


def list_apartments(caller: Principal, building_id: str, *, limit: str | None, cursor: str | None
                    ) -> Page[ApartmentOut]:
    """Staff: every apartment in natural number order, one Query (its first page also proves the building
    exists). Residents: their own apartments of the building (one BatchGetItem; one page)."""
    scope = f"buildings/{building_id}/apartments"
    if not caller.is_staff:
        return _resident_apartments(caller, building_id, PageRequest.parse(
            caller.tenant_id, f"{scope}:resident", limit=limit, cursor=cursor))
    req = PageRequest.parse(caller.tenant_id, scope, limit=limit, cursor=cursor)
    apartments, last = store.page_apartments(caller.tenant_id, building_id, limit=req.limit, start_key=req.start)
    return req.page([ApartmentOut.of(a) for a in apartments], last)


def _resident_apartments(caller: Principal, building_id: str, req: PageRequest) -> Page[ApartmentOut]:
    """A resident's own apartments of the building (one BatchGetItem), in natural number order; the cursor
    carries the sort position of the last one returned."""
    after, size = req.start, req.limit
    building, mine = store.get_building_and_apartments(caller.tenant_id, building_id, caller.apartment_ids)
    here = sorted((a for a in mine if a.building_id == building_id),
                  key=lambda a: (keys.natural_sort_key(a.number), a.id))
    if not store.is_active(building) or not here:
        raise NotFound(store.BUILDING_NOT_FOUND)
    if after is not None:
        position = (str(after.get("n")), str(after.get("id")))
        here = [a for a in here if (keys.natural_sort_key(a.number), a.id) > position]
    page, more = here[:size], len(here) > size
    last = {"n": keys.natural_sort_key(page[-1].number), "id": page[-1].id} if more and page else None
    return req.page([ApartmentOut.of(a) for a in page], last)


def _visible_apartment(caller: Principal, building_id: str, apartment_id: str) -> Apartment:
    if not caller.can_see_apartment(apartment_id):
        raise NotFound(store.APARTMENT_NOT_FOUND)
    building, found = store.get_building_and_apartments(caller.tenant_id, building_id, [apartment_id])
    if not store.is_active(building):
        raise NotFound(store.BUILDING_NOT_FOUND)
    if not found or found[0].building_id != building_id:
        raise NotFound(store.APARTMENT_NOT_FOUND)
    return found[0]


def get_apartment(caller: Principal, building_id: str, apartment_id: str) -> ApartmentOut:
    return ApartmentOut.of(_visible_apartment(caller, building_id, apartment_id))


def _changes(body: ApartmentPatch | ChargePatch, names: set[str]) -> tuple[dict[str, Any], list[str]]:
    """A PATCH as item changes: given values are set (by their wire names), explicit nulls removed."""
    sets: dict[str, Any] = {"updatedAt": now_iso()}
    removes: list[str] = []
    for name in names:
        alias = type(body).model_fields[name].alias or name
        value = getattr(body, name)
        if value is None:
            removes.append(alias)
        else:
            sets[alias] = value
    return sets, removes


def update_apartment(caller: Principal, building_id: str, apartment_id: str, body: ApartmentPatch) -> ApartmentOut:
    """Only the given fields change (``ownerName``/``email``: null clears; ``metadata`` is replaced). A new
    number moves the number guard in the same transaction (409 when taken). The reference number is
    permanent."""
    before = _visible_apartment(caller, building_id, apartment_id)
    sets, removes = _changes(body, body.model_fields_set)
    after = store.update_apartment(before, sets, removes)
    changes = sorted((set(sets) | set(removes)) - {"updatedAt", "GSI1PK", "GSI1SK"})
    _emit(caller, "apartment.updated", {**_apartment_data(after), "changes": changes})
    return ApartmentOut.of(after)


def delete_apartment(caller: Principal, building_id: str, apartment_id: str) -> None:
    """An apartment with invoices is kept (409): its invoices and payments refer to it."""
    apartment = _visible_apartment(caller, building_id, apartment_id)
    from urbaneta.store import invoices

    if invoices.has_invoices_for_apartment(caller.tenant_id, apartment_id):
        raise Conflict("The apartment has invoices and cannot be deleted.")
    store.delete_apartment(apartment)
    _emit(caller, "apartment.deleted", _apartment_data(apartment))


# ---- charges -------------------------------------------------------------------------------------------------


def _charge_data(c: Charge) -> dict[str, Any]:
    return {"id": c.id, "building_id": c.building_id, "name": c.name, "type": c.type}


def create_charge(caller: Principal, building_id: str, body: ChargeCreate) -> ChargeOut:
    check_charge(body.type, body.meter_type, body.unit_price)
    now = now_iso()
    charge = Charge(
        id=new_id(), tenant_id=caller.tenant_id, building_id=building_id, name=body.name, type=body.type,
        unit_price=body.unit_price, vat_rate=body.vat_rate, meter_type=body.meter_type, created_at=now, updated_at=now,
    )
    store.create_charge(charge)
    _emit(caller, "charge.created", _charge_data(charge))
    return ChargeOut.of(charge)


def list_charges(caller: Principal, building_id: str, *, limit: str | None, cursor: str | None) -> Page[ChargeOut]:
    req = PageRequest.parse(caller.tenant_id, f"buildings/{building_id}/charges", limit=limit, cursor=cursor)
    charges, last = store.page_charges(caller.tenant_id, building_id, limit=req.limit, start_key=req.start)
    return req.page([ChargeOut.of(c) for c in charges], last)


def _charge(caller: Principal, building_id: str, charge_id: str) -> Charge:
    building, charge = store.get_building_and_charge(caller.tenant_id, building_id, charge_id)
    if not store.is_active(building):
        raise NotFound(store.BUILDING_NOT_FOUND)
    if charge is None:
        raise NotFound(store.CHARGE_NOT_FOUND)
    return charge


def get_charge(caller: Principal, building_id: str, charge_id: str) -> ChargeOut:
    return ChargeOut.of(_charge(caller, building_id, charge_id))


def update_charge(caller: Principal, building_id: str, charge_id: str, body: ChargePatch) -> ChargeOut:
    """Only the given fields change (``vatRate`` null: the building's rate). The result must still be a
    consistent charge: ``meterType`` exactly for ``metered``; a ``shared_by_area`` total in cents."""
    before = _charge(caller, building_id, charge_id)
    given = body.model_fields_set
    meter_type = body.meter_type if "meter_type" in given else before.meter_type
    if "type" in given and body.type != "metered" and "meter_type" not in given:
        meter_type = None  # leaving "metered": the meter type goes with it
    type_ = body.type if body.type is not None else before.type
    unit_price = body.unit_price if body.unit_price is not None else before.unit_price
    check_charge(type_, meter_type, unit_price)
    sets, removes = _changes(body, given - {"meter_type"})
    if meter_type is None:
        if before.meter_type is not None:
            removes.append("meterType")
    elif meter_type != before.meter_type:
        sets["meterType"] = meter_type
    after = store.update_charge(before, sets, removes)
    changes = sorted((set(sets) | set(removes)) - {"updatedAt"})
    _emit(caller, "charge.updated", {**_charge_data(after), "changes": changes})
    return ChargeOut.of(after)


def delete_charge(caller: Principal, building_id: str, charge_id: str) -> None:
    charge = _charge(caller, building_id, charge_id)
    store.delete_charge(charge)
    _emit(caller, "charge.deleted", _charge_data(charge))
