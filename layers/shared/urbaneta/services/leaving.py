"""Leaving: a resident moves out of an apartment, and a user is disabled. Each ends the person's access at
once (every access token issued so far is refused at the organisation gate; refresh tokens give nothing
more: ``auth.refresh`` re-reads the user's status and apartments) and emits an event.

After a move-out the former resident keeps no access to the apartment, its invoices included (its past
invoices stay with the organisation, which can send them on request)."""

from __future__ import annotations

import time

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.auth.tokens import REVOCATION_HOLD, revoke_user
from urbaneta.clock import now_iso, today
from urbaneta.domain.events.auth import ResidentMovedOut, UserDisabled
from urbaneta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from urbaneta.models.residents import MoveOut
from urbaneta.store import api_keys, residents, throttle, users


def move_out(caller: Principal, user_id: str, body: MoveOut) -> None:
    if body.end_date > today():
        raise ValidationFailed.one("endDate", "must be today or earlier")
    resident = residents.get(caller.tenant_id, user_id) if len(user_id) <= 64 else None
    if resident is None:
        raise NotFound("No such resident.")
    left = [r for r in resident.apartments if r.apartment_id == body.apartment_id]
    if not left:
        raise NotFound("The resident does not live in this apartment.")
    now = now_iso()
    version = resident.version
    after = resident.model_copy(update={
        "apartments": [r for r in resident.apartments if r.apartment_id != body.apartment_id],
        "version": version + 1, "updated_at": now})
    residents.remove_residence(after, body.apartment_id, expected_version=version)
    users.remove_apartment(caller.tenant_id, user_id, body.apartment_id, now=now)
    revoke_user(caller.tenant_id, user_id)
    publish([domain_event("resident.moved_out", caller.tenant_id, ResidentMovedOut(
        user_id=user_id, apartment_id=body.apartment_id, building_id=left[0].building_id,
        end_date=body.end_date.isoformat(), moved_out_by=caller.user_id))])


def disable_user(caller: Principal, user_id: str) -> None:
    """Disable a user of the caller's organisation: no login, refresh or magic link works any more, every
    token of theirs is refused at once, and the API keys they created are revoked."""
    if user_id == caller.user_id:
        raise Conflict("You cannot disable yourself.")
    user = users.get_user(caller.tenant_id, user_id) if len(user_id) <= 64 else None
    if user is None:
        raise NotFound("No such user.")
    if user.get("role") == "owner" and caller.role != "owner":
        raise Forbidden("Only an owner may disable an owner.")
    now = now_iso()
    users.set_status(caller.tenant_id, user_id, "disabled", now=now)
    revoke_user(caller.tenant_id, user_id)
    revoked = revoke_keys_of(caller.tenant_id, user_id, now=now)
    publish([domain_event("user.disabled", caller.tenant_id, UserDisabled(
        user_id=user_id, role=user.get("role"), revoked_api_keys=revoked, disabled_by=caller.user_id))])


def revoke_keys_of(tenant_id: str, user_id: str, *, now: str) -> list[str]:
    """Revoke the active API keys a user created (a disabled user, a removed member): their tokens end at once."""
    revoked: list[str] = []
    start = None
    while True:
        items, start = api_keys.list_page(tenant_id, limit=100, start_key=start)
        for item in items:
            if item.get("createdBy") == user_id and item.get("status", "active") == "active":
                try:
                    api_keys.revoke(tenant_id, str(item["id"]), now=now)
                except NotFound:
                    continue
                revoked.append(str(item["id"]))
        if not start:
            break
    for key_id in revoked:
        throttle.mark_revoked(tenant_id, key_id, until=int(time.time()) + REVOCATION_HOLD)
    return revoked
