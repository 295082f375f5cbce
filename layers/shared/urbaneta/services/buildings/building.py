"""Buildings: create, list, read, change, and delete or archive (the owner's password confirms a delete)."""

from __future__ import annotations

from typing import Any

from urbaneta.auth.principal import Principal, Role
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.buildings import Address, BillingSettings, Building
from urbaneta.errors import Forbidden, NotFound, TooManyRequests
from urbaneta.models.buildings import CLEARABLE_BILLING, BuildingCreate, BuildingDelete, BuildingOut, BuildingPatch
from urbaneta.models.common import require_match
from urbaneta.services.buildings.common import dump, emit
from urbaneta.store import buildings as store
from urbaneta.store.pages import Page, PageRequest


def _building_data(b: Building) -> dict[str, Any]:
    return {"id": b.id, "name": b.name}


def create_building(caller: Principal, body: BuildingCreate) -> BuildingOut:
    now = now_iso()
    building = Building(
        id=new_id(), tenant_id=caller.tenant_id, name=body.name, currency=body.currency, metadata=body.metadata,
        address=Address.model_validate(dump(body.address)),
        billing=BillingSettings.model_validate(dump(body.billing)),
        status="active", created_at=now, updated_at=now,
    )
    store.create_building(building)
    emit(caller, "building.created", _building_data(building))
    return BuildingOut.of(building)


def list_buildings(caller: Principal, *, limit: str | None, cursor: str | None) -> Page[BuildingOut]:
    """Staff: every active building (creation order). Residents: the buildings of their apartments."""
    if not caller.is_staff:
        return _resident_buildings(caller, PageRequest.parse(caller.tenant_id, "buildings:resident", limit=limit,
                                                             cursor=cursor))
    req = PageRequest.parse(caller.tenant_id, "buildings", limit=limit, cursor=cursor)
    buildings, last = store.page_buildings(caller.tenant_id, limit=req.limit, start_key=req.start)
    return req.page([BuildingOut.of(b) for b in buildings], last)


def _resident_buildings(caller: Principal, req: PageRequest) -> Page[BuildingOut]:
    """The buildings of a resident's apartments in creation order (two BatchGetItem calls); the cursor carries
    the position of the last one returned."""
    found = store.buildings_of_apartments(caller.tenant_id, caller.apartment_ids)
    if req.start is not None:
        after = str(req.start.get("c"))
        found = [pair for pair in found if pair[0] > after]
    page, more = found[:req.limit], len(found) > req.limit
    last = {"c": page[-1][0]} if more and page else None
    return req.page([BuildingOut.of(b) for _, b in page], last)


def _visible_building_item(caller: Principal, building_id: str) -> dict[str, Any]:
    """Staff: the building (one GetItem). A resident: the building and their apartments together (one
    BatchGetItem); visible only when one of them is in it."""
    if caller.is_staff:
        item = store.get_building_item(caller.tenant_id, building_id)
    else:
        item, mine = store.get_building_and_apartments(caller.tenant_id, building_id, sorted(caller.apartment_ids))
        if not any(a.building_id == building_id for a in mine):
            raise NotFound(store.BUILDING_NOT_FOUND)
    if not store.is_active(item):
        raise NotFound(store.BUILDING_NOT_FOUND)
    assert item is not None
    return item


def get_building(caller: Principal, building_id: str) -> BuildingOut:
    item = _visible_building_item(caller, building_id)
    return BuildingOut.of(Building.model_validate(item))


def update_building(caller: Principal, building_id: str, body: BuildingPatch, if_match: str | None = None
                    ) -> BuildingOut:
    """Only the given fields change; in ``address`` and ``billing`` only the given keys; ``metadata`` is
    replaced as a whole; ``billing.iban``/``bankName``/``invoicePrefix``/``lateInterestDailyRate``: null
    clears. One conditional UpdateItem (404 unless the building is active in the caller's organisation)."""
    if if_match is not None:  # one read more, only for a conditional change
        require_match(if_match, get_building(caller, building_id))
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
            if name == "reminders":  # stored as plain maps, in the wire's names
                value = [dump(level) for level in value]
            if value is None and name in CLEARABLE_BILLING:
                removes.append(path)
            else:
                sets[path] = value
    building = store.update_building(caller.tenant_id, building_id, sets, removes)
    changed = sorted({path.split(".")[0] for path in [*sets, *removes]} - {"updatedAt"})
    if changed:
        emit(caller, "building.updated", {**_building_data(building), "changes": changed})
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
        emit(caller, "building.archived", _building_data(building))
        return True
    if not resuming:
        store.archive_building(caller.tenant_id, building_id, now_iso(), deleting=True)
    if _has_invoices(caller.tenant_id, building_id):
        # an invoice was issued between the check and the archiving (a generation job already running):
        # accounting records win, the building stays archived
        store.keep_archived(caller.tenant_id, building_id)
        emit(caller, "building.archived", _building_data(building))
        return True
    from urbaneta.store import meters

    meters.delete_meters_of_building(caller.tenant_id, building_id)
    store.delete_building_cascade(caller.tenant_id, building_id)
    emit(caller, "building.deleted", _building_data(building))
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
