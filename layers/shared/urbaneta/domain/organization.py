"""The organisation (the association itself): its legal profile, its logo, its members and their rules.

Registry codes and VAT numbers are checked with python-stdnum: an Estonian registry code has 8 digits
(``stdnum.ee.registrikood``), a Latvian registration number 11 (a legal entity's: ``stdnum.lv.pvn`` with a
first digit above 3), a Lithuanian company code 9 (first digit 1 to 3, and the check digit of
``stdnum.lt.asmens``, which stdnum does not offer for company codes on their own). The length tells the
country. VAT numbers must be EE, LV or LT numbers with a valid check digit (``stdnum.eu.vat``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from pydantic import Field

from urbaneta.domain.entity import Entity
from urbaneta.domain.languages import DEFAULT_LANGUAGE, Language

Country = Literal["EE", "LV", "LT"]
MemberRole = Literal["owner", "manager", "accountant", "board"]
MEMBER_ROLES: tuple[str, ...] = get_args(MemberRole)

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000  # pixels, either side
LOGO_MIN_SIDE = 16
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg"}


class Logo(Entity):
    key: str
    content_type: str = Field(alias="contentType")
    width: int
    height: int
    size: int
    uploaded_at: str = Field(alias="uploadedAt")


class Organization(Entity):
    """What the PDFs, e-mails and hosted pages show of the association (``services.organization.get_profile``)."""

    tenant_id: str = Field(alias="tenantId")
    name: str = ""
    legal_name: str | None = Field(default=None, alias="legalName")
    registry_code: str | None = Field(default=None, alias="registryCode")
    country: Country | None = None
    vat_number: str | None = Field(default=None, alias="vatNumber")
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    default_language: Language = Field(default=DEFAULT_LANGUAGE, alias="defaultLanguage")
    logo: Logo | None = None
    version: int = 0
    updated_at: str | None = Field(default=None, alias="updatedAt")

    @property
    def display_name(self) -> str:
        """The legal name when given, else the name the organisation registered with."""
        return self.legal_name or self.name



class Member(Entity):
    """A user of the organisation with a staff role."""

    user_id: str = Field(alias="id")
    tenant_id: str = Field(alias="tenantId")
    email: str
    name: str
    role: MemberRole
    status: Literal["active", "disabled"] = "active"
    created_at: str = Field(alias="createdAt")


class MemberInvitation(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    email: str
    role: MemberRole
    status: Literal["pending", "accepted", "cancelled"] = "pending"
    token_hash: str = Field(alias="tokenHash")
    invited_by: str = Field(alias="invitedBy")
    expires_at: str = Field(alias="expiresAt")
    created_at: str = Field(alias="createdAt")



# --- legal identifiers ------------------------------------------------------------------------------------


def registry_country(code: str) -> Country:
    """The country of a registry code that is valid there; ValueError naming what is wrong otherwise."""
    from stdnum.ee import ik, registrikood
    from stdnum.lv import pvn

    digits = code.replace(" ", "")
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("must be digits only: EE 8, LV 11 or LT 9")
    checks: dict[int, tuple[Country, Callable[[str], bool]]] = {
        8: ("EE", registrikood.is_valid), 11: ("LV", lambda d: d[0] > "3" and pvn.is_valid(d)),
        9: ("LT", lambda d: d[0] in "123" and ik.calc_check_digit(d) == d[-1])}
    if len(digits) not in checks:
        raise ValueError("must have 8 digits (EE), 11 (LV) or 9 (LT)")
    country, valid = checks[len(digits)]
    if not valid(digits):
        raise ValueError(f"is not a valid {country} registry code of a legal entity (first digit or check digit)")
    return country


def vat_number(value: str) -> str:
    """The compact VAT number (``EE100931558``) of Estonia, Latvia or Lithuania; ValueError otherwise."""
    from stdnum.eu import vat

    try:
        compact = vat.compact(value)
    except ValueError as exc:  # stdnum's ValidationError: no country prefix it knows
        raise ValueError("must start with EE, LV or LT") from exc
    if compact[:2] not in ("EE", "LV", "LT"):
        raise ValueError("must start with EE, LV or LT")
    if not vat.is_valid(compact):
        raise ValueError(f"is not a valid {compact[:2]} VAT number: its length or check digit is wrong")
    return compact


def check_vat_country(registry: Country | None, vat: str | None) -> None:
    """A VAT number and a registry code of different countries cannot belong to one association."""
    if registry and vat and vat[:2] != registry:
        raise ValueError(f"is a {vat[:2]} VAT number, but the registry code is {registry}")


# --- the logo ---------------------------------------------------------------------------------------------


def logo_facts(data: bytes) -> tuple[str, int, int]:
    """(content type, width, height) of an acceptable logo; ValueError naming the reason otherwise. The
    type comes from the magic bytes, never from a name or a header; the image is decoded to check it."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValueError(f"is larger than {LOGO_MAX_BYTES // 1024} KB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type, fmt = "image/png", "PNG"
    elif data.startswith(b"\xff\xd8\xff"):
        content_type, fmt = "image/jpeg", "JPEG"
    else:
        raise ValueError("must be a PNG or JPEG image")
    width, height = _decoded_size(data, fmt)
    if not (LOGO_MIN_SIDE <= width <= LOGO_MAX_SIDE and LOGO_MIN_SIDE <= height <= LOGO_MAX_SIDE):
        raise ValueError(f"must be between {LOGO_MIN_SIDE} and {LOGO_MAX_SIDE} pixels on each side")
    return content_type, width, height


def _decoded_size(data: bytes, fmt: str) -> tuple[int, int]:
    import io

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = LOGO_MAX_SIDE * LOGO_MAX_SIDE * 4  # a decompression bomb is an error, not a warning
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                return width, height
            image.load()  # the whole image decodes: a truncated or corrupt file is refused here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError("is not a readable PNG or JPEG image") from exc
    return width, height
