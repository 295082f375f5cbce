"""Event data: Maintenance requests and invitations."""

from __future__ import annotations

from pydantic import Field

from urbaneta.domain.events import EventData


class MaintenanceData(EventData):
    id: str
    building_id: str
    apartment_id: str | None = Field(description="null for the building as a whole")
    title: str
    priority: str
    status: str = Field(description="after the change")


class MaintenanceCreated(MaintenanceData):
    description: str
    created_by: str


class MaintenanceUpdated(MaintenanceData):
    previous_status: str
    changes: list[str] = Field(description="status, priority, metadata; empty for a comment alone")
    comment: str | None
    updated_by: str
    updated_by_role: str


class InvitationRef(EventData):
    id: str
    apartment_id: str
    building_id: str


class InvitationCreated(InvitationRef):
    email: str
    role: str = Field(description="owner or tenant")
    expires_at: str
    invited_by: str


class InvitationAccepted(InvitationRef):
    user_id: str
    role: str
    linked_existing_user: bool


class InvitationCancelled(InvitationRef):
    email: str
    cancelled_by: str


class OwnerChanged(EventData):
    apartment_id: str
    building_id: str
    date: str = Field(description="The new owner's first day (YYYY-MM-DD): invoices of periods ending on or after "
                                  "it are theirs.")
    former_owners: str = Field(description="`ownInvoices` (former residents read their own past invoices) or "
                                           "`none`.")
    former_residents: list[str] = Field(description="User ids of the residents who left (each also has a "
                                                    "`resident.moved_out`).")
    new_owner_email: str
    invitation_id: str
    readdressed_invoices: list[str] = Field(description="Drafts of periods from the date, now addressed to the new "
                                                        "owner.")
    changed_by: str
