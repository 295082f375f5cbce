"""Posting to apartment accounts: the ledger entries of each cause and the operations that write them with the
balance aggregate, for the unit of work of the change itself (an invoice, a payment, a reversal, a credit note,
an opening balance). Entry ids come from the cause, so a retried change never posts twice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from urbaneta.clock import now_iso
from urbaneta.domain import ledger
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.ledger import AccountBalance, EntryType, LedgerEntry
from urbaneta.domain.payments import Payment
from urbaneta.errors import ServiceUnavailable
from urbaneta.store import accounts as store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import Op, transact

INVOICES_PER_TRANSACTION = 24  # 4 operations each at most (invoice, 2 entries, account): 96 of 100
MAX_ATTEMPTS = 20


def _entry(tenant_id: str, building_id: str, apartment_id: str, entry_id: str, on: date, type_: EntryType,
           cents: int, description: str, **refs: str | None) -> LedgerEntry:
    entry = LedgerEntry(id=entry_id, tenant_id=tenant_id, building_id=building_id, apartment_id=apartment_id,
                        date=on, type=type_, amount_cents=cents, description=description, created_at=now_iso(),
                        invoice_id=refs.get("invoice_id"), payment_id=refs.get("payment_id"),
                        reason=refs.get("reason"))
    ledger.check_sign(entry)
    return entry


def invoice_entries(inv: Invoice) -> list[LedgerEntry]:
    """An invoice's charges and, apart, its late interest (both dated on the issue date)."""
    interest = sum(ln.amount_cents + ln.vat_cents for ln in inv.lines if ln.kind == "late_interest")
    charges = inv.total_cents - interest
    out = []
    if charges:
        out.append(_entry(inv.tenant_id, inv.building_id, inv.apartment_id, f"invoice:{inv.id}", inv.issue_date,
                          "invoice", charges, f"Invoice {inv.number}", invoice_id=inv.id))
    if interest:
        out.append(_entry(inv.tenant_id, inv.building_id, inv.apartment_id, f"interest:{inv.id}", inv.issue_date,
                          "late_interest", interest, f"Late interest on invoice {inv.number}", invoice_id=inv.id))
    return out


def payment_entry(p: Payment, building_id: str) -> LedgerEntry | None:
    """A received payment; none for a payment of method ``credit`` (credit already on the account moving to an
    invoice changes nothing the apartment owes)."""
    if p.method == "credit":
        return None
    text = f"Payment {p.reference}" if p.reference else "Payment"
    return _entry(p.tenant_id, building_id, p.apartment_id, f"payment:{p.id}", p.paid_date, "payment",
                  -p.amount_cents, text, payment_id=p.id, invoice_id=p.invoice_id)


def reversal_entry(p: Payment, building_id: str, on: date, reason: str | None) -> LedgerEntry | None:
    if p.method == "credit":
        return None
    return _entry(p.tenant_id, building_id, p.apartment_id, f"reversal:{p.id}", on, "payment_reversal",
                  p.amount_cents, f"Reversal of the payment of {p.paid_date.isoformat()}", payment_id=p.id,
                  invoice_id=p.invoice_id, reason=reason)


def marked_paid_entry(inv: Invoice, on: date) -> LedgerEntry | None:
    """A manager marks an invoice paid by hand (e.g. cash seen elsewhere): its open balance was received."""
    if inv.balance_due_cents <= 0:
        return None
    return _entry(inv.tenant_id, inv.building_id, inv.apartment_id, f"paid:{inv.id}", on, "payment",
                  -inv.balance_due_cents, f"Invoice {inv.number} marked paid", invoice_id=inv.id)


def credit_note_entry(note: Invoice, original: Invoice, cents: int, reason: str | None) -> LedgerEntry:
    return _entry(note.tenant_id, note.building_id, note.apartment_id, f"credit:{note.id}", note.issue_date,
                  "credit_note", -cents, f"Credit note {note.number} on invoice {original.number}",
                  invoice_id=original.id, reason=reason)


def refund_entry(note: Invoice, cents: int, reason: str | None) -> LedgerEntry:
    """The part of a credit note already paid, paid back to the payer (recorded; the money leaves elsewhere)."""
    return _entry(note.tenant_id, note.building_id, note.apartment_id, f"refund:{note.id}", note.issue_date,
                  "refund", cents, f"Refund of credit note {note.number}", invoice_id=note.credit_note_of,
                  reason=reason)


