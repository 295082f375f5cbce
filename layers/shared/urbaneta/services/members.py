"""The organisation's staff: the owner invites members by e-mail with a role, changes roles and removes
members; the invitee accepts through the same one-time-token flow as residents (``POST /invitations/accept``).

Removing a member or changing their role ends every token of theirs at once (``auth.tokens.revoke_user``, at
the organisation gate), and their refresh tokens give nothing more: ``auth.refresh`` refuses a removed user and
a session whose role is no longer the user's. The last owner can never be removed or demoted (409).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal, Role
from urbaneta.auth.tokens import revoke_user, token_hash
from urbaneta.clock import new_id, now_iso, parse_rfc3339, rfc3339, utcnow
from urbaneta.domain.events.auth import MemberInvited, MemberJoined, MemberRemoved, MemberRoleChanged
from urbaneta.domain.organization import MemberInvitation
from urbaneta.domain.residents import check_usable
from urbaneta.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.organization import MemberInvitationOut, MemberInvite, MemberOut, MemberRoleUpdate
from urbaneta.models.residents import AcceptedOut, InvitationAccept
from urbaneta.observability import logger
from urbaneta.services.leaving import revoke_keys_of
from urbaneta.services.mails import MailContent
from urbaneta.store import members as store
from urbaneta.store import users as users_store
from urbaneta.store.pages import Page, PageRequest

INVITATION_TTL = timedelta(days=7)


def _mail(inv: MemberInvitation, token: str) -> MailContent:
    """In the organisation's language; the link opens the hosted acceptance page."""
    from urbaneta.i18n import texts
    from urbaneta.services.documents_context import organisation
    from urbaneta.services.links import token_link
    from urbaneta.services.mails import member_invitation_mail

    org = organisation(inv.tenant_id)
    return member_invitation_mail(texts(org.default_language), organization=org.display_name or "Urbaneta",
                                  role=inv.role, expires=parse_rfc3339(inv.expires_at).date(),
                                  url=token_link("/invitations/accept", token))


def _signed_in(caller: Principal) -> None:
    """Staff is managed by signed-in owners: a leaked API key must not let anyone make themselves a member."""
    if caller.kind != "user":
        raise Forbidden("Members are managed by signed-in owners, not by API keys.")


def invite(caller: Principal, body: MemberInvite) -> MemberInvitationOut:
    """E-mail a one-time token (only its hash is stored) valid 7 days. One pending invitation per e-mail
    (409); a current member's e-mail is 409 too (change their role instead)."""
    from urbaneta.adapters.mail import MailRefused, send_email

    _signed_in(caller)
    store.ensure_listed(caller.tenant_id, caller.user_id)  # organisations registered before staff existed
    store.ensure_owners(caller.tenant_id)
    email = users_store.normalise_email(str(body.email))
    existing = users_store.find_by_email(email)
    if existing and existing["tenantId"] == caller.tenant_id and store.get(caller.tenant_id, existing["id"]):
        raise Conflict("This person is already a member; change their role instead.")
    token, now = secrets.token_urlsafe(32), utcnow()
    inv = MemberInvitation(id=new_id(), tenant_id=caller.tenant_id, email=email, role=body.role,
                           token_hash=token_hash(token), invited_by=caller.user_id,
                           expires_at=rfc3339(now + INVITATION_TTL), created_at=rfc3339(now))
    store.create_invitation(inv)
    mail = _mail(inv, token)
    try:
        send_email([email], mail.subject, mail.text, html=mail.html)
    except MailRefused as exc:
        store.cancel_invitation(inv, now=now_iso())
        raise ValidationFailed.one("email", "was refused by the mail service; check the address") from exc
    except Exception as exc:
        logger.exception("member invitation e-mail failed", extra={"invitationId": inv.id})
        store.cancel_invitation(inv, now=now_iso())
        raise ServiceUnavailable("The invitation e-mail could not be sent; try again.") from exc
    publish([domain_event("member.invited", caller.tenant_id, MemberInvited(
        invitation_id=inv.id, email=email, role=inv.role, expires_at=inv.expires_at, invited_by=caller.user_id))])
    return MemberInvitationOut.of(inv)


def _usable(tenant_id: str, invitation_id: str) -> MemberInvitation:
    inv = store.get_invitation(tenant_id, invitation_id)
    check_usable(inv.status, inv.expires_at, now=utcnow())
    return inv


