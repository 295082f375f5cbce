"""Residents and invitations: request bodies, stored items and responses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, EmailStr, Field

from urbaneta.domain.languages import Language
from urbaneta.domain.ownership import MAX_PAST_DAYS, FormerOwnersAccess
from urbaneta.domain.residents import Invitation, Resident, ResidentRole
from urbaneta.models.common import ApiModel, Name, ResponseModel, date_text

InvitationStatusOut = Literal["pending", "accepted", "cancelled", "expired"]  # expired: pending past expiresAt


class InvitationCreate(ApiModel):
    apartment_id: str = Field(min_length=1, max_length=64)
    email: EmailStr
    role: ResidentRole


class InvitationAccept(ApiModel):
    token: str = Field(min_length=16, max_length=256)
    name: Name
    password: str = Field(min_length=1, max_length=1024)




class InvitationOut(ResponseModel):
    id: str
    apartment_id: str
    building_id: str
    apartment_number: str
    email: str
    role: ResidentRole
    status: InvitationStatusOut
    invited_by: str
    expires_at: str
    created_at: str
    accepted_at: str | None = None
    cancelled_at: str | None = None

    @classmethod
    def of(cls, inv: Invitation, *, now: str) -> InvitationOut:
        """``now`` (RFC 3339, UTC) turns a pending invitation past its expiry into ``expired``."""
        status: InvitationStatusOut = "expired" if inv.status == "pending" and inv.expires_at <= now else inv.status
        return cls(id=inv.id, apartment_id=inv.apartment_id, building_id=inv.building_id,
                   apartment_number=inv.apartment_number, email=inv.email, role=inv.role, status=status,
                   invited_by=inv.invited_by, expires_at=inv.expires_at, created_at=inv.created_at,
                   accepted_at=inv.accepted_at, cancelled_at=inv.cancelled_at)






class ResidenceOut(ResponseModel):
    apartment_id: str
    building_id: str
    number: str
    role: ResidentRole
    since: str


class ResidentOut(ResponseModel):
    id: str
    name: str
    email: str
    apartments: list[ResidenceOut]
    created_at: str

    @classmethod
    def of(cls, res: Resident) -> ResidentOut:
        return cls(id=res.user_id, name=res.name, email=res.email, created_at=res.created_at, apartments=[
            ResidenceOut(apartment_id=a.apartment_id, building_id=a.building_id, number=a.number, role=a.role,
                         since=a.since) for a in res.apartments])


class AcceptedOut(ResponseModel):
    """Tokens for the resident or the new member of staff, plus who and where they are."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"
    tenant_id: str
    user_id: str
    role: str = Field(default="resident", description="`resident` for a resident's invitation; the staff role "
                                                       "(owner, manager, accountant, board) for a member's.")
    apartment_id: str | None = Field(default=None, description="The apartment of a resident's invitation.")
    linked_existing_user: bool


class MoveOut(ApiModel):
    """A resident leaves one apartment (sold, moved out): from now on they see nothing of it."""

    apartment_id: str = Field(min_length=1, max_length=64)
    end_date: date = Field(description="The last day of the residence; today or earlier.")


class NewOwner(ApiModel):
    email: EmailStr = Field(description="Where the invitation goes; the apartment's invoices go here from the date.")
    name: Name = Field(description="The owner's name, printed on the apartment's invoices from the date.")
    language: Language | None = Field(default=None, description="The apartment's language from now on (the "
                                      "invitation, invoices, reminders); omitted: unchanged.")


class OwnershipChange(ApiModel):
    """An apartment changes owners: its residents leave, the new owner is invited, invoices of periods ending
    on or after the date are the new owner's."""

    change_date: Annotated[date, BeforeValidator(date_text)] = Field(
        alias="date", description=f"The new owner's first day: today or up to {MAX_PAST_DAYS} days back (a future "
                                  "date is refused: record the change once it happened), and after the "
                                  "apartment's last change.")
    new_owner: NewOwner
    former_owners: FormerOwnersAccess = Field(
        description="`ownInvoices`: each former resident still reads the apartment's invoices whose billing period "
                    "ended before the date (with their PDFs and payments), nothing else; `none`: nothing.")


class OwnershipChangeOut(ResponseModel):
    apartment_id: str
    building_id: str
    change_date: date = Field(alias="date")
    former_owners: FormerOwnersAccess
    former_residents: list[str] = Field(description="The user ids of the residents who left the apartment.")
    invitation: InvitationOut = Field(description="The new owner's invitation (e-mailed in the apartment's "
                                                  "language).")
    readdressed_invoices: list[str] = Field(description="Draft invoices of periods ending on or after the date, "
                                                        "now addressed to the new owner.")
