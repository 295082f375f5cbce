"""Residents and invitations.

- POST /invitations: a one-time token (only its sha256 is stored) valid 7 days, e-mailed to the invitee.
- POST /invitations/accept: the token becomes a resident user of the apartment (or links an existing
  resident of the same organisation), once: the pending → accepted conditional write is the one-time use.
- GET /invitations: pending, unexpired invitations; DELETE /invitations/{id} cancels (the token then fails).
- GET /residents: resident users with their apartments.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal, Role
from urbaneta.clock import new_id, now_iso, parse_rfc3339, rfc3339, utcnow
from urbaneta.domain.events.residents import InvitationAccepted, InvitationCancelled, InvitationCreated
from urbaneta.domain.residents import Invitation, Residence, Resident, check_usable
from urbaneta.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed
from urbaneta.models.residents import AcceptedOut, InvitationAccept, InvitationCreate, InvitationOut, ResidentOut
from urbaneta.observability import logger
from urbaneta.store import buildings as buildings_store
from urbaneta.store import invitations as invitations_store
from urbaneta.store import residents as residents_store
from urbaneta.store.pages import Page, PageRequest

INVITATION_TTL = timedelta(days=7)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- invitations ----------------------------------------------------------------------------------------


def _invitation_mail(inv: Invitation, token: str, building_name: str, language: str | None) -> Any:
    """In the apartment's language; the link opens the hosted page (``GET /invitations/accept``)."""
    from urbaneta.i18n import texts
    from urbaneta.services.documents_context import apartment_language, organisation
    from urbaneta.services.links import token_link
    from urbaneta.services.mails import invitation_mail

    org = organisation(inv.tenant_id, fallback_name=building_name)
    tx = texts(language or apartment_language(inv.tenant_id, None, default=org.default_language))
    return invitation_mail(tx, building=building_name, apartment=inv.apartment_number, role=inv.role,
                           expires=parse_rfc3339(inv.expires_at).date(),
                           url=token_link("/invitations/accept", token), association=org.display_name)


def create_invitation(caller: Principal, body: InvitationCreate, *, language: str | None = None) -> InvitationOut:
    """``language``: the e-mail's, when the apartment's is about to change (an ownership change)."""
    from urbaneta.adapters.mail import MailRefused, send_email

    apartment = buildings_store.get_apartment(caller.tenant_id, body.apartment_id)
    building = buildings_store.get_building(caller.tenant_id, apartment.building_id)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    inv = Invitation(
        id=new_id(), tenant_id=caller.tenant_id, apartment_id=apartment.id, building_id=apartment.building_id,
        apartment_number=apartment.number, email=str(body.email).strip().lower(), role=body.role,
        status="pending", token_hash=hash_token(token), invited_by=caller.user_id,
        expires_at=rfc3339(now + INVITATION_TTL), created_at=rfc3339(now),
    )
    invitations_store.create(inv)
    mail = _invitation_mail(inv, token, building.name, language or apartment.language)
    try:
        send_email([inv.email], mail.subject, mail.text, html=mail.html)
    except MailRefused as exc:  # permanent: trying again cannot help, the address is the caller's to fix
        logger.info("invitation e-mail refused", extra={"invitationId": inv.id, "reason": str(exc)})
        invitations_store.cancel(inv, now=now_iso())
        raise ValidationFailed.one("email", "was refused by the mail service; check the address") from exc
    except Exception as exc:  # the invitee never got a token: the invitation must not stay pending
        logger.exception("invitation e-mail failed", extra={"invitationId": inv.id})
        invitations_store.cancel(inv, now=now_iso())
        raise ServiceUnavailable("The invitation e-mail could not be sent; try again.") from exc
    publish([domain_event("invitation.created", caller.tenant_id, InvitationCreated(
        id=inv.id, apartment_id=inv.apartment_id, building_id=inv.building_id, email=inv.email, role=inv.role,
        expires_at=inv.expires_at, invited_by=caller.user_id))])
    return InvitationOut.of(inv, now=inv.created_at)


def get_invitation(caller: Principal, invitation_id: str) -> InvitationOut:
    return InvitationOut.of(invitations_store.get(caller.tenant_id, invitation_id), now=now_iso())


def list_invitations(caller: Principal, *, limit: str | None, cursor: str | None
                     ) -> Page[InvitationOut]:
    """Pending invitations that have not expired, soonest expiry first (one Query on GSI1)."""
    req = PageRequest.parse(caller.tenant_id, "invitations|pending", limit=limit, cursor=cursor)
    now = now_iso()
    items, last = invitations_store.pending_page(caller.tenant_id, now=now, limit=req.limit, start_key=req.start)
    return req.page([InvitationOut.of(i, now=now) for i in items], last)


def cancel_invitation(caller: Principal, invitation_id: str) -> None:
    """A pending invitation becomes cancelled and its token fails from then on. A cancelled one is gone
    (404); an accepted one cannot be cancelled (409)."""
    inv = invitations_store.get(caller.tenant_id, invitation_id)
    if inv.status == "cancelled":
        raise NotFound("Invitation not found.")
    if inv.status == "accepted":
        raise Conflict("The invitation was already accepted; it can no longer be cancelled.")
    invitations_store.cancel(inv, now=now_iso())
    publish([domain_event("invitation.cancelled", caller.tenant_id, InvitationCancelled(
        id=inv.id, apartment_id=inv.apartment_id, building_id=inv.building_id, email=inv.email,
        cancelled_by=caller.user_id))])