def adjustment_entry(inv: Invoice, entry_id: str, on: date, cents: int, text: str) -> LedgerEntry:
    return _entry(inv.tenant_id, inv.building_id, inv.apartment_id, entry_id, on, "adjustment", cents, text,
                  invoice_id=inv.id)


def reminder_entry(inv: Invoice, level: int, on: date) -> LedgerEntry:
    """A reminder sent about an invoice: it moves no money (0); its id is the "reminder sent" mark of the invoice
    and level, so the same reminder is never recorded (or sent) twice."""
    return _entry(inv.tenant_id, inv.building_id, inv.apartment_id, f"reminder:{inv.id}:{level}", on, "reminder",
                  0, f"Payment reminder {level} on invoice {inv.number}", invoice_id=inv.id)


def opening_entry(tenant_id: str, building_id: str, apartment_id: str, on: date, cents: int,
                  reason: str | None = None) -> LedgerEntry:
    return _entry(tenant_id, building_id, apartment_id, f"opening:{on.isoformat()}", on, "opening_balance", cents,
                  "Opening balance", reason=reason)


def post_ops(entries: Sequence[LedgerEntry], *, due: date | None = None, expect_entries: int | None = None
             ) -> list[Op]:
    """The entries of ONE apartment and the aggregate's update, for the caller's unit of work."""
    if not entries:
        return []
    first = entries[0]
    change = ledger.change_of(entries, due)
    return [*(store.entry_op(e) for e in entries),
            store.balance_op(first.tenant_id, first.building_id, first.apartment_id, change,
                             expect_entries=expect_entries)]


def building_of(tenant_id: str, apartment_id: str, invoices: Iterable[Invoice] = ()) -> str:
    """The apartment's building: from one of its invoices at hand, or one GetItem of the apartment."""
    for inv in invoices:
        if inv.apartment_id == apartment_id:
            return inv.building_id
    from urbaneta.store import buildings

    return buildings.get_apartment(tenant_id, apartment_id).building_id


# ---- invoices, written with their entries ----------------------------------------------------------------


def stamp(inv: Invoice, before: AccountBalance) -> Invoice:
    """The invoice with the balances its account shows before it (invoice fields of issue 14, item 2)."""
    b = ledger.invoice_balances(before, inv.total_cents)
    return inv.model_copy(update={"previous_balance_cents": b.previous_balance_cents,
                                  "payments_received_cents": b.payments_received_cents,
                                  "total_to_pay_cents": b.total_to_pay_cents})


def invoice_ops(inv: Invoice, before: AccountBalance) -> list[Op]:
    """A new invoice with its entries and its account (conditioned on the account as ``before`` read it)."""
    from urbaneta.store import invoices as invoice_store

    create = invoice_store.create_op(inv)._replace(label=f"invoice:{inv.id}")
    return [create, *post_ops(invoice_entries(inv), due=inv.due_date, expect_entries=before.entry_count)]


def write_invoices(invoices: Sequence[Invoice]) -> list[Invoice]:
    """New invoices (one per apartment, of one building), each in a transaction with its entries and its
    account, 24 per transaction; the balance fields are taken from the accounts as read (one BatchGetItem per
    100), the account update conditioned on them. A changed account is read again; an invoice that exists
    already (a concurrent delivery wrote it) is left out. Returns the invoices written, stamped."""
    pending = list(invoices)
    written: list[Invoice] = []
    for attempt in range(MAX_ATTEMPTS):
        if not pending:
            return written
        before = store.balances(pending[0].tenant_id, pending[0].building_id, [i.apartment_id for i in pending])
        retry: list[Invoice] = []
        for start in range(0, len(pending), INVOICES_PER_TRANSACTION):
            group = [stamp(i, before[i.apartment_id]) for i in pending[start:start + INVOICES_PER_TRANSACTION]]
            try:
                transact([op for inv in group for op in invoice_ops(inv, before[inv.apartment_id])], validated=True)
            except ConditionFailed as exc:
                exists = {label.split(":", 1)[1] for label in exc.labels if label.startswith("invoice:")}
                retry += [i for i in group if i.id not in exists]
                continue
            written += group
        pending = retry
        if pending:
            from urbaneta import backoff

            backoff.pause(attempt, base=0.01, cap=0.5, jitter=True)
    raise ServiceUnavailable("The apartments' accounts are busy; the chunk is retried.")
