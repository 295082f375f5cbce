"""Event data: Organisations, their profile and members, API keys, residents leaving and users disabled."""

from __future__ import annotations

from pydantic import Field

from urbaneta.domain.events import EventData


class OrganizationCreated(EventData):
    tenant_id: str
    name: str
    owner_id: str


class ApiKeyCreatedData(EventData):
    id: str
    name: str
    role: str
    created_by: str


class ApiKeyRevokedData(EventData):
    id: str
    revoked_by: str


class ResidentMovedOut(EventData):
    user_id: str
    apartment_id: str
    building_id: str
    end_date: str
    moved_out_by: str
    keeps_own_invoices: bool = Field(default=False, description="An ownership change with `ownInvoices`: they still "
                                     "read the apartment's invoices of periods that ended before the change date.")


class UserDisabled(EventData):
    user_id: str
    role: str | None
    revoked_api_keys: list[str]
    disabled_by: str


class OrganizationUpdated(EventData):
    changed: list[str] = Field(description="The profile fields that changed (API names, e.g. `vatNumber`, `logo`).")
    updated_by: str


class MemberInvited(EventData):
    invitation_id: str
    email: str
    role: str = Field(description="owner, manager, accountant or board")
    expires_at: str
    invited_by: str


class MemberJoined(EventData):
    user_id: str
    invitation_id: str
    role: str
    linked_existing_user: bool = Field(description="A resident of the organisation became a member too.")


class MemberRoleChanged(EventData):
    user_id: str
    previous_role: str
    role: str
    changed_by: str


class MemberRemoved(EventData):
    user_id: str
    role: str = Field(description="The role the member had.")
    remains_resident: bool = Field(description="The person still lives in one of the organisation's apartments "
                                               "and keeps a resident's access to it.")
    revoked_api_keys: list[str] = Field(description="The API keys the member created, revoked with them.")
    removed_by: str
