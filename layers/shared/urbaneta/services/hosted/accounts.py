"""The account pages: accept an invitation, finish a magic-link sign-in or a registration, ask for a sign-in
link. Opening a page spends nothing (a mail scanner that follows the link does no harm): the page's form sends
the token to the API's own POST route, and the token leaves the address bar as soon as the page loads."""

from __future__ import annotations

from urbaneta.adapters.html import Field, api_form, page, paragraphs
from urbaneta.auth.tokens import token_hash
from urbaneta.clock import parse_rfc3339, utcnow
from urbaneta.domain.languages import from_accept_language, pick
from urbaneta.errors import NotFound
from urbaneta.i18n import Texts, texts
from urbaneta.services.hosted.common import HostedPage, not_found, reasons

MAX_TOKEN = 256


def _form_page(tx: Texts, name: str, intro: list[str], api: str, fields: list[Field], *,
               tokens: bool, unauthorized: str = "page.reason.password") -> HostedPage:
    form = api_form(api, fields, submit=tx.t(f"page.{name}.submit"), done=tx.t(f"page.{name}.done"),
                    reasons=reasons(tx, unauthorized=unauthorized),
                    tokens_label=tx.t("page.tokens") if tokens else None)
    return HostedPage(200, page(tx.language, tx.t(f"page.{name}.title"), paragraphs(intro) + form))


def invitation_page(token: str, accept_language: str | None) -> HostedPage:
    """``GET /invitations/accept?token=``: name and password (a new account), or an existing account's
    password (the apartment is added to it); POSTs to ``/invitations/accept``."""
    from urbaneta.services.documents_context import apartment_language
    from urbaneta.store import buildings, invitations

    found = invitations.find_by_token(token_hash(token)) if 16 <= len(token) <= MAX_TOKEN else None
    if found is None:
        return not_found(accept_language)
    if found.kind == "member":
        return _member_invitation_page(token, found.tenant_id, found.invitation_id, accept_language)
    inv = invitations.get(found.tenant_id, found.invitation_id)
    if inv.status != "pending" or parse_rfc3339(inv.expires_at) <= utcnow():
        return not_found(accept_language)
    try:
        building = buildings.get_building(inv.tenant_id, inv.building_id).name
    except NotFound:
        return not_found(accept_language)
    tx = texts(apartment_language(inv.tenant_id, inv.apartment_id))
    fields = [Field("token", "", "hidden", token), Field("name", tx.t("page.name"), autocomplete="name"),
              Field("password", tx.t("page.password"), "password", autocomplete="new-password")]
    intro = [tx.t("page.invitation.intro", building=building, apartment=inv.apartment_number),
             tx.t("page.invitation.hint")]
    return _form_page(tx, "invitation", intro, "accept", fields, tokens=True)


def _member_invitation_page(token: str, tenant_id: str, invitation_id: str, accept_language: str | None
                            ) -> HostedPage:
    """A staff invitation: the same form (a new account, or an existing account's password), in the
    organisation's language."""
    from urbaneta.services.documents_context import organisation
    from urbaneta.store import members

    try:
        inv = members.get_invitation(tenant_id, invitation_id)
    except NotFound:
        return not_found(accept_language)
    if inv.status != "pending" or parse_rfc3339(inv.expires_at) <= utcnow():
        return not_found(accept_language)
    org = organisation(tenant_id)
    tx = texts(org.default_language)
    fields = [Field("token", "", "hidden", token), Field("name", tx.t("page.name"), autocomplete="name"),
              Field("password", tx.t("page.password"), "password", autocomplete="new-password")]
    intro = [tx.t("page.member.intro", organization=org.display_name, role=tx.t(f"role.{inv.role}")),
             tx.t("page.invitation.hint")]
    return _form_page(tx, "invitation", intro, "accept", fields, tokens=True)


def magic_link_page(token: str, accept_language: str | None) -> HostedPage:
    """``GET /auth/magic-link/verify?token=``: one button that POSTs the token to the same address and shows
    the session (tokens for an app) on the page, never in the address."""
    from urbaneta.services.auth.common import now_seconds
    from urbaneta.services.documents_context import user_language
    from urbaneta.store import magic_links, users

    link = magic_links.peek(token_hash(token), now=now_seconds()) if len(token) <= MAX_TOKEN else None
    user = users.get_user(str(link["tenantId"]), str(link["userId"])) if link else None
    if not user or user.get("status") != "active":
        return not_found(accept_language)
    tx = texts(user_language(user))
    return _form_page(tx, "magic", [tx.t("page.magic.intro")], "verify", [Field("token", "", "hidden", token)],
                      tokens=True, unauthorized="page.reason.invalid")


def registration_page(token: str, accept_language: str | None) -> HostedPage:
    """``GET /auth/register/verify?token=``: the password chosen when registering; POSTs to the same address."""
    from urbaneta.services.auth.common import now_seconds
    from urbaneta.store import registrations

    pending = registrations.peek(token_hash(token), now=now_seconds()) if len(token) <= MAX_TOKEN else None
    if not pending:
        return not_found(accept_language)
    tx = texts(pick(str(pending.get("language") or ""), from_accept_language(accept_language)))
    fields = [Field("token", "", "hidden", token),
              Field("password", tx.t("page.password"), "password", autocomplete="current-password")]
    return _form_page(tx, "registration", [tx.t("page.registration.intro")], "verify", fields, tokens=True)


def sign_in_page(accept_language: str | None) -> HostedPage:
    """``GET /auth/sign-in``: asks for a sign-in link (POST ``/auth/magic-link``), in the browser's language."""
    tx = texts(from_accept_language(accept_language))
    fields = [Field("email", tx.t("page.email"), "email", autocomplete="email")]
    return _form_page(tx, "signin", [tx.t("page.signin.intro")], "magic-link", fields, tokens=False)
