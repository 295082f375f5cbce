"""Maintenance requests: create, list, get and change (status, comment, priority, metadata), with the
history kept as child items and the events ``maintenance.created`` / ``maintenance.updated``."""

from __future__ import annotations

from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, rfc3339, utcnow
from urbaneta.domain.events.residents import MaintenanceCreated, MaintenanceUpdated
from urbaneta.domain.maintenance import MAX_HISTORY, HistoryEntry, MaintenanceRequest, check_transition
from urbaneta.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.maintenance import MaintenanceRequestCreate, MaintenanceRequestOut, MaintenanceRequestUpdate
from urbaneta.store import buildings as buildings_store
from urbaneta.store import maintenance as store
from urbaneta.store.pages import Page, PageRequest


def _event_data(req: MaintenanceRequest) -> dict[str, Any]:
    return {"id": req.id, "building_id": req.building_id, "apartment_id": req.apartment_id, "title": req.title,
            "priority": req.priority, "status": req.status}


def create_request(caller: Principal, body: MaintenanceRequestCreate) -> MaintenanceRequestOut:
    """A resident for one of their apartments; staff for any apartment of the organisation or for the
    building as a whole (no apartment)."""
    if not caller.is_staff:
        if body.apartment_id is None:
            raise ValidationFailed.one("apartmentId", "is required for residents")
        if not caller.can_see_apartment(body.apartment_id):
            raise NotFound("Apartment not found.")
    building = buildings_store.get_building(caller.tenant_id, body.building_id)
    if body.apartment_id is not None:
        apartment = buildings_store.get_apartment(caller.tenant_id, body.apartment_id)
        if apartment.building_id != building.id:
            raise ValidationFailed.one("apartmentId", "is not an apartment of this building")
    moment = utcnow()
    now = rfc3339(moment)
    req = MaintenanceRequest(
        id=new_id(), tenant_id=caller.tenant_id, building_id=building.id, apartment_id=body.apartment_id,
        title=body.title, description=body.description, priority=body.priority, status="open",
        metadata=body.metadata or {}, created_by=caller.user_id, history_count=1, created_at=now, updated_at=now,
        sort_time=moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    first = HistoryEntry(seq=0, type="created", at=now, by=caller.user_id, by_role=str(caller.role),
                         to_status="open")
    store.create(req, first)
    publish([domain_event("maintenance.created", caller.tenant_id, MaintenanceCreated(
        **_event_data(req), description=req.description, created_by=caller.user_id))])
    return MaintenanceRequestOut.of(req, [first])


def _visible(caller: Principal, tenant_request: tuple[MaintenanceRequest, list[HistoryEntry]]
             ) -> tuple[MaintenanceRequest, list[HistoryEntry]]:
    req, _ = tenant_request
    if not caller.is_staff and not caller.can_see_apartment(req.apartment_id):
        raise NotFound("Maintenance request not found.")
    return tenant_request


def get_request(caller: Principal, request_id: str) -> MaintenanceRequestOut:
    req, history = _visible(caller, store.load(caller.tenant_id, request_id))
    return MaintenanceRequestOut.of(req, history)


def update_request(caller: Principal, request_id: str, body: MaintenanceRequestUpdate,
                   if_match: str | None = None) -> MaintenanceRequestOut:
    req, history = _visible(caller, store.load(caller.tenant_id, request_id))
    require_match(if_match, MaintenanceRequestOut.of(req, history))
    if not caller.is_staff and (body.priority is not None or body.metadata is not None):
        raise Forbidden("Residents may comment and confirm or reopen a resolved request, nothing else.")
    if body.status is not None:
        if body.status == req.status:
            message = f"The request is already {req.status}."
            raise Conflict(message, errors=[FieldError("status", message)])
        check_transition(req.status, body.status, is_staff=caller.is_staff)
    if req.history_count >= MAX_HISTORY:
        raise Conflict(f"The request's history is full ({MAX_HISTORY} entries); open a new request.")
    now = now_iso()
    entry_type = "status_changed" if body.status else "comment" if body.comment else "updated"
    entry = HistoryEntry(
        seq=req.history_count, type=entry_type, at=now, by=caller.user_id, by_role=str(caller.role),
        from_status=req.status if body.status else None, to_status=body.status, comment=body.comment,
    )
    changes = {
        "status": body.status or req.status,
        "priority": body.priority or req.priority,
        "metadata": body.metadata if body.metadata is not None else req.metadata,
        "history_count": req.history_count + 1,
        "updated_at": now,
    }
    after = req.model_copy(update=changes)
    store.save_change(req, after, entry)
    changed = [name for name, given in (("status", body.status), ("priority", body.priority),
                                        ("metadata", body.metadata)) if given is not None]
    publish([domain_event("maintenance.updated", caller.tenant_id, MaintenanceUpdated(
        **_event_data(after), previous_status=req.status, changes=changed, comment=body.comment,
        updated_by=caller.user_id, updated_by_role=str(caller.role)))])
    return MaintenanceRequestOut.of(after, [*history, entry])


def list_requests(caller: Principal, *, building_id: str | None, apartment_id: str | None, status: str | None,
                  limit: str | None, cursor: str | None) -> Page[MaintenanceRequestOut]:
    """One Query per call. Staff: the narrowest partition the filters name (apartment, building, tenant).
    Residents: their apartments' partitions one after another; the cursor remembers which one is next,
    so a page may hold fewer than ``limit`` items while ``nextCursor`` still leads on."""
    tenant = caller.tenant_id
    scope = f"maintenance|b={building_id or ''}|a={apartment_id or ''}|s={status or ''}"
    if caller.is_staff:
        req = PageRequest.parse(tenant, scope, limit=limit, cursor=cursor)
        index, partition = store.partitions(tenant, building_id=building_id, apartment_id=apartment_id)
        items, last = store.page(partition, index=index, status=status, limit=req.limit, start_key=req.start,
                                 building_id=building_id if apartment_id else None)
        return req.page([MaintenanceRequestOut.of(i) for i in items], last)

    if apartment_id is not None and not caller.can_see_apartment(apartment_id):
        raise NotFound("Apartment not found.")
    apartments = [apartment_id] if apartment_id else sorted(caller.apartment_ids)
    req = PageRequest.parse(tenant, f"{scope}|mine={','.join(apartments)}", limit=limit, cursor=cursor)
    state = req.start or {"i": 0, "k": None}
    position, start = int(state.get("i", 0)), state.get("k")
    if not apartments or position >= len(apartments):
        return Page([])
    partition = store.apartment_partitions(tenant, apartments)[position]
    items, last = store.page(partition, index="GSI3", status=status, limit=req.limit, start_key=start,
                             building_id=building_id)
    if last is not None:
        following: dict[str, Any] | None = {"i": position, "k": last}
    elif position + 1 < len(apartments):
        following = {"i": position + 1, "k": None}
    else:
        following = None
    return req.page([MaintenanceRequestOut.of(i) for i in items], following)
