"""What documents and e-mails say about the organisation, and which language a recipient reads.

The ONE place documents read the organisation's legal details: its profile
(``urbaneta.services.organization.get_profile``, ``PATCH /organization``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from urbaneta.adapters.pdf import Association
from urbaneta.domain.languages import DEFAULT_LANGUAGE, Language, pick
from urbaneta.errors import NotFound


@dataclass(frozen=True)
class OrganisationDetails(Association):
    """The association as documents show it (``Association``), plus its legal name and default language."""

    legal_name: str | None = None
    default_language: Language = DEFAULT_LANGUAGE

    @property
    def display_name(self) -> str:
        return self.legal_name or self.name

    def on_documents(self) -> Association:
        """The details a document prints, under the legal name when there is one."""
        return replace(self, name=self.display_name)


def organisation(tenant_id: str, *, fallback_name: str = "") -> OrganisationDetails:
    """The organisation's name and legal details from its profile (fields it has not given are None)."""
    from urbaneta.services.organization import get_profile

    org = get_profile(tenant_id)
    return OrganisationDetails(
        name=org.name or fallback_name, legal_name=org.legal_name, registry_code=org.registry_code,
        vat_number=org.vat_number, address=org.address, email=org.email, phone=org.phone, website=org.website,
        default_language=pick(org.default_language),
    )


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
