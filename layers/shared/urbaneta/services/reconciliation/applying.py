"""Applying a slice's lines: matched credits in groups of payments that touch different items, one
TransactWriteItems per group (grouping.py), each payment with the entry's new status; one reversal per reversal
line; a retried line finds its payment already there and records nothing twice."""

from __future__ import annotations

from collections.abc import Callable

from urbaneta.adapters.events import publish
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.payments import BankEntry
from urbaneta.errors import Conflict
from urbaneta.services.accounts.posting import building_of
from urbaneta.services.payments import (
    Applied,
    DuplicatePayment,
    PaymentDraft,
    apply_payment,
    open_invoices,
    prepare_payment,
    reverse_payment,
)
from urbaneta.services.reconciliation.grouping import Group
from urbaneta.services.reconciliation.lines import Counts, Line
from urbaneta.store import payments as payment_store
from urbaneta.store import statements as store

SAFETY_MS = 4000  # stop applying payments when less than this is left of the function's time
EVENTS_PER_PUBLISH = 50


def _draft(tenant_id: str, statement_id: str, line: Line, entry: BankEntry, actor: str | None
           ) -> tuple[PaymentDraft, BankEntry]:
    """The payment a matched credit line makes, with the entry as it will be once paid."""
    assert line.result
    target = line.result.target
    payment_id = new_id()
    done = entry.model_copy(update={"status": "matched", "payment_id": payment_id, "updated_at": now_iso()})
    tx = line.tx
    draft = PaymentDraft(
        tenant_id=tenant_id, apartment_id=target.apartment_id, amount_cents=tx.amount_cents, currency=tx.currency,
        paid_date=tx.booking_date, method="bank_statement", named_invoice_id=target.invoice_id,
        reference=tx.structured_reference or (line.named.certain_references or line.named.text_references or
                                              (None,))[0],
        payer_name=tx.payer_name, payer_iban=tx.payer_iban, statement_id=statement_id, entry_id=line.entry_id,
        signature=line.signature, recorded_by=actor, payment_id=payment_id, dedupe=f"BANK#{line.entry_id}",
        extra_ops=[store.save_entry_op(done, expect_status="pending")],
    )
    return draft, done


def _paid(applied: Applied, cache: dict[str, list[Invoice]], counts: Counts) -> None:
    cache[applied.payment.apartment_id] = applied.after
    counts.events.extend(applied.events)
    counts.matched += 1


def _alone(draft: PaymentDraft, cache: dict[str, list[Invoice]], counts: Counts) -> None:
    """One payment in its own transaction (re-reading invoices on a conflict); a redelivered line is a
    duplicate."""
    try:
        applied = apply_payment(draft, invoices=cache.get(draft.apartment_id))
    except DuplicatePayment:
        counts.duplicates += 1
        return
    _paid(applied, cache, counts)


def reverse_line(tenant_id: str, line: Line, entry: BankEntry, counts: Counts) -> BankEntry:
    """A reversal undoes the received payment with the same signature; without one it is left for a person."""
    ids = payment_store.find_by_signature(tenant_id, line.signature)
    candidates = [p for p in payment_store.get_payments(tenant_id, ids) if p.status == "received"]
    if not candidates:
        counts.unmatched += 1
        return entry.model_copy(update={"status": "unmatched"})
    original = sorted(candidates, key=lambda p: p.created_at)[-1]
    done = entry.model_copy(update={"status": "reversed", "payment_id": original.id,
                                    "apartment_id": original.apartment_id, "invoice_id": original.invoice_id,
                                    "rule": "reversal", "confidence": "certain"})
    try:
        counts.events.extend(reverse_payment(original, line.entry_id,
                                             [store.save_entry_op(done, expect_status="pending")],
                                             reason="bank reversal", on=entry.booking_date))
    except Conflict:
        counts.duplicates += 1
        return entry
    counts.reversed += 1
    return done


class Batch:
    """Matched lines of a slice gathered into groups of payments that touch different items (grouping.py)."""

    def __init__(self, cache: dict[str, list[Invoice]], counts: Counts) -> None:
        self.cache = cache
        self.counts = counts
        self.group = Group()
        self.drafts: list[PaymentDraft] = []
        self.apartments: set[str] = set()
        self.buildings: dict[str, str] = {}  # apartment → building, read once per slice

    def add(self, draft: PaymentDraft) -> None:
        if draft.apartment_id in self.apartments:
            self.flush()  # its invoices as the group's payment leaves them
        invoices = self.cache.get(draft.apartment_id)
        if invoices is None:
            invoices = self.cache[draft.apartment_id] = open_invoices(draft)
        apt = draft.apartment_id
        if apt not in self.buildings:
            self.buildings[apt] = building_of(draft.tenant_id, apt, invoices)
        prepared = prepare_payment(draft, invoices, self.buildings[apt])
        if not self.group.fits(prepared):
            self.flush()
        self.group.add(len(self.drafts), prepared)
        self.drafts.append(draft)
        self.apartments.add(draft.apartment_id)

    def flush(self) -> None:
        """Write the group; refused payments alone."""
        if self.group.members:
            written, refused = self.group.commit()
            for _index, applied in written:
                _paid(applied, self.cache, self.counts)
            for index in refused:
                _alone(self.drafts[index], self.cache, self.counts)
        self.group, self.drafts, self.apartments = Group(), [], set()


def apply_all(tenant_id: str, statement_id: str, todo: list[tuple[Line, BankEntry]], cache: dict[str, list[Invoice]],
              counts: Counts, actor: str | None, time_left_ms: Callable[[], int] | None) -> None:
    """Every pending line in file order, matched credits in groups; when the function's time runs short the rest
    stay ``pending`` (counted), and importing the file again (or the worker running the chunk again) finishes
    them."""
    batch = Batch(cache, counts)
    for ln, entry in sorted(todo, key=lambda x: x[0].position):
        if time_left_ms is not None and time_left_ms() < SAFETY_MS:
            counts.pending += 1
            continue
        if entry.reversal:
            batch.flush()
            result = reverse_line(tenant_id, ln, entry, counts)
            if result.status == "unmatched":
                store.write_entries([result])
            cache.clear()
        else:
            batch.add(_draft(tenant_id, statement_id, ln, entry, actor)[0])
        if len(counts.events) >= EVENTS_PER_PUBLISH:
            publish(counts.events)
            counts.events.clear()
    batch.flush()
    publish(counts.events)
    counts.events.clear()
