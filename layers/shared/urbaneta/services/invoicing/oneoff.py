"""One-off invoices and drafts (issue 14, item 6): ``POST /invoices`` bills free lines to one apartment with the
same numbering, PDF, e-mail and events as monthly invoices; a draft's lines can be replaced
(``PUT /invoices/{id}/lines``) or the draft deleted (``DELETE /invoices/{id}``) until it is issued.

Every change is one transaction with the apartment account: a new invoice posts its ``invoice`` entry (its
previousBalance/totalToPay taken from the account it is conditioned on); new lines post an ``adjustment`` of the
difference; a deleted draft is cancelled (its number stays used: the series has no gap) and posts an
``adjustment`` taking its total back. A draft that has received money (e.g. apartment credit) is not changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from urbaneta.adapters.events import publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import billing
from urbaneta.domain.buildings import Apartment, Building
from urbaneta.domain.invoices import Invoice, InvoiceLine, Recipient
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.invoices import DraftLines, FreeLine, InvoiceCreate, InvoiceOut
from urbaneta.services.accounts import posting
from urbaneta.services.invoicing.common import invoice_event, pause, visible
from urbaneta.services.invoicing.documents import pdf_key
from urbaneta.store import accounts as accounts_store
from urbaneta.store import invoices as store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import transact

MAX_ATTEMPTS = 30


def _lines(lines: Sequence[FreeLine], default_rate: Decimal) -> list[InvoiceLine]:
    out = []
    for ln in lines:
        rate = ln.vat_rate if ln.vat_rate is not None else default_rate
        amount = billing.line_amount_cents(ln.quantity, ln.unit_price)
        out.append(InvoiceLine(description=ln.description, quantity=ln.quantity, unit=ln.unit,
                               unit_price=ln.unit_price, amount_cents=amount, vat_rate=rate,
                               vat_cents=billing.vat_cents(amount, rate)))
    return out


def _where(caller: Principal, apartment_id: str) -> tuple[Apartment, Building]:
    from urbaneta.store import buildings

    try:
        apt = buildings.get_apartment(caller.tenant_id, apartment_id)
        return apt, buildings.get_building(caller.tenant_id, apt.building_id)
    except NotFound as exc:
        raise ValidationFailed.one("apartmentId", "no such apartment (in an active building)") from exc


def _invoice(caller: Principal, body: InvoiceCreate, apt: Apartment, building: Building, number: str) -> Invoice:
    issue = body.issue_date or today()
    due = body.due_date or billing.due_date(issue, building.billing.due_days)
    lines = _lines(body.lines, building.billing.vat_rate)
    sums = billing.totals(lines)
    invoice_id, now = new_id(), now_iso()
    return Invoice(
        id=invoice_id, tenant_id=caller.tenant_id, number=number, reference_number=apt.reference_number,
        building_id=building.id, apartment_id=apt.id, period_start=issue, period_end=issue, issue_date=issue,
        due_date=due, status="draft", currency=building.currency, lines=lines, subtotal_cents=sums.subtotal_cents,
        vat_total_cents=sums.vat_total_cents, total_cents=sums.total_cents, balance_due_cents=sums.total_cents,
        recipient=Recipient(name=apt.owner_name, email=apt.email), reference=body.reference,
        pdf_key=pdf_key(caller.tenant_id, invoice_id), created_at=now, updated_at=now)


def create_invoice(caller: Principal, body: InvoiceCreate) -> InvoiceOut:
    """A one-off draft invoice, numbered from the building's series (conditioned on the counter's value)."""
    apt, building = _where(caller, body.apartment_id)
    if body.issue_date and body.due_date and body.due_date < body.issue_date:
        raise ValidationFailed.one("dueDate", "must not be before issueDate")
    prefix = billing.default_prefix(body.issue_date or today(), building.billing.invoice_prefix)
    for attempt in range(MAX_ATTEMPTS):
        last = store.counter_value(caller.tenant_id, prefix)
        before = accounts_store.get_balance(caller.tenant_id, building.id, apt.id)
        inv = posting.stamp(_invoice(caller, body, apt, building, billing.format_number(prefix, last + 1)), before)
        try:
            transact([store.counter_op(caller.tenant_id, prefix, last, last + 1), *posting.invoice_ops(inv, before)])
        except ConditionFailed:
            pause(attempt)  # another invoice took the number, or the account changed: read both again
            continue
        publish([invoice_event("invoice.created", inv)])
        return InvoiceOut.of(inv)
    raise Conflict("The invoice could not be numbered; try again.")


def _draft(caller: Principal, invoice_id: str) -> Invoice:
    inv = visible(caller, invoice_id)
    if inv.status != "draft" or inv.credit_note_of is not None:
        raise Conflict("Only a draft invoice can be changed or deleted; an issued one takes a credit note.")
    if inv.amount_paid_cents or inv.credited_cents:
        raise Conflict("The draft has received money (e.g. apartment credit); credit it instead.")
    return inv


def replace_lines(caller: Principal, invoice_id: str, body: DraftLines) -> InvoiceOut:
    """A draft's lines replaced; the account gets an adjustment of the difference (same transaction)."""
    inv = _draft(caller, invoice_id)
    lines = _lines(body.lines, _building_rate(caller, inv))
    sums = billing.totals(lines)
    diff = sums.total_cents - inv.total_cents
    after = inv.model_copy(update={
        "lines": lines, "subtotal_cents": sums.subtotal_cents, "vat_total_cents": sums.vat_total_cents,
        "total_cents": sums.total_cents, "balance_due_cents": sums.total_cents,
        "total_to_pay_cents": None if inv.total_to_pay_cents is None else inv.total_to_pay_cents + diff})
    entry = posting.adjustment_entry(inv, f"lines:{inv.id}:{inv.version + 1}", inv.issue_date, diff,
                                     f"Invoice {inv.number}: lines changed") if diff else None
    try:
        store.apply([store.lines_op(inv, after), *posting.post_ops([entry] if entry else [], due=inv.due_date)])
    except ConditionFailed as exc:
        raise Conflict(store.CHANGED) from exc
    saved = after.model_copy(update={"version": inv.version + 1})
    publish([invoice_event("invoice.updated", saved)])
    return InvoiceOut.of(saved)


def _building_rate(caller: Principal, inv: Invoice) -> Decimal:
    from urbaneta.store import buildings

    return buildings.get_building(caller.tenant_id, inv.building_id, include_archived=True).billing.vat_rate


def delete_draft(caller: Principal, invoice_id: str) -> None:
    """A draft deleted: cancelled (its number stays used) and its total taken back from the account."""
    inv = _draft(caller, invoice_id)
    now = now_iso()
    after = inv.model_copy(update={"status": "cancelled", "cancelled_at": now, "balance_due_cents": 0})
    entry = posting.adjustment_entry(inv, f"void:{inv.id}", today(), -inv.total_cents,
                                     f"Draft invoice {inv.number} deleted") if inv.total_cents else None
    try:
        store.apply([store.transition_op(inv, after), *posting.post_ops([entry] if entry else [], due=inv.due_date)])
    except ConditionFailed as exc:
        raise Conflict(store.CHANGED) from exc
    publish([invoice_event("invoice.cancelled", after.model_copy(update={"version": inv.version + 1}))])
