"""Magic links: request one by e-mail (throttled), verify it for a session."""

from __future__ import annotations

import secrets
from typing import Any

from urbaneta.auth.tokens import token_hash
from urbaneta.errors import Unauthorized
from urbaneta.models.auth import MagicLinkAccepted, MagicLinkRequest, MagicLinkVerifyRequest, TokensOut
from urbaneta.observability import logger
from urbaneta.services.auth import common
from urbaneta.services.auth.common import MAGIC_LINK_TTL, give_back, limit_attempts
from urbaneta.services.auth.users import start_session
from urbaneta.settings import get_settings
from urbaneta.store import magic_links, throttle, users


def request_magic_link(body: MagicLinkRequest, *, source_ip: str) -> MagicLinkAccepted:
    """Always the same answer; only a known, active account gets an e-mail. Throttled per address and per
    (e-mail, address), counted for unknown e-mails too, so the throttle tells nothing either. Per e-mail,
    at most ``magic_links_per_email`` e-mails leave per window whoever asks (no mail-bombing); beyond that
    the answer is still 202, so a stranger's requests never refuse the owner: the links already sent stay
    valid, and an address that signed in to the account before still gets a new one."""
    settings = get_settings()
    email = users.normalise_email(str(body.email))
    limit_attempts("magic-address", source_ip, settings.login_max_failures_per_address)
    limit_attempts("magic-email-address", f"{email}|{source_ip}", settings.magic_links_per_email)
    user = users.find_by_email(email)
    if not user or user.get("status") != "active":
        return MagicLinkAccepted()
    known = throttle.remembered("known-source", common.subject_of(f"{email}|{source_ip}"))
    wait = throttle.take("magic-email", common.subject_of(email), limit=settings.magic_links_per_email,
                         window_seconds=settings.login_failure_window_seconds)
    if wait and not known:
        logger.info("magic link not sent: the e-mail's cap for this window is reached")
        return MagicLinkAccepted()
    token = secrets.token_urlsafe(32)
    magic_links.create(token_hash(token), tenant_id=user["tenantId"], user_id=user["id"],
                       expires_at=common.now_seconds() + MAGIC_LINK_TTL)
    _send_magic_link(email, token, user)
    return MagicLinkAccepted()


def _send_magic_link(email: str, token: str, user: dict[str, Any]) -> None:
    """In the user's language; the link opens the hosted sign-in page (``GET /auth/magic-link/verify``)."""
    from urbaneta.adapters.mail import send_email_quietly
    from urbaneta.i18n import texts
    from urbaneta.services.documents_context import user_language
    from urbaneta.services.links import token_link
    from urbaneta.services.mails import magic_link_mail

    mail = magic_link_mail(texts(user_language(user)), url=token_link("/auth/magic-link/verify", token),
                           token=token)
    send_email_quietly(email, mail.subject, mail.text, html=mail.html, what="magic link")


def verify_magic_link(body: MagicLinkVerifyRequest, *, source_ip: str) -> TokensOut:
    limit_attempts("magic-verify-address", source_ip, get_settings().login_max_failures_per_address)
    link = magic_links.spend(token_hash(body.token), now=common.now_seconds())
    if not link:
        raise Unauthorized("The sign-in link is invalid, used or expired.")
    user = users.get_user(str(link["tenantId"]), str(link["userId"]))
    if not user or user.get("status") != "active":
        raise Unauthorized("The sign-in link is invalid, used or expired.")
    give_back("magic-verify-address", source_ip)
    common.signed_in_from(users.normalise_email(str(user["email"])), source_ip)
    return start_session(user)
