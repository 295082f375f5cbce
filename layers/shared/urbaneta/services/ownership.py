"""An apartment changes owners (POST /apartments/{id}/ownership-changes), as one operation:

1. the new owner is invited (the residents' invitation flow and its e-mail, in the apartment's language or the
   one given); a refused address is a 422 and nothing else happens;
2. the change is recorded with the apartment's new owner (``ownerName``, ``email``, ``ownerSince``): invoices
   generated from then on are addressed to them; a later or equal change recorded meanwhile is a 409 (and the
   invitation is cancelled);
3. the apartment's other pending invitations are cancelled (nobody joins the former household any more), and
   every resident of the apartment leaves it as a move-out does (their tokens are refused at once), keeping,
   with ``ownInvoices``, read access to the invoices of periods that ended before the date;
4. drafts of periods ending on or after the date are addressed to the new owner;
5. ``resident.moved_out`` per former resident and ``apartment.owner_changed`` are published.

Rules (``domain.ownership``): the date is the new owner's first day, today or up to a year back; an invoice
belongs to the owner of the last day of its billing period.
"""

from __future__ import annotations

from datetime import date, timedelta

from urbaneta.adapters.events import DomainEvent, domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import now_iso, today
from urbaneta.domain.events.residents import OwnerChanged
from urbaneta.domain.invoices import Recipient
from urbaneta.domain.ownership import belongs_before, date_problem
from urbaneta.domain.residents import Invitation, Resident
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.residents import InvitationCreate, OwnershipChange, OwnershipChangeOut
from urbaneta.services import residents as invitations
from urbaneta.services.leaving import end_residence
from urbaneta.store import buildings
from urbaneta.store import invitations as invitations_store
from urbaneta.store import invoices as invoice_store
from urbaneta.store import ownership as store
from urbaneta.store import residents as residents_store
from urbaneta.store.table import ConditionFailed


def change_owner(caller: Principal, apartment_id: str, body: OwnershipChange) -> OwnershipChangeOut:
    if len(apartment_id) > 64:
        raise NotFound("Apartment not found.")
    apartment = buildings.get_apartment(caller.tenant_id, apartment_id)
    problem = date_problem(body.change_date, today(), apartment.owner_since)
    if problem:
        raise ValidationFailed.one("date", problem)
    formers = _residents_of(caller.tenant_id, apartment_id)
    email = str(body.new_owner.email).strip().lower()
    if any(r.email == email for r in formers):
        raise ValidationFailed.one("newOwner.email", "already lives in the apartment; a new owner is someone else")
    pending = _pending_of(caller.tenant_id, apartment_id)
    _cancel(caller, [i for i in pending if i.email == email])  # the buyer's earlier invitation: replaced
    invitation = invitations.create_invitation(
        caller, InvitationCreate.model_validate({"apartmentId": apartment_id, "email": email, "role": "owner"}),
        language=body.new_owner.language)
    now = now_iso()
    change = {"apartmentId": apartment.id, "buildingId": apartment.building_id,
              "date": body.change_date.isoformat(), "formerOwners": body.former_owners,
              "formerResidents": [r.user_id for r in formers], "newOwnerEmail": email,
              "newOwnerName": body.new_owner.name, "invitationId": invitation.id, "changedBy": caller.user_id,
              "createdAt": now}
    try:
        store.record(apartment, change, change_date=body.change_date, owner_name=body.new_owner.name, email=email,
                     language=body.new_owner.language, now=now)
    except Conflict:
        invitations_store.cancel(invitations_store.get(caller.tenant_id, invitation.id), now=now_iso())
        raise
    _cancel(caller, [i for i in pending if i.email != email])  # the former household's: nobody joins them now
    keep = body.change_date if body.former_owners == "ownInvoices" else None
    events = [_leave(r, apartment_id, caller.user_id, body.change_date - timedelta(days=1), keep) for r in formers]
    readdressed = _readdress_drafts(caller.tenant_id, apartment_id, body, Recipient(name=body.new_owner.name,
                                                                                    email=email))
    events.append(domain_event("apartment.owner_changed", caller.tenant_id, OwnerChanged(
        apartment_id=apartment.id, building_id=apartment.building_id, date=body.change_date.isoformat(),
        former_owners=body.former_owners, former_residents=[r.user_id for r in formers], new_owner_email=email,
        invitation_id=invitation.id, readdressed_invoices=readdressed, changed_by=caller.user_id)))
    publish(events)
    return OwnershipChangeOut(apartment_id=apartment.id, building_id=apartment.building_id,
                              change_date=body.change_date, former_owners=body.former_owners,
                              former_residents=[r.user_id for r in formers], invitation=invitation,
                              readdressed_invoices=readdressed)


def _pending_of(tenant_id: str, apartment_id: str) -> list[Invitation]:
    """The apartment's pending invitations (one Query of the organisation's pending ones, 100 a page)."""
    found: list[Invitation] = []
    start = None
    while True:
        items, start = invitations_store.pending_page(tenant_id, now=now_iso(), limit=100, start_key=start)
        found.extend(i for i in items if i.apartment_id == apartment_id)
        if not start:
            return found


def _cancel(caller: Principal, pending: list[Invitation]) -> None:
    for inv in pending:
        try:
            invitations.cancel_invitation(caller, inv.id)  # invitation.cancelled
        except (Conflict, NotFound):
            continue  # accepted or cancelled meanwhile


def _residents_of(tenant_id: str, apartment_id: str) -> list[Resident]:
    """Every resident of the apartment (its residence partition, GSI3, 100 a page)."""
    found: list[Resident] = []
    start = None
    while True:
        items, start = residents_store.residences_page(tenant_id, building_id=None, apartment_id=apartment_id,
                                                       limit=100, start_key=start)
        found.extend(items)
        if not start:
            return found


def _leave(former: Resident, apartment_id: str, by: str, last_day: date, keep_until: date | None) -> DomainEvent:
    """One former resident leaves (their profile read again if it changed meanwhile, e.g. another apartment)."""
    for attempt in range(3):
        profile = residents_store.get(former.tenant_id, former.user_id)
        if profile is None:
            raise Conflict("A resident of the apartment changed meanwhile; try again.")
        try:
            return end_residence(profile, apartment_id, end_date=last_day, by=by, keep_until=keep_until)
        except Conflict:
            if attempt == 2:
                raise
    raise Conflict("A resident of the apartment changed meanwhile; try again.")


def _readdress_drafts(tenant_id: str, apartment_id: str, body: OwnershipChange, recipient: Recipient) -> list[str]:
    """Drafts of periods ending on or after the date, addressed to the new owner (an issued invoice keeps the
    recipient it was issued to; it stays with the apartment)."""
    out: list[str] = []
    start = None
    while True:
        items, start = invoice_store.list_invoices_page(
            tenant_id, building_id=None, apartment_id=apartment_id, status="draft", issued_from=None, issued_to=None,
            limit=100, start_key=start)
        for inv in items:
            if belongs_before(inv.period_end, body.change_date) or inv.recipient == recipient:
                continue
            try:
                invoice_store.apply([invoice_store.recipient_op(inv, recipient.stored())])
            except (Conflict, ConditionFailed):
                continue  # issued or changed meanwhile: sending and reminders still address the new owner
            out.append(inv.id)
        if not start:
            return out
