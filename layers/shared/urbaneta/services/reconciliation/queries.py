"""Reading a statement (its counts, the unusable entries, its entries page by page) and matching one entry by
hand."""

from __future__ import annotations

from urbaneta.adapters.events import publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.errors import Conflict, NotFound
from urbaneta.models.payments import EntryMatch, EntryOut, StatementOut
from urbaneta.services.payments import PAYABLE, DuplicatePayment, PaymentDraft, apply_payment
from urbaneta.services.reconciliation.importing import out
from urbaneta.store import invoices as invoice_store
from urbaneta.store import statements as store
from urbaneta.store.pages import PageRequest


def get_statement(caller: Principal, statement_id: str, limit_raw: str | None, cursor: str | None) -> StatementOut:
    statement = store.get_statement(caller.tenant_id, statement_id)
    req = PageRequest.parse(caller.tenant_id, f"statement|{statement_id}", limit=limit_raw, cursor=cursor)
    entries, last = store.page_entries(caller.tenant_id, statement_id, limit=req.limit, start_key=req.start)
    page = req.page([EntryOut.of(e) for e in entries], last)
    return StatementOut(id=statement.id, format=statement.format, own_iban=statement.own_iban,
                        created_at=statement.created_at, counts=out(statement),
                        entries=page.items, next_cursor=page.next_cursor)


def match_entry(caller: Principal, statement_id: str, entry_id: str, body: EntryMatch) -> EntryOut:
    """A manager matches one entry by hand (or confirms a suggestion): it becomes a payment for the invoice."""
    store.get_statement(caller.tenant_id, statement_id)
    entry = store.get_entry(caller.tenant_id, entry_id)
    if entry.statement_id != statement_id:
        raise NotFound("No such statement entry.")
    if entry.direction != "credit" or entry.reversal or entry.amount_cents is None or entry.currency is None \
            or entry.booking_date is None or entry.reason is not None:
        raise Conflict("Only money received can be matched to an invoice.")
    if entry.status not in ("unmatched", "suggested", "pending"):
        raise Conflict(f"The entry is {entry.status} already.")
    invoice = invoice_store.get_invoice(caller.tenant_id, body.invoice_id)
    if invoice.status not in PAYABLE:
        raise Conflict(f"An invoice in status {invoice.status} takes no payments.")
    if invoice.currency != entry.currency:
        raise Conflict("The entry's currency is not the invoice's.")
    payment_id = new_id()
    done = entry.model_copy(update={"status": "matched", "payment_id": payment_id, "rule": "manual",
                                    "confidence": "certain", "invoice_id": invoice.id,
                                    "apartment_id": invoice.apartment_id, "updated_at": now_iso()})
    draft = PaymentDraft(
        tenant_id=caller.tenant_id, apartment_id=invoice.apartment_id, amount_cents=entry.amount_cents,
        currency=entry.currency, paid_date=entry.booking_date, method="bank_statement", named_invoice_id=invoice.id,
        reference=entry.structured_reference, payer_name=entry.payer_name, payer_iban=entry.payer_iban,
        statement_id=statement_id, entry_id=entry.id, signature=entry.signature, recorded_by=caller.user_id,
        payment_id=payment_id, dedupe=f"BANK#{entry.id}",
        extra_ops=[store.save_entry_op(done, expect_status=entry.status)],
    )
    try:
        applied = apply_payment(draft)
    except DuplicatePayment as exc:
        raise Conflict("The entry was matched already.") from exc
    publish(applied.events)
    return EntryOut.of(done)

