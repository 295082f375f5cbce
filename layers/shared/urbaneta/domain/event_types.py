"""The one registry of domain event types: what POST /webhooks accepts, what docs/events.md documents and what
the OpenAPI ``webhooks`` section lists, each with the model of its ``data`` (``domain/events.py``).

Adding an event type is one line here (name, area, when, model). ``"*"`` in a webhook subscription means every
event type, including ones added later.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from urbaneta.domain.events import EventData

ALL_EVENTS = "*"


@dataclass(frozen=True)
class EventType:
    name: str
    area: str  # the section of docs/events.md
    description: str  # when it is published
    model: str  # "<area module of domain/events>.<class>", imported on first use: a function builds only its own

    @cached_property
    def data(self) -> type[EventData]:
        """The model of the type's ``data``."""
        module, _, name = self.model.rpartition(".")
        found: type[EventData] = getattr(importlib.import_module(f"urbaneta.domain.events.{module}"), name)
        return found


_TYPES = (
    EventType("maintenance.created", "residents", "A maintenance request was opened (`POST /maintenance-requests`).",
              "residents.MaintenanceCreated"),
    EventType("maintenance.updated", "residents", "A maintenance request changed status, received a comment, or its "
              "priority or metadata changed (`PATCH`).", "residents.MaintenanceUpdated"),
    EventType("invitation.created", "residents", "A resident was invited to an apartment by e-mail.",
              "residents.InvitationCreated"),
    EventType("invitation.accepted", "residents", "An invitation was accepted: the resident is linked to the "
              "apartment.", "residents.InvitationAccepted"),
    EventType("invitation.cancelled", "residents", "A pending invitation was cancelled.",
              "residents.InvitationCancelled"),
    EventType("apartment.owner_changed", "residents", "An apartment changed owners "
              "(`POST /apartments/{id}/ownership-changes`): its residents left, the new owner was invited.",
              "residents.OwnerChanged"),
    EventType("building.created", "buildings", "A building was created (`POST /buildings`).",
              "buildings.BuildingCreated"),
    EventType("building.updated", "buildings", "A building's details changed (`PATCH /buildings/{id}`).",
              "buildings.BuildingUpdated"),
    EventType("building.archived", "buildings", "A building with invoices was deleted: it is archived, kept for "
              "audit.", "buildings.BuildingArchived"),
    EventType("building.deleted", "buildings", "A building without invoices was deleted, with its apartments, "
              "charges and meters.", "buildings.BuildingDeleted"),
    EventType("apartment.created", "buildings", "An apartment was created.", "buildings.ApartmentCreated"),
    EventType("apartment.updated", "buildings", "An apartment's details changed.", "buildings.ApartmentUpdated"),
    EventType("apartment.deleted", "buildings", "An apartment was deleted.", "buildings.ApartmentDeleted"),
    EventType("charge.created", "buildings", "A charge was defined for a building.", "buildings.ChargeCreated"),
    EventType("charge.updated", "buildings", "A charge changed.", "buildings.ChargeUpdated"),
    EventType("charge.deleted", "buildings", "A charge was removed.", "buildings.ChargeDeleted"),
    EventType("organization.created", "auth", "An organisation was registered with its owner "
              "(`POST /auth/register`).", "auth.OrganizationCreated"),
    EventType("organization.updated", "auth", "The organisation's profile or logo changed (`PATCH /organization`, "
              "`POST /organization/logo/confirm`).", "auth.OrganizationUpdated"),
    EventType("member.invited", "auth", "The owner invited a member of staff by e-mail "
              "(`POST /organization/members`).", "auth.MemberInvited"),
    EventType("member.joined", "auth", "A member invitation was accepted (`POST /invitations/accept`).",
              "auth.MemberJoined"),
    EventType("member.role_changed", "auth", "A member's role changed (`PATCH /organization/members/{id}`): their "
              "sessions ended at once.", "auth.MemberRoleChanged"),
    EventType("member.removed", "auth", "A member left the staff (`DELETE /organization/members/{id}`): their "
              "sessions ended at once.", "auth.MemberRemoved"),
    EventType("api_key.created", "auth", "An API key was created.", "auth.ApiKeyCreatedData"),
    EventType("api_key.revoked", "auth", "An API key was revoked.", "auth.ApiKeyRevokedData"),
    EventType("resident.moved_out", "auth", "A resident left an apartment (`POST /residents/{id}/move-out`, or "
              "each resident at an ownership change): their access to it ended at once.", "auth.ResidentMovedOut"),
    EventType("user.disabled", "auth", "A user was disabled (`POST /auth/users/{id}/disable`): their sessions, "
              "tokens and API keys ended at once.", "auth.UserDisabled"),
    EventType("reading.submitted", "meters", "A meter reading was recorded (`POST /meters/{id}/readings`, or "
              "`POST /meters/ocr` with `submit`).", "meters.ReadingSubmitted"),
    EventType("reading.confirmed", "meters", "A manager confirmed a submitted reading.", "meters.ReadingConfirmed"),
    EventType("reading.rejected", "meters", "A manager rejected a submitted reading.", "meters.ReadingRejected"),
    EventType("meter.replaced", "meters", "A meter was replaced by a new one (`POST /meters/{id}/replace`).",
              "meters.MeterReplaced"),
    EventType("invoice.created", "invoicing", "An invoice was issued: bulk generation wrote it (draft), a one-off "
              "invoice was created (`POST /invoices`), or a credit note was issued (`creditNoteOf` set, negative "
              "`total`).", "invoicing.InvoiceEventData"),
    EventType("invoice.sent", "invoicing", "An invoice was e-mailed to its recipient by the sending worker, or "
              "`PATCH {status: \"sent\"}`.", "invoicing.InvoiceEventData"),
    EventType("invoice.paid", "invoicing", "An invoice was paid in full: `PATCH {status: \"paid\"}`, or a payment "
              "brought its balance to zero (`paymentId` set).", "invoicing.InvoiceEventData"),
    EventType("invoice.overdue", "invoicing", "The daily sweep found an invoice sent, unpaid and past its due "
              "date (once per invoice).", "invoicing.InvoiceEventData"),
    EventType("invoice.cancelled", "invoicing", "A credit note cancelled an invoice "
              "(`POST /invoices/{id}/credit-note`), or a draft was deleted (`DELETE /invoices/{id}`: it stays, "
              "cancelled, so that the number series keeps no gap).", "invoicing.InvoiceEventData"),
    EventType("invoice.reminder_sent", "invoicing", "A payment reminder of a level was e-mailed about an unpaid "
              "invoice: by the daily schedule (once per invoice and level) or by hand "
              "(`POST /invoices/{id}/remind`).", "invoicing.ReminderSent"),
    EventType("invoice.updated", "invoicing", "A draft's lines were replaced (`PUT /invoices/{id}/lines`).",
              "invoicing.InvoiceEventData"),
    EventType("payment.received", "payments", "A payment was recorded: manual (`POST /payments`), a bank link "
              "callback, a statement line matched, or apartment credit used by a new invoice.",
              "invoicing.PaymentReceived"),
    EventType("payment.reversed", "payments", "A payment was reversed (a bank reversal, or "
              "`POST /payments/{id}/reverse` with a reason): its invoices are open again, its credit taken back, and "
              "the apartment account shows both entries.", "invoicing.PaymentReversed"),
    EventType("account.opening_balance_recorded", "accounts", "An apartment's opening balance was imported "
              "(`POST /apartments/opening-balances`), once per apartment and date.", "accounts.OpeningBalanceRecorded"),
    EventType("credit_note.issued", "accounts", "A partial credit note was issued (`POST /invoices/{id}/credit-note` "
              "with lines or an amount): the credited amount reduced the invoice, became apartment credit or was "
              "refunded.", "accounts.CreditNoteIssued"),
)

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}

TEST_EVENT = "webhook.test"
"""Sent only by POST /webhooks/{id}/test to that one endpoint; never published on the bus, not subscribable."""
TEST_EVENT_TYPE = EventType(TEST_EVENT, "webhooks", "`POST /webhooks/{id}/test`: sent to that one endpoint only, "
                       "whatever it subscribes to; never on the bus, cannot be subscribed to.", "webhooks.WebhookTest")


def of(name: str) -> EventType:
    """The registered type ``name`` (KeyError for an unknown one)."""
    return TEST_EVENT_TYPE if name == TEST_EVENT else EVENT_TYPES[name]


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES


def matches(subscribed: list[str] | tuple[str, ...] | set[str], event_type: str) -> bool:
    """Whether a subscription to ``subscribed`` receives ``event_type``."""
    return ALL_EVENTS in subscribed or event_type in subscribed
