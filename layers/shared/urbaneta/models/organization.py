"""The organisation's profile, its logo upload and its members: request bodies and responses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from urbaneta.domain import organization as rules
from urbaneta.domain.organization import Language, Member, MemberInvitation, MemberRole, Organization
from urbaneta.models.common import ApiModel, Name, ResponseModel, single_line


def _registry_code(value: str) -> str:
    rules.registry_country(value)
    return value.replace(" ", "")


Line = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(single_line)]
RegistryCode = Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(_registry_code)]
VatNumber = Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(rules.vat_number)]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^\+?[0-9 ()./-]{3,40}$")]
Website = Annotated[str, StringConstraints(min_length=4, max_length=300, pattern=r"^https?://[^\s]+$"),
                    AfterValidator(single_line)]


class OrganizationUpdate(ApiModel):
    """Only the fields given change; ``null`` clears an optional field. Registry codes and VAT numbers are
    checked with their check digits (EE, LV, LT)."""

    legal_name: Name | None = Field(default=None, examples=["Korteriühistu Kase 12"])
    registry_code: RegistryCode | None = Field(
        default=None, examples=["80123455"],
        description="Estonian registry code (8 digits), Latvian registration number (11) or Lithuanian company "
                    "code (9), with a valid check digit; the length tells the country.")
    vat_number: VatNumber | None = Field(default=None, examples=["EE100931558"],
                                         description="An EE, LV or LT VAT number with its country prefix.")
    address: Line | None = Field(default=None, examples=["Kase 12, 10111 Tallinn"])
    email: EmailStr | None = Field(default=None, examples=["juhatus@kase12.ee"])
    phone: Phone | None = Field(default=None, examples=["+372 5123 4567"])
    website: Website | None = Field(default=None, examples=["https://kase12.ee"])
    default_language: Language | None = Field(
        default=None, description="The language of documents and e-mails for residents who chose none.")


class LogoOut(ResponseModel):
    content_type: str
    width: int
    height: int
    size: int
    uploaded_at: str
    url: str | None = Field(default=None, description="A link to the image, valid for 15 minutes.")


class OrganizationOut(ResponseModel):
    id: str
    name: str = Field(description="The name the organisation registered with.")
    legal_name: str | None = None
    registry_code: str | None = None
    country: Literal["EE", "LV", "LT"] | None = Field(default=None, description="From the registry code.")
    vat_number: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    default_language: Language
    logo: LogoOut | None = None
    updated_at: str | None = None

    @classmethod
    def of(cls, org: Organization, *, logo_url: str | None = None) -> OrganizationOut:
        logo = org.logo
        return cls(
            id=org.tenant_id, name=org.name, legal_name=org.legal_name, registry_code=org.registry_code,
            country=org.country, vat_number=org.vat_number, address=org.address, email=org.email, phone=org.phone,
            website=org.website, default_language=org.default_language, updated_at=org.updated_at,
            logo=LogoOut(content_type=logo.content_type, width=logo.width, height=logo.height, size=logo.size,
                         uploaded_at=logo.uploaded_at, url=logo_url) if logo else None)


class LogoUploadRequest(ApiModel):
    content_type: Literal["image/png", "image/jpeg"]


class LogoUploadOut(ResponseModel):
    upload_id: str
    url: str = Field(description="PUT the image's bytes here, with the `headers` given, within `expiresIn` "
                                 "seconds; then `POST /organization/logo/confirm` with the `uploadId`.")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_in: int
    max_bytes: int = rules.LOGO_MAX_BYTES


class LogoConfirm(ApiModel):
    upload_id: str = Field(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")


class MemberInvite(ApiModel):
    email: EmailStr = Field(examples=["raamatupidaja@kase12.ee"])
    role: MemberRole = Field(description="owner, manager, accountant or board (docs/security.md, role matrix).")


class MemberRoleUpdate(ApiModel):
    role: MemberRole


class MemberOut(ResponseModel):
    id: str
    email: str
    name: str
    role: MemberRole
    status: Literal["active", "disabled"] = Field(
        default="active", description="`disabled`: `POST /auth/users/{id}/disable` ended their access.")
    created_at: str

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(id=member.user_id, email=member.email, name=member.name, role=member.role, status=member.status,
                   created_at=member.created_at)


class MemberInvitationOut(ResponseModel):
    id: str
    email: str
    role: MemberRole
    status: Literal["pending", "accepted", "cancelled"]
    invited_by: str
    expires_at: str
    created_at: str

    @classmethod
    def of(cls, inv: MemberInvitation) -> MemberInvitationOut:
        return cls(id=inv.id, email=inv.email, role=inv.role, status=inv.status, invited_by=inv.invited_by,
                   expires_at=inv.expires_at, created_at=inv.created_at)
