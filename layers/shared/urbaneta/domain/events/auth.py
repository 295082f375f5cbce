"""Event data: Organisations, API keys, residents leaving and users disabled."""

from __future__ import annotations

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


class UserDisabled(EventData):
    user_id: str
    role: str | None
    revoked_api_keys: list[str]
    disabled_by: str
