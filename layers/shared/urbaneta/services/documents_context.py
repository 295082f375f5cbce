"""What documents and e-mails say about the organisation, and which language a recipient reads.

The ONE place that reads the organisation's legal details: today the tenant record holds its name (and any of
the optional fields below once the organisation profile stores them); when
``urbaneta.services.organization.get_profile`` lands, ``organisation`` maps its ``Organization`` here and
nothing else changes."""

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


def _address(value: object) -> str | None:
    if isinstance(value, dict):
        parts = [value.get("street"), " ".join(p for p in (value.get("postalCode"), value.get("city")) if p),
                 value.get("country")]
        return ", ".join(str(p) for p in parts if p) or None
    return str(value) if value else None


def organisation(tenant_id: str, *, fallback_name: str = "") -> OrganisationDetails:
    """The organisation's name and legal details (fields it has not given are None)."""
    from urbaneta.store import users

    tenant = users.get_tenant(tenant_id) or {}

    def text(field: str) -> str | None:
        value = tenant.get(field)
        return str(value) if value else None

    return OrganisationDetails(
        name=str(tenant.get("name") or fallback_name), legal_name=text("legalName"),
        registry_code=text("registryCode"), vat_number=text("vatNumber"), address=_address(tenant.get("address")),
        email=text("email"), phone=text("phone"), website=text("website"),
        default_language=pick(text("defaultLanguage")),
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
