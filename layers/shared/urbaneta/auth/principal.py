"""Who is calling: the authenticated principal of a request, the roles, and the role sets routes allow.

Routes declare who may call them by capability (``@allow(FINANCE)``), never by listing roles; the sets are the
role matrix of docs/security.md and the ``x-roles`` of every operation in the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from urbaneta.domain.ownership import in_window, parse_window


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
    # invoice windows (``apartment|from|until``, from ownership changes): of a current apartment, the invoices
    # from its last change on (the new owner); of a former one (a past residence), its own past invoices only
    windows: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        """One of the organisation's people (any member role): sees every apartment of the organisation."""
        return self.role in READERS

    def can_see_apartment(self, apartment_id: str | None) -> bool:
        """Staff see every apartment of their organisation; a resident only their own (never a former one)."""
        return self.is_staff or (apartment_id is not None and apartment_id in self.apartment_ids)

    def invoice_windows(self, apartment_id: str) -> list[tuple[date | None, date | None]]:
        """The periods whose invoices a resident reads in an apartment: ``[(None, None)]`` (all) for a current
        apartment without a change, ``[(change, None)]`` after one, the ``(from, until)`` of each past residence
        of a former one; ``[]`` for none of theirs."""
        found = [w for w in map(parse_window, self.windows) if w is not None and w[0] == apartment_id]
        if apartment_id in self.apartment_ids:
            starts = [w[1] for w in found if w[2] is None and w[1] is not None]
            return [(max(starts) if starts else None, None)]
        return [(w[1], w[2]) for w in found if w[2] is not None]

    def invoice_apartments(self) -> frozenset[str]:
        """The apartments a resident reads invoices of: their own, and former ones kept by a past residence."""
        past = {w[0] for w in map(parse_window, self.windows) if w is not None and w[2] is not None}
        return self.apartment_ids | past

    def can_see_invoice(self, apartment_id: str | None, status: str, period_end: date) -> bool:
        """Staff see every invoice of their organisation. A resident sees the issued invoices (a draft is not
        theirs to see or pay until it is issued) of their apartments whose billing period ended inside one of
        their windows: from the apartment's last ownership change on, or, of a former apartment kept with
        ``ownInvoices``, before the change that ended their residence."""
        if self.is_staff:
            return True
        if apartment_id is None or status == "draft":
            return False
        return any(in_window(period_end, lo, hi) for lo, hi in self.invoice_windows(apartment_id))

    def can_pay_invoice(self, apartment_id: str | None, status: str, period_end: date) -> bool:
        """Paying (bank link) is for an invoice the caller sees of an apartment they live in now: a former
        resident reads their past invoices and pays nothing."""
        return self.can_see_apartment(apartment_id) and self.can_see_invoice(apartment_id, status, period_end)
