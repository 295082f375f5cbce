"""Apartments of a building: create, list (residents: their own), read, change, delete."""

from __future__ import annotations

from typing import Any

from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.buildings import Apartment
from urbaneta.errors import Conflict, NotFound
from urbaneta.models.buildings import ApartmentCreate, ApartmentOut, ApartmentPatch
from urbaneta.models.common import require_match
from urbaneta.services.buildings.common import emit, patch_changes
from urbaneta.store import buildings as store
from urbaneta.store import keys
from urbaneta.store.pages import Page, PageRequest


def _apartment_data(a: Apartment) -> dict[str, Any]:
    return {"id": a.id, "building_id": a.building_id, "number": a.number, "reference_number": a.reference_number}


def create_apartment(caller: Principal, building_id: str, body: ApartmentCreate) -> ApartmentOut:
    """In one transaction with its number guard (409 when the number is taken in the building) and a new
    permanent 7-3-1 reference number, unique in the organisation."""
    now = now_iso()
    draft = Apartment(
        id=new_id(), tenant_id=caller.tenant_id, building_id=building_id, number=body.number, area=body.area,
        residents_count=body.residents_count, owner_name=body.owner_name, email=body.email, language=body.language,
        metadata=body.metadata,
        reference_number="0", created_at=now, updated_at=now,
    )
    apartment = store.create_apartment(draft)
    emit(caller, "apartment.created", _apartment_data(apartment))
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


def update_apartment(caller: Principal, building_id: str, apartment_id: str, body: ApartmentPatch,
                     if_match: str | None = None) -> ApartmentOut:
    """Only the given fields change (``ownerName``/``email``: null clears; ``metadata`` is replaced). A new
    number moves the number guard in the same transaction (409 when taken). The reference number is
    permanent."""
    before = _visible_apartment(caller, building_id, apartment_id)
    require_match(if_match, ApartmentOut.of(before))
    sets, removes = patch_changes(body, body.model_fields_set)
    after = store.update_apartment(before, sets, removes)
    changes = sorted((set(sets) | set(removes)) - {"updatedAt", "GSI1PK", "GSI1SK"})
    emit(caller, "apartment.updated", {**_apartment_data(after), "changes": changes})
    return ApartmentOut.of(after)


def delete_apartment(caller: Principal, building_id: str, apartment_id: str) -> None:
    """An apartment with invoices is kept (409): its invoices and payments refer to it."""
    apartment = _visible_apartment(caller, building_id, apartment_id)
    from urbaneta.store import invoices

    if invoices.has_invoices_for_apartment(caller.tenant_id, apartment_id):
        raise Conflict("The apartment has invoices and cannot be deleted.")
    store.delete_apartment(apartment)
    emit(caller, "apartment.deleted", _apartment_data(apartment))
