"""The one registry of domain event types: what POST /webhooks accepts, what docs/events.md documents and what
the OpenAPI ``webhooks`` section lists, each with the model of its ``data`` (``domain/events.py``).

Adding an event type is one line here (name, area, when, model). ``"*"`` in a webhook subscription means every
event type, including ones added later.
"""

from __future__ import annotations

from dataclasses import dataclass

from urbaneta.domain import events as e

ALL_EVENTS = "*"


@dataclass(frozen=True)
class EventType:
    name: str
    area: str  # the section of docs/events.md
    description: str  # when it is published
    data: type[e.EventData]


_TYPES = (
    EventType("maintenance.created", "residents", "A maintenance request was opened (`POST /maintenance-requests`).",
              e.MaintenanceCreated),
    EventType("maintenance.updated", "residents", "A maintenance request changed status, received a comment, or its "
              "priority or metadata changed (`PATCH`).", e.MaintenanceUpdated),
    EventType("invitation.created", "residents", "A resident was invited to an apartment by e-mail.",
              e.InvitationCreated),
    EventType("invitation.accepted", "residents", "An invitation was accepted: the resident is linked to the "
              "apartment.", e.InvitationAccepted),
    EventType("invitation.cancelled", "residents", "A pending invitation was cancelled.", e.InvitationCancelled),
    EventType("building.created", "buildings", "A building was created (`POST /buildings`).", e.BuildingCreated),
    EventType("building.updated", "buildings", "A building's details changed (`PATCH /buildings/{id}`).",
              e.BuildingUpdated),
    EventType("building.archived", "buildings", "A building with invoices was deleted: it is archived, kept for "
              "audit.", e.BuildingArchived),
    EventType("building.deleted", "buildings", "A building without invoices was deleted, with its apartments, "
              "charges and meters.", e.BuildingDeleted),
    EventType("apartment.created", "buildings", "An apartment was created.", e.ApartmentCreated),
    EventType("apartment.updated", "buildings", "An apartment's details changed.", e.ApartmentUpdated),
    EventType("apartment.deleted", "buildings", "An apartment was deleted.", e.ApartmentDeleted),
    EventType("charge.created", "buildings", "A charge was defined for a building.", e.ChargeCreated),
    EventType("charge.updated", "buildings", "A charge changed.", e.ChargeUpdated),
    EventType("charge.deleted", "buildings", "A charge was removed.", e.ChargeDeleted),
    EventType("organization.created", "auth", "An organisation was registered with its owner "
              "(`POST /auth/register`).", e.OrganizationCreated),
    EventType("api_key.created", "auth", "An API key was created.", e.ApiKeyCreatedData),
    EventType("api_key.revoked", "auth", "An API key was revoked.", e.ApiKeyRevokedData),
    EventType("resident.moved_out", "auth", "A resident left an apartment (`POST /residents/{id}/move-out`): their "
              "access to it ended at once.", e.ResidentMovedOut),
    EventType("user.disabled", "auth", "A user was disabled (`POST /auth/users/{id}/disable`): their sessions, "
              "tokens and API keys ended at once.", e.UserDisabled),
    EventType("reading.submitted", "meters", "A meter reading was recorded (`POST /meters/{id}/readings`, or "
              "`POST /meters/ocr` with `submit`).", e.ReadingSubmitted),
    EventType("reading.confirmed", "meters", "A manager confirmed a submitted reading.", e.ReadingConfirmed),
    EventType("reading.rejected", "meters", "A manager rejected a submitted reading.", e.ReadingRejected),
    EventType("meter.replaced", "meters", "A meter was replaced by a new one (`POST /meters/{id}/replace`).",
              e.MeterReplaced),
    EventType("invoice.created", "invoicing", "An invoice was issued: bulk generation wrote it (draft), or a "
              "credit note was issued (`creditNoteOf` set, negative `total`).", e.InvoiceEventData),
    EventType("invoice.sent", "invoicing", "An invoice was e-mailed to its recipient by the sending worker, or "
              "`PATCH {status: \"sent\"}`.", e.InvoiceEventData),
    EventType("invoice.paid", "invoicing", "An invoice was paid in full: `PATCH {status: \"paid\"}`, or a payment "
              "brought its balance to zero (`paymentId` set).", e.InvoiceEventData),
    EventType("invoice.overdue", "invoicing", "The daily sweep found an invoice sent, unpaid and past its due "
              "date (once per invoice).", e.InvoiceEventData),
    EventType("invoice.cancelled", "invoicing", "A credit note cancelled an invoice "
              "(`POST /invoices/{id}/credit-note`).", e.InvoiceEventData),
    EventType("payment.received", "payments", "A payment was recorded: manual (`POST /payments`), a bank link "
              "callback, a statement line matched, or apartment credit used by a new invoice.", e.PaymentReceived),
    EventType("payment.reversed", "payments", "A bank reversal undid a payment: its invoices are open again, its "
              "credit taken back.", e.PaymentReversed),
)

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}

TEST_EVENT = "webhook.test"
"""Sent only by POST /webhooks/{id}/test to that one endpoint; never published on the bus, not subscribable."""
TEST_EVENT_TYPE = EventType(TEST_EVENT, "webhooks", "`POST /webhooks/{id}/test`: sent to that one endpoint only, "
                       "whatever it subscribes to; never on the bus, cannot be subscribed to.", e.WebhookTest)


def of(name: str) -> EventType:
    """The registered type ``name`` (KeyError for an unknown one)."""
    return TEST_EVENT_TYPE if name == TEST_EVENT else EVENT_TYPES[name]


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES


def matches(subscribed: list[str] | tuple[str, ...] | set[str], event_type: str) -> bool:
    """Whether a subscription to ``subscribed`` receives ``event_type``."""
    return ALL_EVENTS in subscribed or event_type in subscribed