def _usable(found: invitations_store.TokenPointer | None) -> Invitation:
    if found is None:
        raise NotFound("The invitation token is not valid.")
    inv = invitations_store.get(found.tenant_id, found.invitation_id)
    check_usable(inv.status, inv.expires_at, now=utcnow())
    return inv


def accept_invitation(body: InvitationAccept) -> AcceptedOut:
    """Create the resident user (or link the existing resident with this e-mail in the same organisation,
    who proves it with their password), mark the invitation accepted exactly once, link the apartment, and
    sign the resident in. A member of staff's invitation (``services.members``) is accepted here too."""
    from urbaneta.auth import passwords
    from urbaneta.services import auth as auth_service
    from urbaneta.store import users as users_store

    found = invitations_store.find_by_token(hash_token(body.token))
    if found is not None and found.kind == "member":
        from urbaneta.services import members

        return members.accept(found.tenant_id, found.invitation_id, body)
    inv = _usable(found)
    try:
        apartment = buildings_store.get_apartment(inv.tenant_id, inv.apartment_id)
    except NotFound as exc:
        raise Conflict("The apartment of this invitation no longer exists.") from exc
    existing = users_store.find_by_email(inv.email)
    linked = existing is not None
    if existing is not None:
        if existing["tenantId"] != inv.tenant_id:
            raise Conflict("This e-mail address already belongs to a user of another organisation; "
                           "ask for an invitation to another address.")
        if existing.get("role") != str(Role.RESIDENT):
            raise Conflict("This e-mail address belongs to a staff member of the organisation, who already "
                           "sees every apartment.")
        if existing.get("status", "active") != "active":
            raise Conflict("The account with this e-mail address is disabled.")
        if not passwords.verify_password(existing.get("passwordHash"), body.password):
            raise Unauthorized("An account with this e-mail address exists; give its password to link the "
                               "apartment to it.")
        user = auth_service.public_user(existing)
    else:
        user = auth_service.create_user(inv.tenant_id, email=inv.email, name=body.name, password=body.password,
                                        role=str(Role.RESIDENT))
    user_id = str(user["id"])
    now = now_iso()
    invitations_store.claim(inv, user_id=user_id, now=now)
    user = auth_service.add_apartment_to_user(inv.tenant_id, user_id, inv.apartment_id,
                                              owner_since=apartment.owner_since)
    _link_resident(inv, user_id=user_id, name=str(user["name"]), now=now)
    tokens = auth_service.issue_tokens(user)
    publish([domain_event("invitation.accepted", inv.tenant_id, InvitationAccepted(
        id=inv.id, apartment_id=inv.apartment_id, building_id=inv.building_id, user_id=user_id, role=inv.role,
        linked_existing_user=linked))])
    return AcceptedOut(
        access_token=tokens["accessToken"], refresh_token=tokens["refreshToken"],
        expires_in=int(tokens["expiresIn"]), token_type=str(tokens.get("tokenType", "Bearer")),
        tenant_id=inv.tenant_id, user_id=user_id, apartment_id=inv.apartment_id, linked_existing_user=linked,
    )


def _link_resident(inv: Invitation, *, user_id: str, name: str, now: str) -> None:
    """Add the apartment (with the invitation's role) to the resident's profile; creates the profile on
    first acceptance. Tried up to three times if another acceptance changes the profile meanwhile."""
    residence = Residence(apartment_id=inv.apartment_id, building_id=inv.building_id,
                          number=inv.apartment_number, role=inv.role, since=now)
    for attempt in range(3):
        current = residents_store.get(inv.tenant_id, user_id)
        if current is None:
            resident = Resident(user_id=user_id, tenant_id=inv.tenant_id, name=name, email=inv.email,
                                apartments=[residence], version=1, created_at=now, updated_at=now)
            expected: int | None = None
        else:
            others = [a for a in current.apartments if a.apartment_id != inv.apartment_id]
            resident = current.model_copy(update={"apartments": [*others, residence], "version": current.version + 1,
                                                  "updated_at": now})
            expected = current.version
        try:
            residents_store.save(resident, expected_version=expected, added=residence)
            return
        except Conflict:
            if attempt == 2:
                raise


# --- residents ------------------------------------------------------------------------------------------


def list_residents(caller: Principal, *, building_id: str | None, apartment_id: str | None, limit: str | None,
                   cursor: str | None) -> Page[ResidentOut]:
    """One Query. No filter: every resident with all their apartments, by e-mail (GSI1). ``buildingId``:
    one entry per residence in the building, by apartment number (GSI2). ``apartmentId``: the apartment's
    residents, by e-mail (GSI3). A filtered entry's ``apartments`` holds the matching residence only."""
    req = PageRequest.parse(caller.tenant_id, f"residents|b={building_id or ''}|a={apartment_id or ''}",
                            limit=limit, cursor=cursor)
    if building_id is None and apartment_id is None:
        items, last = residents_store.page(caller.tenant_id, limit=req.limit, start_key=req.start)
    else:
        items, last = residents_store.residences_page(caller.tenant_id, building_id=building_id,
                                                      apartment_id=apartment_id, limit=req.limit,
                                                      start_key=req.start)
    return req.page([ResidentOut.of(r) for r in items], last)
