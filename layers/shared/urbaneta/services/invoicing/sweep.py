"""The daily overdue sweep: sent, unpaid invoices past their due date become overdue (once).

The schedule fans out: one message per shard of the due index (``OverdueSweepSlice``, overdue sweep queue). The
worker takes a slice: ONE Query reads a page of up to ``SLICE`` watched invoices of the shard due before the day,
the index's full projection is the invoice (filtered to those still ``sent``), and each one becomes overdue by ONE
conditional UpdateItem on its version (no read first). A version the index had not caught up with is refused
with the invoice as it is now, judged again once. Then the slice's ``invoice.overdue`` events go out (10 per
PutEvents) and, when the shard has more, the next slice is queued from where this one stopped.

Redelivered, a slice changes nothing: an invoice already overdue is filtered out by the index, or refused by its
version and found overdue; no event is published for an invoice this delivery did not change. Transitions are
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
from urbaneta.models.messages import OverdueSweepSlice
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
    """Queue the first slice of every shard of the due index for the schedule's day; returns the slices queued."""
    from urbaneta.adapters.queues import send_all
    from urbaneta.store.keys import DUE_SHARDS

    slices = [OverdueSweepSlice(day=moment.date(), shard=shard) for shard in range(DUE_SHARDS)]
    send_all(_queue_url(), slices)
    return len(slices)


def handle_sweep_message(body: str | dict[str, Any]) -> SliceResult:
    """The worker's entry: a bad body is a ValueError (the message fails, and ends in the dead-letter queue)."""
    from urbaneta.store.keys import DUE_SHARDS

    message = OverdueSweepSlice.parse(body)
    if message.shard >= DUE_SHARDS:
        raise ValueError(f"no shard {message.shard} in the due index")
    return sweep_slice(message)


def sweep_slice(message: OverdueSweepSlice) -> SliceResult:
    """Mark one slice's invoices overdue, announce them, queue the next slice of the shard."""
    result = SliceResult(day=message.day, shard=message.shard)
    candidates, last = store.due_page(message.shard, message.day, start=message.start, limit=SLICE)
    result.candidates = len(candidates)
    marked = [after for after in (_mark_overdue(inv, message.day) for inv in candidates) if after is not None]
    publish([invoice_event("invoice.overdue", inv) for inv in marked])
    result.marked = len(marked)
    if last:
        from urbaneta.adapters.queues import send_one

        send_one(_queue_url(), message.model_copy(update={"start": last, "slice": message.slice + 1}))
        result.more = True
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
