"""Registration: the same answer for a new and a known e-mail; the e-mail finishes it."""

from __future__ import annotations

import secrets

from urbaneta.auth import passwords
from urbaneta.auth.tokens import token_hash
from urbaneta.clock import new_id, now_iso
from urbaneta.errors import Unauthorized
from urbaneta.models.auth import RegisterAccepted, RegisterOut, RegisterRequest, RegisterVerifyRequest
from urbaneta.services.auth import common
from urbaneta.services.auth.common import check_password, give_back, limit_attempts, signed_in_from
from urbaneta.services.auth.users import start_session
from urbaneta.settings import get_settings
from urbaneta.store import registrations, users

REGISTRATION_TTL = 86_400


def register(body: RegisterRequest, *, source_ip: str) -> RegisterAccepted:
    """The same answer for a new and a known e-mail, after the same work; the e-mail finishes it. A new
    address gets a link that creates the organisation (``verify_registration``, with the password again, so
    that a stranger who registered someone else's address cannot hand them an account whose password the
    stranger knows); a known one gets a note that it already has an account. Throttled per address and per
    (e-mail, address)."""
    settings = get_settings()
    email = users.normalise_email(str(body.email))
    limit_attempts("register-address", source_ip, settings.login_max_failures_per_address)
    check_password(body.password, email=email, name=body.name)
    password_hash = passwords.hash_password(body.password)
    limit_attempts("register-email-address", f"{email}|{source_ip}", settings.magic_links_per_email)
    if users.find_by_email(email) is not None:
        _send_registration(email, None, body.language)
        return RegisterAccepted()
    token = secrets.token_urlsafe(32)
    registrations.create(token_hash(token), organisation_name=body.organization_name, email=email, name=body.name,
                         password_hash=password_hash, expires_at=common.now_seconds() + REGISTRATION_TTL,
                         language=body.language)
    _send_registration(email, token, body.language)
    return RegisterAccepted()


def _send_registration(email: str, token: str | None, language: str | None) -> None:
    """A new address: the link to the hosted page that finishes the registration; a known one: a note with the
    link to the page that sends a sign-in link. In the language asked for when registering."""
    from urbaneta.adapters.mail import send_email_quietly
    from urbaneta.i18n import texts
    from urbaneta.services.links import app_base, token_link
    from urbaneta.services.mails import registration_mail

    url = token_link("/auth/register/verify", token) if token else f"{app_base()}/auth/sign-in"
    mail = registration_mail(texts(language), url=url, token=token)
    send_email_quietly(email, mail.subject, mail.text, html=mail.html, what="registration")


def verify_registration(body: RegisterVerifyRequest, *, source_ip: str) -> RegisterOut:
    """The e-mailed token creates the organisation and its owner, and signs the owner in."""
    limit_attempts("register-verify-address", source_ip, get_settings().login_max_failures_per_address)
    pending = registrations.spend(token_hash(body.token), now=common.now_seconds())
    if not pending or not passwords.verify_password(str(pending["passwordHash"]), body.password):
        raise Unauthorized("The registration link is invalid, used or expired, or the password is not the "
                           "one given when registering.")
    give_back("register-verify-address", source_ip)
    tenant_id, user_id, now = new_id(), new_id(), now_iso()
    email, organisation = str(pending["email"]), str(pending["organisationName"])
    user = users.create_tenant_with_owner(tenant_id, organisation, user_id, email=email, name=str(pending["name"]),
                                          password_hash=str(pending["passwordHash"]), now=now,
                                          language=str(pending["language"]) if pending.get("language") else None)
    from urbaneta.adapters.events import domain_event, publish
    from urbaneta.domain.events.auth import OrganizationCreated

    publish([domain_event("organization.created", tenant_id, OrganizationCreated(
        tenant_id=tenant_id, name=organisation, owner_id=user_id))])
    signed_in_from(email, source_ip)
    tokens = start_session(user)
    return RegisterOut(tenant_id=tenant_id, user_id=user_id, **tokens.model_dump())
