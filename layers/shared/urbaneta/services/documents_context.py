"""What documents and e-mails say about the organisation, and which language a recipient reads.

The ONE place documents read the organisation's legal details: its profile
(``urbaneta.services.organization.get_profile``, ``PATCH /organization``)."""

from __future__ import annotations

from urbaneta.domain.languages import Language, pick
from urbaneta.domain.organization import Organization
from urbaneta.errors import NotFound


def organisation(tenant_id: str, *, fallback_name: str = "") -> Organization:
    """The organisation's profile as documents show it: documents print its ``display_name`` (the legal name
    when given) and its legal details (fields it has not given are None); ``fallback_name`` stands in for a
    profile without a name, and ``default_language`` is always one the product speaks."""
    from urbaneta.services.organization import get_profile

    org = get_profile(tenant_id)
    return org.model_copy(update={"name": org.name or fallback_name,
                                  "default_language": pick(org.default_language)})


def apartment_language(tenant_id: str, apartment_id: str | None, *, default: Language | None = None) -> Language:
    """The apartment's language, else the organisation's default (``default`` saves reading it again)."""
    from urbaneta.store import buildings

    chosen = None
    if apartment_id:
        try:
            chosen = buildings.get_apartment(tenant_id, apartment_id).language
        except NotFound:
            chosen = None
    if chosen:
        return chosen
    return default or organisation(tenant_id).default_language


def user_language(user: dict[str, object]) -> Language:
    """A user's language: their own if set, else their first apartment's, else the organisation's default."""
    if user.get("language"):
        return pick(str(user["language"]))
    apartments = sorted(str(a) for a in (user.get("apartmentIds") or []))  # type: ignore[attr-defined]
    return apartment_language(str(user["tenantId"]), apartments[0] if apartments else None)