def _joining_user(inv: MemberInvitation, body: InvitationAccept) -> tuple[dict[str, Any], str | None]:
    """The user who joins and their role before (None: created now). An existing account must be a resident
    of the same organisation, who proves it with their password."""
    from urbaneta.auth import passwords
    from urbaneta.services import auth as auth_service

    existing = users_store.find_by_email(inv.email)
    if existing is None:
        return auth_service.create_user(inv.tenant_id, email=inv.email, name=body.name, password=body.password,
                                        role=inv.role), None
    if existing["tenantId"] != inv.tenant_id:
        raise Conflict("This e-mail address already belongs to a user of another organisation; ask for an "
                       "invitation to another address.")
    if existing.get("status", "active") != "active":
        raise Conflict("The account with this e-mail address is disabled.")
    if existing.get("role") != str(Role.RESIDENT):
        raise Conflict("This e-mail address already belongs to a member of the organisation.")
    if not passwords.verify_password(existing.get("passwordHash"), body.password):
        raise Unauthorized("An account with this e-mail address exists; give its password to join with it.")
    return auth_service.public_user(existing), str(existing["role"])


def accept(tenant_id: str, invitation_id: str, body: InvitationAccept) -> AcceptedOut:
    """The token's invitation makes the person a member with its role (a new account, or the organisation's
    resident with this e-mail), once, and signs them in."""
    from urbaneta.services import auth as auth_service

    inv = _usable(tenant_id, invitation_id)
    user, was = _joining_user(inv, body)
    if inv.role == "owner":
        store.ensure_owners(tenant_id)
    store.claim(inv, user, was=was, now=now_iso())
    user = {**user, "role": inv.role}
    tokens = auth_service.issue_tokens(user)
    publish([domain_event("member.joined", tenant_id, MemberJoined(
        user_id=str(user["id"]), invitation_id=inv.id, role=inv.role, linked_existing_user=was is not None))])
    return AcceptedOut(access_token=tokens["accessToken"], refresh_token=tokens["refreshToken"],
                       expires_in=int(tokens["expiresIn"]), tenant_id=tenant_id, user_id=str(user["id"]),
                       role=inv.role, linked_existing_user=was is not None)


def list_members(caller: Principal, *, limit: str | None, cursor: str | None) -> Page[MemberOut]:
    """The organisation's members by e-mail (one Query of the staff index)."""
    req = PageRequest.parse(caller.tenant_id, "members", limit=limit, cursor=cursor)
    items, last = store.page(caller.tenant_id, limit=req.limit, start_key=req.start)
    return req.page([MemberOut.of(m) for m in items], last)


def list_invitations(caller: Principal, *, limit: str | None, cursor: str | None) -> Page[MemberInvitationOut]:
    """Pending member invitations that have not expired, soonest expiry first (one Query)."""
    req = PageRequest.parse(caller.tenant_id, "member-invitations", limit=limit, cursor=cursor)
    items, last = store.pending_page(caller.tenant_id, now=now_iso(), limit=req.limit, start_key=req.start)
    return req.page([MemberInvitationOut.of(i) for i in items], last)


def cancel_invitation(caller: Principal, invitation_id: str) -> None:
    """A pending invitation's token fails from now on and its e-mail may be invited again. A cancelled one
    is 404; an accepted one 409."""
    _signed_in(caller)
    inv = store.get_invitation(caller.tenant_id, invitation_id) if len(invitation_id) <= 64 else None
    if inv is None or inv.status == "cancelled":
        raise NotFound("Invitation not found.")
    if inv.status == "accepted":
        raise Conflict("The invitation was already accepted; remove the member instead.")
    store.cancel_invitation(inv, now=now_iso())


def _member(caller: Principal, user_id: str) -> dict[str, Any]:
    _signed_in(caller)
    member = store.get(caller.tenant_id, user_id) if len(user_id) <= 64 else None
    if member is None:
        raise NotFound("No such member.")
    return member


def get_member(caller: Principal, user_id: str) -> MemberOut:
    return MemberOut.model_validate(_member(caller, user_id))


def change_role(caller: Principal, user_id: str, body: MemberRoleUpdate, if_match: str | None = None) -> MemberOut:
    member = _member(caller, user_id)
    require_match(if_match, MemberOut.model_validate(member))
    previous = str(member["role"])
    if previous == body.role:
        return MemberOut.model_validate(member)
    if "owner" in (previous, body.role):
        store.ensure_owners(caller.tenant_id)
    store.change_role(caller.tenant_id, member, new=body.role, now=now_iso())
    revoke_user(caller.tenant_id, user_id)
    publish([domain_event("member.role_changed", caller.tenant_id, MemberRoleChanged(
        user_id=user_id, previous_role=previous, role=body.role, changed_by=caller.user_id))])
    return MemberOut.model_validate({**member, "role": body.role})


def remove(caller: Principal, user_id: str) -> None:
    member = _member(caller, user_id)
    if member["role"] == "owner":
        store.ensure_owners(caller.tenant_id)
    now = now_iso()
    outcome = store.remove(caller.tenant_id, member, now=now)
    revoke_user(caller.tenant_id, user_id)
    revoked = revoke_keys_of(caller.tenant_id, user_id, now=now)
    publish([domain_event("member.removed", caller.tenant_id, MemberRemoved(
        user_id=user_id, role=str(member["role"]), remains_resident=outcome == "resident",
        revoked_api_keys=revoked, removed_by=caller.user_id))])
