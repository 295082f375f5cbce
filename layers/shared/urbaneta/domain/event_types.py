"""The one registry of domain event types: what POST /webhooks accepts and what docs/events.md documents.

Every capability that emits an event type adds it here (one line, with what it means). ``"*"`` in a webhook
subscription means every event type, including ones added later.
"""

from __future__ import annotations

ALL_EVENTS = "*"

EVENT_TYPES: dict[str, str] = {
    "invoice.created": "An invoice was issued (draft or generated).",
    "invoice.sent": "An invoice was e-mailed to its recipients.",
    "invoice.paid": "An invoice was paid in full.",
    "invoice.overdue": "An invoice passed its due date unpaid.",
    "payment.received": "A payment was recorded against an apartment or invoice.",
    "payment.reversed": "A recorded payment was reversed.",
    "reading.submitted": "A meter reading was submitted.",
    "reading.confirmed": "A meter reading was confirmed by staff.",
    "reading.rejected": "A meter reading was rejected by staff.",
    "maintenance.created": "A maintenance request was opened.",
    "maintenance.updated": "A maintenance request changed status or received a comment.",
    "invitation.created": "A resident was invited to an apartment by e-mail.",
    "invitation.accepted": "An invitation was accepted: the resident is linked to the apartment.",
    "invitation.cancelled": "A pending invitation was cancelled.",
    "invoice.cancelled": "An invoice was cancelled.",
    "meter.replaced": "A meter was replaced by a new one.",
    "building.created": "A building was created.",
    "building.updated": "A building's details changed.",
    "building.archived": "A building was archived.",
    "building.deleted": "A building was deleted.",
    "apartment.created": "An apartment was created.",
    "apartment.updated": "An apartment's details changed.",
    "apartment.deleted": "An apartment was deleted.",
    "charge.created": "A charge was defined for a building.",
    "charge.updated": "A charge changed.",
    "charge.deleted": "A charge was removed.",
    "organization.created": "An organisation was registered.",
    "api_key.created": "An API key was created.",
    "api_key.revoked": "An API key was revoked.",
    "resident.moved_out": "A resident left an apartment: their access to it ended at once.",
    "user.disabled": "A user was disabled: their sessions, tokens and API keys ended at once.",
}

TEST_EVENT = "webhook.test"
"""Sent only by POST /webhooks/{id}/test to that one endpoint; never published on the bus, not subscribable."""


def register(event_type: str, description: str) -> None:
    """Add an event type at import time of the module that emits it (the table above is preferred)."""
    EVENT_TYPES.setdefault(event_type, description)


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES


def matches(subscribed: list[str] | tuple[str, ...] | set[str], event_type: str) -> bool:
    """Whether a subscription to ``subscribed`` receives ``event_type``."""
    return ALL_EVENTS in subscribed or event_type in subscribed
