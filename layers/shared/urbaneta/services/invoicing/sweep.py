"""The daily overdue sweep: sent, unpaid invoices past their due date become overdue (once)."""


from dataclasses import dataclass
from datetime import date, datetime

from urbaneta.adapters.events import DomainEvent, publish
from urbaneta.clock import now_iso
from urbaneta.domain import invoice_state
from urbaneta.errors import Conflict, NotFound
from urbaneta.observability import metrics
from urbaneta.services.invoicing.common import invoice_event
from urbaneta.store import invoices as store


@dataclass
class SweepResult:
    today: date
    examined: int = 0
    marked: int = 0


def sweep_overdue(moment: datetime) -> SweepResult:
    """Sent, unpaid invoices due before the schedule's day become overdue, once (the transition removes them from
    the sparse index and is conditioned on the version). ``invoice.overdue`` events go out 10 per PutEvents."""
    from urbaneta.store.keys import DUE_SHARDS

    result = SweepResult(today=moment.date())
    pending: list[DomainEvent] = []
    for shard in range(DUE_SHARDS):
        for indexed in store.due_before(shard, result.today):
            if not invoice_state.becomes_overdue(indexed, result.today):
                continue  # already overdue (watched for reminders)
            result.examined += 1
            try:
                inv = store.get_invoice(indexed.tenant_id, indexed.id)
            except NotFound:
                continue
            if not invoice_state.becomes_overdue(inv, result.today):
                continue
            try:
                after = store.save_transition(inv, inv.model_copy(update={"status": "overdue",
                                                                         "overdue_at": now_iso()}))
            except Conflict:
                continue  # changed meanwhile (e.g. paid): judged again tomorrow if still watched
            result.marked += 1
            pending.append(invoice_event("invoice.overdue", after))
            if len(pending) == 10:
                publish(pending)
                pending = []
    publish(pending)
    if result.marked:
        metrics.add_metric(name="InvoicesOverdue", unit="Count", value=result.marked)
    return result
