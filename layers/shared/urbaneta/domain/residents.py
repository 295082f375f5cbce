"""Residents and invitations: the entities and literals."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import Entity

ResidentRole = Literal["owner", "tenant"]


InvitationStatus = Literal["pending", "accepted", "cancelled"]


def check_usable(status: str, expires_at: str, *, now: datetime) -> None:
    """An invitation's token (a resident's or a member's) works once, while pending and unexpired: 409 else."""
    from urbaneta.clock import parse_rfc3339
    from urbaneta.errors import Conflict

    if status == "accepted":
        raise Conflict("The invitation has already been accepted; sign in instead.")
    if status == "cancelled":
        raise Conflict("The invitation was cancelled.")
    if parse_rfc3339(expires_at) <= now:
        raise Conflict("The invitation has expired; ask for a new one.")


class Invitation(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    apartment_id: str = Field(alias="apartmentId")
    building_id: str = Field(alias="buildingId")
    apartment_number: str = Field(alias="apartmentNumber")
    email: str
    role: ResidentRole
    status: InvitationStatus = "pending"
    token_hash: str = Field(alias="tokenHash")
    invited_by: str = Field(alias="invitedBy")
    expires_at: str = Field(alias="expiresAt")
    created_at: str = Field(alias="createdAt")
    accepted_at: str | None = Field(default=None, alias="acceptedAt")
    accepted_by: str | None = Field(default=None, alias="acceptedBy")
    cancelled_at: str | None = Field(default=None, alias="cancelledAt")



class Residence(Entity):
    """One apartment of a resident, with the resident's role there."""

    apartment_id: str = Field(alias="apartmentId")
    building_id: str = Field(alias="buildingId")
    number: str
    role: ResidentRole
    since: str


class Resident(Entity):
    user_id: str = Field(alias="userId")
    tenant_id: str = Field(alias="tenantId")
    name: str
    email: str
    apartments: list[Residence] = Field(default_factory=list)
    version: int = 0
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")

