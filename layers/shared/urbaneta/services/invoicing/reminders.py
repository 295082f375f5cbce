"""Payment reminders (dunning): the daily run, a reminder sent by hand, and the dry run of a building.

The daily run fans out like the overdue sweep: the schedule queues one ``ReminderSlice`` per shard of the due
index (overdue sweep queue); the worker takes a page of ``REMINDER_SLICE`` watched invoices of the shard, sends
the reminders due, and queues the next page of the shard while there is one.

A reminder is marked BEFORE its e-mail goes out, in one transaction: the invoice's ``reminderLevel`` (conditioned
on the invoice being still unpaid and no level as high sent) and the zero-amount ``reminder`` entry of the
apartment account, whose id ``reminder:<invoiceId>:<level>`` is put only if it does not exist. A second run on the
same day (or a concurrent one) is refused by that transaction and sends nothing: a reminder goes out at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.domain import reminders as rules
from urbaneta.domain.buildings import Apartment, Building
from urbaneta.domain.events.invoicing import ReminderSent
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.money import from_cents
from urbaneta.domain.ownership import addressed
from urbaneta.errors import Conflict, NotFound, ServiceUnavailable
from urbaneta.models.messages import ReminderSlice
from urbaneta.models.reminders import PlannedReminderOut, PlanStatus, ReminderOut, ReminderPlanOut
from urbaneta.observability import logger, metrics
from urbaneta.store import invoices as store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import transact


@dataclass(frozen=True)
class Planned:
    invoice: Invoice
    level: int
    building: Building
    apartment: Apartment | None

    @property
    def status(self) -> PlanStatus:
        if self.apartment is not None and self.apartment.reminders_paused:
            return "paused"
        return "would_send" if self.invoice.recipient.email else "no_address"

    @property
    def attach(self) -> bool:
        return self.building.billing.reminders[self.level - 1].attach_statement


@dataclass
class ReminderRun:
    today: date
    sent: int = 0
    paused: int = 0
    no_address: int = 0
    already_sent: int = 0
    failed: int = 0


class _Places:
    """The buildings and apartments of the invoices at hand, each read once (None: gone)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], Any] = {}

    def _once(self, kind: str, tenant_id: str, item_id: str, read: Callable[[str, str], Any]) -> Any:
        key = (kind, tenant_id, item_id)
        if key not in self._seen:
            try:
                self._seen[key] = read(tenant_id, item_id)
            except NotFound:
                self._seen[key] = None
        return self._seen[key]

    def building(self, tenant_id: str, building_id: str) -> Building | None:
        from urbaneta.store import buildings

        found: Building | None = self._once("building", tenant_id, building_id, buildings.get_building)
        return found

    def apartment(self, tenant_id: str, apartment_id: str) -> Apartment | None:
        from urbaneta.store import buildings

        found: Apartment | None = self._once("apartment", tenant_id, apartment_id, buildings.get_apartment)
        return found


def plan(invoices: Iterable[Invoice], today: date, places: _Places | None = None) -> Iterator[Planned]:
    """The reminders due on ``today`` for these invoices (the building's levels, the level reached and not sent)."""
    places = places or _Places()
    for inv in invoices:
        if not rules.remindable(inv):
            continue
        building = places.building(inv.tenant_id, inv.building_id)
        level = rules.due_level(building.billing.reminders, inv, today) if building else 0
        if building and level:
            apartment = places.apartment(inv.tenant_id, inv.apartment_id)
            yield Planned(addressed(inv, apartment), level, building, apartment)


REMINDER_SLICE = 50
"""Watched invoices one reminder slice reads. A reminder is a transaction, a PDF or two and an e-mail: 50 take
well under a minute, inside the worker's 120 s, and keep SES's sending rate in reach of its retries."""


def fan_out(moment: datetime) -> list[ReminderSlice]:
    """The first reminder slice of every shard of the due index for the schedule's day (the schedule queues them
    with the overdue sweep's)."""
    from urbaneta.store.keys import DUE_SHARDS

    return [ReminderSlice(day=moment.date(), shard=shard) for shard in range(DUE_SHARDS)]


def reminder_slice(message: ReminderSlice) -> tuple[ReminderRun, dict[str, Any] | None]:
    """The reminders due on the slice's day for one page of its shard's watched invoices (sent or overdue, unpaid,
    due before the day), each at most once; returns the counts and where the shard's next page starts."""
    result = ReminderRun(today=message.day)
    invoices, last = store.due_page(message.shard, message.day, start=message.start, limit=REMINDER_SLICE,
                                    only_sent=False)
    for p in plan(invoices, result.today, _Places()):
        _remind(p, result)
    if result.sent:
        metrics.add_metric(name="RemindersSent", unit="Count", value=result.sent)
    if result.failed:
        metrics.add_metric(name="ReminderMailFailed", unit="Count", value=result.failed)
    logger.info("reminder slice", extra={
        "day": message.day.isoformat(), "shard": message.shard, "slice": message.slice, "sent": result.sent,
        "alreadySent": result.already_sent, "paused": result.paused, "noAddress": result.no_address,
        "failed": result.failed, "more": last is not None})
    return result, last


