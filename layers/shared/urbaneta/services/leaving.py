"""Leaving: a resident moves out of an apartment, and a user is disabled. Each ends the person's access at
once (every access token issued so far is refused at the organisation gate; refresh tokens give nothing
more: ``auth.refresh`` re-reads the user's status and apartments) and emits an event.

After a move-out the former resident keeps no access to the apartment, its invoices included (its past
invoices stay with the organisation, which can send them on request). An ownership change
(``services.ownership``) ends every residence of the apartment the same way, and may let the former residents
keep reading their own past invoices."""

from __future__ import annotations

import time
from datetime import date

from urbaneta.adapters.events import DomainEvent, domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.auth.tokens import REVOCATION_HOLD, revoke_user
from urbaneta.clock import now_iso, today
from urbaneta.domain.events.auth import ResidentMovedOut, UserDisabled
from urbaneta.domain.ownership import windows_after_leaving
from urbaneta.domain.residents import Resident
from urbaneta.errors import Conflict, Forbidden, NotFound, ValidationFailed
from urbaneta.models.residents import MoveOut
from urbaneta.store import api_keys, residents, throttle, users
from urbaneta.store.table import ConditionFailed


def move_out(caller: Principal, user_id: str, body: MoveOut) -> None:
    if body.end_date > today():
        raise ValidationFailed.one("endDate", "must be today or earlier")
    resident = residents.get(caller.tenant_id, user_id) if len(user_id) <= 64 else None
    if resident is None:
        raise NotFound("No such resident.")
    publish([end_residence(resident, body.apartment_id, end_date=body.end_date, by=caller.user_id)])


def end_residence(resident: Resident, apartment_id: str, *, end_date: date, by: str,
                  keep_until: date | None = None) -> DomainEvent:
    """Take a resident off an apartment (a move-out, or every resident at an ownership change) and end every
    token of theirs at once; returns ``resident.moved_out`` for the caller to publish. ``keep_until``: they keep
    reading the apartment's invoices of periods that ended before that date (an ownership change with
    ``ownInvoices``), nothing else of it."""
    tenant_id, user_id = resident.tenant_id, resident.user_id
    left = [r for r in resident.apartments if r.apartment_id == apartment_id]
    if not left:
        raise NotFound("The resident does not live in this apartment.")
    now = now_iso()
    after = resident.model_copy(update={
        "apartments": [r for r in resident.apartments if r.apartment_id != apartment_id],
        "version": resident.version + 1, "updated_at": now})
    residents.remove_residence(after, apartment_id, expected_version=resident.version)
    _leave_user(tenant_id, user_id, apartment_id, keep_until=keep_until, now=now)
    revoke_user(tenant_id, user_id)
    return domain_event("resident.moved_out", tenant_id, ResidentMovedOut(
        user_id=user_id, apartment_id=apartment_id, building_id=left[0].building_id, end_date=end_date.isoformat(),
        moved_out_by=by, keeps_own_invoices=keep_until is not None))


def _leave_user(tenant_id: str, user_id: str, apartment_id: str, *, keep_until: date | None, now: str) -> None:
    """The user item: the apartment off, its invoice window closed (or kept as a past residence); read again
    if the user changed meanwhile (an acceptance, a second change)."""
    for _ in range(3):
        user = users.get_user(tenant_id, user_id)
        if user is None:
            return
        windows = windows_after_leaving(set(user.get("invoiceWindows") or []), apartment_id, keep_until)
        try:
            users.leave_apartment(tenant_id, user_id, apartment_id, windows=windows, seen=str(user["updatedAt"]),
                                  now=now)
            return
        except ConditionFailed:
            continue
    raise Conflict("The resident changed meanwhile; try again.")


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
