"""The daily overdue sweep: sent, unpaid invoices past their due date become overdue (once).

The schedule fans out: per shard of the due index, one ``OverdueSweepSlice`` and one ``ReminderSlice``
(``reminders``), both on the overdue sweep queue. The worker takes an overdue slice: ONE Query reads a page of up
to ``SLICE`` index entries of the shard due before the day, filtered to those still ``sent``, the invoices are
read after them (one BatchGetItem per 100), and each one becomes overdue by ONE conditional UpdateItem on its
version. A version changed meanwhile is refused with the invoice as it is now, judged again once. Then the
slice's ``invoice.overdue`` events go out (10 per PutEvents) and, when the shard has more, the next slice is
queued from where this one stopped.

Redelivered, a slice changes nothing: an invoice already overdue is filtered out by the index, or refused by its
version and found overdue; no event is published for an invoice this delivery did not change. A reminder is
marked in a transaction before it is sent, so a redelivered reminder slice sends nothing twice. Transitions are
not grouped in a transaction: one refused condition would cancel the other 99.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from urbaneta.adapters.events import publish
from urbaneta.clock import now_iso
from urbaneta.domain import invoice_state
from urbaneta.domain.invoices import Invoice
from urbaneta.models.messages import OverdueSweepSlice, ReminderSlice, parse_due
from urbaneta.observability import logger, metrics
from urbaneta.services.invoicing.common import invoice_event
from urbaneta.settings import get_settings
from urbaneta.store import invoices as store

SLICE = 200
"""Index entries one slice reads (one Query; DynamoDB stops a page at 1 MB, ~600 invoices, anyway). About 200
UpdateItems at most per slice: a second or two of work, far below the worker's timeout."""


@dataclass
class SliceResult:
    day: date
    shard: int
    candidates: int = 0  # sent, unpaid and due before the day, as the index had them
    marked: int = 0  # became overdue in this delivery (the others were paid, changed or marked already)
    more: bool = False


def _queue_url() -> str:
    return get_settings().need("overdue_sweep_queue_url")


def fan_out(moment: datetime) -> int:
    """Queue the first overdue slice and the first reminder slice of every shard of the due index for the
    schedule's day; returns the overdue slices queued (as many reminder slices go with them)."""
    from urbaneta.adapters.queues import send_all
    from urbaneta.services.invoicing import reminders
    from urbaneta.store.keys import DUE_SHARDS

    slices = [OverdueSweepSlice(day=moment.date(), shard=shard) for shard in range(DUE_SHARDS)]
    send_all(_queue_url(), [*slices, *reminders.fan_out(moment)])
    return len(slices)


def handle_sweep_message(body: str | dict[str, Any]) -> SliceResult | None:
    """The worker's entry: a bad body is a ValueError (the message fails, and ends in the dead-letter queue)."""
    from urbaneta.services.invoicing import reminders
    from urbaneta.store.keys import DUE_SHARDS

    message = parse_due(body)
    if message.shard >= DUE_SHARDS:
        raise ValueError(f"no shard {message.shard} in the due index")
    if isinstance(message, ReminderSlice):
        _, last = reminders.reminder_slice(message)
        _next_slice(message, last)
        return None
    return sweep_slice(message)


def _next_slice(message: OverdueSweepSlice | ReminderSlice, last: dict[str, Any] | None) -> bool:
    """Queue the shard's next slice of the same kind from ``last``; False when the shard is done."""
    if not last:
        return False
    from urbaneta.adapters.queues import send_one

    send_one(_queue_url(), message.model_copy(update={"start": last, "slice": message.slice + 1}))
    return True


def sweep_slice(message: OverdueSweepSlice) -> SliceResult:
    """Mark one slice's invoices overdue, announce them, queue the next slice of the shard."""
    result = SliceResult(day=message.day, shard=message.shard)
    candidates, last = store.due_page(message.shard, message.day, start=message.start, limit=SLICE)
    result.candidates = len(candidates)
    marked = [after for after in (_mark_overdue(inv, message.day) for inv in candidates) if after is not None]
    publish([invoice_event("invoice.overdue", inv) for inv in marked])
    result.marked = len(marked)
    result.more = _next_slice(message, last)
    if result.marked:
        metrics.add_metric(name="InvoicesOverdue", unit="Count", value=result.marked)
    logger.info("overdue sweep slice", extra={"day": message.day.isoformat(), "shard": message.shard,
                                              "slice": message.slice, "candidates": result.candidates,
                                              "marked": result.marked, "more": result.more})
    return result


def _mark_overdue(indexed: Invoice, day: date) -> Invoice | None:
    """The invoice as it is once overdue, or None when it does not become overdue (paid, changed, already
    overdue). One UpdateItem; a version the index had not caught up with costs one more, judged on the invoice
    as DynamoDB answered it with the refusal."""
    inv: Invoice | None = indexed
    for _ in range(2):
        if inv is None or not invoice_state.becomes_overdue(inv, day):
            return None
        try:
            return store.save_transition_alone(inv, inv.model_copy(update={"status": "overdue",
                                                                          "overdue_at": now_iso()}))
        except store.Stale as exc:
            inv = exc.current
    return None  # changed twice while we looked: judged again tomorrow if still watched