def _remind(p: Planned, result: ReminderRun) -> None:
    status = p.status
    if status != "would_send":
        result.paused += status == "paused"
        result.no_address += status == "no_address"
        return
    try:
        sent = send(p, result.today, manual=False)
    except Exception:  # the mark stays: at most once; logged for a person to send it by hand
        logger.exception("reminder e-mail failed", extra={"invoiceId": p.invoice.id, "level": p.level})
        result.failed += 1
        return
    result.sent += sent is not None
    result.already_sent += sent is None


def send(p: Planned, today: date, *, manual: bool) -> Invoice | None:
    """Mark the reminder (invoice level + account entry, one transaction), then e-mail it and announce it.
    None: it was marked already (sent before, or the invoice was paid meanwhile): nothing goes out."""
    from urbaneta.services.accounts import posting

    inv = p.invoice
    try:
        transact([store.reminder_op(inv, p.level), *posting.post_ops([posting.reminder_entry(inv, p.level, today)])])
    except ConditionFailed:
        return None
    _mail(p)
    publish([domain_event("invoice.reminder_sent", inv.tenant_id, ReminderSent(
        invoice_id=inv.id, number=inv.number, building_id=inv.building_id, apartment_id=inv.apartment_id,
        level=p.level, due_date=inv.due_date, balance_due=from_cents(inv.balance_due_cents), manual=manual,
        statement_attached=p.attach and p.apartment is not None))])
    return inv.model_copy(update={"reminder_level": p.level})


def _mail(p: Planned) -> None:
    """The reminder in the recipient's language: the manager's text as typed, the invoice's open balance, the
    pay link; the account statement PDF attached when the level says so."""
    from urbaneta.adapters.mail import Attachment, send_email
    from urbaneta.services.accounts.statements import apartment_pdf
    from urbaneta.services.invoicing.documents import document
    from urbaneta.services.links import pay_link
    from urbaneta.services.mails import reminder_mail

    doc, tx = document(p.invoice)
    attach = p.attach and p.apartment is not None
    level = p.building.billing.reminders[p.level - 1]
    mail = reminder_mail(tx, p.invoice, level=p.level, message=level.message, association=doc.association.display_name,
                         iban=doc.iban, pay_url=pay_link(p.invoice, p.apartment.owner_since if p.apartment else None),
                         statement=attach)
    files = [Attachment(f"{'-'.join(tx.t('statement.title').split())}.pdf", "application/pdf",
                        apartment_pdf(p.apartment))] if attach and p.apartment is not None else []
    send_email([str(p.invoice.recipient.email)], mail.subject, mail.text, html=mail.html, attachments=files)


def remind(caller: Principal, invoice_id: str) -> ReminderOut:
    """A manager's reminder by hand: the next level after the last one sent (409 when every level was sent, the
    invoice is not sent and unpaid, the apartment is paused or there is no address)."""
    from urbaneta.services.invoicing.common import visible

    inv = visible(caller, invoice_id)
    if not rules.remindable(inv):
        raise Conflict("Only a sent or overdue, unpaid invoice can be reminded.")
    places = _Places()
    building = places.building(inv.tenant_id, inv.building_id)
    level = rules.next_level(building.billing.reminders, inv) if building else 0
    if not building or not level:
        raise Conflict("No reminder level is left to send (every level was sent, or the building has none).")
    apartment = places.apartment(inv.tenant_id, inv.apartment_id)
    p = Planned(addressed(inv, apartment), level, building, apartment)
    if p.status != "would_send":
        raise Conflict("Reminders are paused for this apartment." if p.status == "paused"
                       else "The invoice has no recipient e-mail address.")
    from urbaneta.adapters.mail import MailRefused, MailThrottled

    try:
        sent = send(p, _today(), manual=True)
    except MailRefused as exc:  # recorded (at most once): the address is the problem, not the request
        raise Conflict("The reminder was recorded, but the recipient's address refused the e-mail.") from exc
    except MailThrottled as exc:
        raise ServiceUnavailable("The reminder was recorded, but the e-mail service is busy; it was not sent.") \
            from exc
    if sent is None:
        raise Conflict("This reminder was already sent, or the invoice changed meanwhile.")
    return ReminderOut(invoice_id=inv.id, number=inv.number, apartment_id=inv.apartment_id, level=level,
                       balance_due=from_cents(inv.balance_due_cents), statement_attached=p.attach)


def _today() -> date:
    from urbaneta.clock import today

    return today()


def dry_run(caller: Principal, building_id: str | None, raw_as_of: str | None) -> ReminderPlanOut:
    """What the schedule would send for the building on ``asOf`` (default today), oldest due date first, then by
    number; nothing is sent or marked."""
    from urbaneta.services.accounts.debtors import building_and_day

    bid, as_of = building_and_day(caller, building_id, raw_as_of)
    invoices = sorted((i for i in store.invoices_of_building(caller.tenant_id, bid, status=("sent", "overdue"))
                       if rules.remindable(i)), key=lambda i: (i.due_date, i.number))
    out = [PlannedReminderOut(
        invoice_id=p.invoice.id, number=p.invoice.number, apartment_id=p.invoice.apartment_id,
        apartment_number=p.apartment.number if p.apartment else None, level=p.level, due_date=p.invoice.due_date,
        days_overdue=(as_of - p.invoice.due_date).days, balance_due=from_cents(p.invoice.balance_due_cents),
        status=p.status) for p in plan(invoices, as_of)]
    return ReminderPlanOut(building_id=bid, as_of=as_of, reminders=out)
