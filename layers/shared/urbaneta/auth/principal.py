"""Who is calling: the authenticated principal of a request, and the roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    RESIDENT = "resident"


STAFF = frozenset({Role.OWNER, Role.MANAGER})
EVERYONE = frozenset({Role.OWNER, Role.MANAGER, Role.RESIDENT})


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
        return self.role in STAFF

    def can_see_apartment(self, apartment_id: str | None) -> bool:
        """Staff see every apartment of their organisation; a resident only their own."""
        return self.is_staff or (apartment_id is not None and apartment_id in self.apartment_ids)

    def can_see_invoice(self, apartment_id: str | None, status: str) -> bool:
        """Staff see every invoice of their organisation; a resident only their apartments' issued ones
        (a draft is not theirs to see or pay until it is issued)."""
        return self.can_see_apartment(apartment_id) and (self.is_staff or status != "draft")
