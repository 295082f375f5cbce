"""Maintenance requests: the status life cycle and who may move it. Pure rules, no I/O.

    open ──> in_progress ──> resolved ──> closed
                  ^              │
                  └── reopen ────┘

Staff (owner, manager) may make every transition above. A resident may comment on their requests and,
once a request is resolved, either confirm the fix (resolved → closed) or reopen it (resolved →
in_progress). A transition that is not in the life cycle is a conflict (409); an allowed transition that
the caller's role may not make is forbidden (403).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import BuildingPart, Entity
from urbaneta.errors import Conflict, FieldError, Forbidden

MaintenanceStatus = Literal["open", "in_progress", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]

STATUSES: tuple[MaintenanceStatus, ...] = ("open", "in_progress", "resolved", "closed")

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress"}),
    "in_progress": frozenset({"resolved"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset(),
}

RESIDENT_TRANSITIONS: frozenset[tuple[str, str]] = frozenset({("resolved", "closed"), ("resolved", "in_progress")})

MAX_HISTORY = 200
"""History entries (creation, status changes, comments) kept per request; beyond it a change is 409."""


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str, *, is_staff: bool) -> None:
    """Raise Conflict for a transition outside the life cycle, Forbidden for one the role may not make."""
    if not can_transition(current, target):
        allowed = sorted(TRANSITIONS.get(current, frozenset()))
        hint = f"; from {current} it may move to {', '.join(allowed)}" if allowed else f"; {current} is final"
        message = f"A request cannot move from {current} to {target}{hint}."
        raise Conflict(message, errors=[FieldError("status", message)])
    if not is_staff and (current, target) not in RESIDENT_TRANSITIONS:
        raise Forbidden("Residents may only confirm (close) or reopen a resolved request.")


class HistoryEntry(Entity):
    """One entry of a request's history (stored as a child item of the request)."""

    seq: int
    type: str  # "created" | "status_changed" | "comment" | "updated"
    at: str
    by: str  # user id
    by_role: str = Field(alias="byRole")
    from_status: str | None = Field(default=None, alias="fromStatus")
    to_status: str | None = Field(default=None, alias="toStatus")
    comment: str | None = None


class MaintenanceRequest(BuildingPart):
    apartment_id: str | None = Field(default=None, alias="apartmentId")
    title: str
    description: str
    priority: Priority = "normal"
    status: MaintenanceStatus = "open"
    metadata: dict[str, str] = Field(default_factory=dict)
    created_by: str = Field(alias="createdBy")
    history_count: int = Field(default=0, alias="historyCount")
    created_at: str = Field(alias="createdAt")
    sort_time: str = Field(alias="sortTime")  # creation time to the microsecond: the list order within a stage
    updated_at: str = Field(alias="updatedAt")

