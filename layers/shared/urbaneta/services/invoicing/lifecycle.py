"""The invoice life cycle by hand: PATCH (mark sent or paid) and credit notes."""


from typing import Any

from urbaneta.adapters.events import publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import billing, invoice_state
from urbaneta.domain.invoices import Invoice, InvoiceStatus
from urbaneta.errors import Conflict, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.invoices import InvoiceOut, InvoicePatch
from urbaneta.services.accounts import posting
from urbaneta.services.invoicing.common import invoice_event, pause, visible
from urbaneta.services.invoicing.documents import pdf_key
from urbaneta.store import invoices as store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import transact

MAX_ATTEMPTS = 30


def patch_invoice(caller: Principal, invoice_id: str, body: InvoicePatch, if_match: str | None = None) -> InvoiceOut:
    inv = visible(caller, invoice_id)
    require_match(if_match, InvoiceOut.of(inv))
    if body.status is None and body.paid_date is None and body.reference is None:
        raise ValidationFailed.one("status", "give status, paidDate or reference")
    if inv.status == "cancelled":
        raise Conflict("A cancelled invoice is not changed.")
    changes: dict[str, Any] = {}
    event: str | None = None
    target: InvoiceStatus | None = body.status if body.status and body.status != inv.status else None
    if target is not None:
        invoice_state.check_manual(inv, target)
        if target == "sent":
            changes.update(status="sent", sent_at=now_iso())
            event = "invoice.sent"
        else:  # paid, by hand (e.g. paid in cash): the whole balance
            changes.update(status="paid", amount_paid_cents=inv.total_cents, balance_due_cents=0,
                           paid_date=body.paid_date or today())
            event = "invoice.paid"
    if body.paid_date is not None and target is None:
        if inv.status != "paid":
            raise ValidationFailed.one("paidDate", "only a paid invoice has a paid date; send status paid with it")
        changes["paid_date"] = body.paid_date
    if body.reference is not None:
        changes["reference"] = body.reference
    after = inv.model_copy(update={**changes, "updated_at": max(now_iso(), inv.updated_at)})  # answered as stored
    entry = posting.marked_paid_entry(inv, after.paid_date or today()) if event == "invoice.paid" else None
    store.apply([store.transition_op(inv, after), *posting.post_ops([entry] if entry else [])])
    after = after.model_copy(update={"version": inv.version + 1})
    if event:
        publish([invoice_event(event, after)])
    return InvoiceOut.of(after)


def create_credit_note(caller: Principal, invoice_id: str) -> InvoiceOut:
    inv = visible(caller, invoice_id)
    invoice_state.check_credit_note(inv)
    prefix = inv.number.rsplit("-", 1)[0]
    lines = billing.credit_lines(inv.lines)
    sums = billing.totals(lines)
    now = now_iso()
    for attempt in range(MAX_ATTEMPTS):
        last = store.counter_value(inv.tenant_id, prefix)
        note_id = new_id()
        note = Invoice(
            id=note_id, tenant_id=inv.tenant_id, number=billing.format_number(prefix, last + 1),
            reference_number=inv.reference_number, building_id=inv.building_id, apartment_id=inv.apartment_id,
            period_start=inv.period_start, period_end=inv.period_end, issue_date=today(), due_date=today(),
            status="draft", currency=inv.currency, lines=lines, subtotal_cents=sums.subtotal_cents,
            vat_total_cents=sums.vat_total_cents, total_cents=sums.total_cents, amount_paid_cents=0,
            balance_due_cents=0, recipient=inv.recipient, credit_note_of=inv.id,
            pdf_key=pdf_key(inv.tenant_id, note_id), version=0, created_at=now, updated_at=now)
        cancelled = inv.model_copy(update={"status": "cancelled", "cancelled_by": note.id, "cancelled_at": now})
        entry = posting.credit_note_entry(note, inv, inv.balance_due_cents, None)
        ops = [store.counter_op(inv.tenant_id, prefix, last, last + 1), *store.credit_note_ops(inv, cancelled, note),
               *posting.post_ops([entry], due=inv.due_date)]
        try:
            transact(ops)
        except ConditionFailed as exc:
            if exc.labels == {"counter"}:
                pause(attempt)
                continue
            raise Conflict(store.CHANGED) from exc
        publish([invoice_event("invoice.cancelled", cancelled.model_copy(update={"version": inv.version + 1})),
                 invoice_event("invoice.created", note)])
        return InvoiceOut.of(note)
    raise Conflict("The credit note could not be numbered; try again.")
