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
