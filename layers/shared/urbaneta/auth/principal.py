"""Who is calling: the authenticated principal of a request, the roles, and the role sets routes allow.

Routes declare who may call them by capability (``@allow(FINANCE)``), never by listing roles; the sets are the
role matrix of docs/security.md and the ``x-roles`` of every operation in the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    ACCOUNTANT = "accountant"
    BOARD = "board"
    RESIDENT = "resident"


MEMBER_ROLES = (Role.OWNER, Role.MANAGER, Role.ACCOUNTANT, Role.BOARD)
"""The roles of the organisation's own people (staff), as opposed to its residents."""

OWNERS = frozenset({Role.OWNER})
"""Staff and credentials: invite, change and remove members; API keys."""
BUILDING_ADMIN = frozenset({Role.OWNER, Role.MANAGER})
"""Buildings, apartments, charges, meters, residents and invitations, maintenance, webhooks, the profile."""
FINANCE = frozenset({Role.OWNER, Role.MANAGER, Role.ACCOUNTANT})
"""Invoices (generate, send, credit notes), payments, bank statements and their matching."""
READERS = frozenset(MEMBER_ROLES)
"""Everything staff can read: the board reads, and never writes."""
EVERYONE = frozenset({*MEMBER_ROLES, Role.RESIDENT})
"""Staff and residents (a resident sees only their apartments: the services check it)."""
RESIDENT_WRITERS = frozenset({*BUILDING_ADMIN, Role.RESIDENT})
"""Routes a resident uses for their own apartment (readings, photos, maintenance), and building admins."""

STAFF = BUILDING_ADMIN
"""Former name of ``BUILDING_ADMIN``; prefer a capability set."""


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    user_id: str
    role: Role
    session_id: str
    apartment_ids: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # "user" or "api_key"

    @property
    def is_staff(self) -> bool:
        """One of the organisation's people (any member role): sees every apartment of the organisation."""
        return self.role in READERS

    def can_see_apartment(self, apartment_id: str | None) -> bool:
        """Staff see every apartment of their organisation; a resident only their own."""
        return self.is_staff or (apartment_id is not None and apartment_id in self.apartment_ids)

    def can_see_invoice(self, apartment_id: str | None, status: str) -> bool:
        """Staff see every invoice of their organisation; a resident only their apartments' issued ones
        (a draft is not theirs to see or pay until it is issued)."""
        return self.can_see_apartment(apartment_id) and (self.is_staff or status != "draft")
