"""Bank statement import and reconciliation.

``import_statement`` parses the file (camt.053/054 or a bank CSV), keeps it in the documents bucket, and then
works in batches: identities of every line are checked with BatchGetItem (100 per call), references, invoice
numbers and payer IBANs are resolved with BatchGetItem on their guard items, new entries are written with
BatchWriteItem (25 per call), and every matched line becomes a payment in its own transaction (payment, dedupe
guard, invoice updates, credit, the entry's new status). A line is stored once per identity, so importing the
same statement again records nothing twice.

Large files: if the function's remaining time runs short while payments are being applied, the rest of the
matched entries stay ``pending`` and the answer says how many; importing the same file again (or matching
by hand) finishes them, because a pending entry is the one kind of known entry that is not a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from urbaneta.adapters import documents
from urbaneta.adapters.events import DomainEvent, publish
from urbaneta.adapters.statements import BankTransaction, StatementError, parse_statement
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.payments import BankEntry, EntryCounts, Statement
from urbaneta.domain.reconciliation import (
    Candidate,
    IdentitySource,
    Lookups,
    MatchResult,
    Named,
    Target,
    entry_identities,
    match,
    payment_signature,
    read_names,
    suggest,
)
from urbaneta.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from urbaneta.models.payments import EntryMatch, EntryOut, StatementImportOut, StatementOut
from urbaneta.observability import logger, metrics
from urbaneta.services.payments import PAYABLE, DuplicatePayment, PaymentDraft, apply_payment, reverse_payment
from urbaneta.store import invoices as invoice_store
from urbaneta.store import payments as payment_store
from urbaneta.store import statements as store
from urbaneta.store.pages import PageRequest

MAX_STATEMENT_BYTES = 5 * 1024 * 1024
SAFETY_MS = 4000  # stop applying payments when less than this is left of the function's time
MAX_SUGGESTION_INVOICES = 2000
MAX_SUGGESTION_PAGES = 10  # of 500 invoices: rule 4 looks at the first 5,000 open invoices at most
BILLING_CURRENCY = "EUR"  # invoices are in euros (Baltic states); other currencies are matched by hand
BUILDING_QUERY_MIN = 3  # apartments of one building in an import: read their open invoices together
XML_TYPES = ("application/xml", "text/xml")
CSV_TYPES = ("text/csv", "application/csv")


@dataclass
class _Line:
    tx: BankTransaction
    entry_id: str
    position: int
    named: Named
    signature: str
    result: MatchResult | None = None
    invoice: Invoice | None = None


class _Counts(EntryCounts):
    events: list[DomainEvent] = Field(default_factory=list)


def _kind(content_type: str | None) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in XML_TYPES:
        return "xml"
    if kind in CSV_TYPES:
        return "csv"
    raise UnsupportedMediaType("Send the statement as application/xml (camt.053/054) or text/csv (bank export).")


def _entry(tenant_id: str, statement_id: str, line: _Line, status: str, now: str) -> BankEntry:
    tx = line.tx
    target = line.result.target if line.result else None
    return BankEntry(
        id=line.entry_id, tenant_id=tenant_id, statement_id=statement_id, position=line.position,
        booking_date=tx.booking_date, amount_cents=tx.amount_cents, currency=tx.currency,
        direction="credit" if tx.credit else "debit", reversal=tx.reversal, payer_name=tx.payer_name,
        payer_iban=tx.payer_iban, own_iban=tx.own_iban, structured_reference=tx.structured_reference,
        text=" | ".join(tx.texts)[:500] or None, bank_reference=tx.bank_reference, status=status,  # type: ignore[arg-type]
        rule=line.result.rule if line.result else None,
        confidence=line.result.confidence if line.result else None,
        invoice_id=target.invoice_id if target else None, apartment_id=target.apartment_id if target else None,
        signature=line.signature, created_at=now, updated_at=now,
    )


def _source(tx: BankTransaction) -> IdentitySource:
    return IdentitySource(
        own_iban=tx.own_iban, bank_reference=tx.bank_reference, tx_index=tx.tx_index, booking_date=tx.booking_date,
        amount_cents=tx.amount_cents, credit=tx.credit, counterparty=f"{tx.payer_iban or ''}|{tx.payer_name or ''}",
        references=tx.structured_reference or "", text="|".join(tx.texts),
    )


def _resolve(tenant_id: str, lines: list[_Line]) -> tuple[Lookups, dict[str, str]]:
    """Batched look-ups of every reference and payer IBAN the lines carry (BatchGetItem), and of invoice numbers
    (one GSI2 Query per distinct number, which free text rarely holds). Also answers apartment → building."""
    refs = {r for ln in lines for r in (*ln.named.certain_references, *ln.named.text_references)}
    numbers = {n for ln in lines for n in ln.named.invoice_numbers}
    payers = {ln.tx.payer_iban for ln in lines if ln.tx.payer_iban}
    ref_apts, payer_apts = store.resolve_pointers(tenant_id, refs, payers)
    number_invoices = invoice_store.invoice_ids_by_number(tenant_id, numbers) if numbers else {}
    invoices = {i.id: i for i in invoice_store.get_invoices(tenant_id, sorted(set(number_invoices.values())))}
    lookups = Lookups(
        references={r: Target(apt) for r, (apt, _b) in ref_apts.items()},
        invoice_numbers={n: Target(invoices[i].apartment_id, i) for n, i in number_invoices.items() if i in invoices},
        payers=payer_apts,
    )
    buildings = {apt: b for apt, b in ref_apts.values() if b}
    buildings.update({i.apartment_id: i.building_id for i in invoices.values()})
    return lookups, buildings


def _prefetch(tenant_id: str, lines: list[_Line], buildings: dict[str, str]) -> dict[str, list[Invoice]]:
    """Open invoices of the apartments about to be paid: one paged Query per building that has at least
    BUILDING_QUERY_MIN of them in this import; the others are read per apartment when paid."""
    by_building: dict[str, set[str]] = {}
    for ln in lines:
        apt = ln.result.target.apartment_id if ln.result else None
        if apt and apt in buildings:
            by_building.setdefault(buildings[apt], set()).add(apt)
    cache: dict[str, list[Invoice]] = {}
    for building_id, apartments in by_building.items():
        if len(apartments) < BUILDING_QUERY_MIN:
            continue
        found = store.open_invoices_of_building(tenant_id, building_id)
        for apt in apartments:
            cache[apt] = found.get(apt, [])
    return cache


def _suggestions(tenant_id: str, lines: list[_Line]) -> None:
    """Rule 4 for lines nothing else matched: an open invoice with exactly the amount and a close name."""
    from urbaneta.store import table

    if not lines:
        return
    amounts = {ln.tx.amount_cents for ln in lines}
    candidates: list[Candidate] = []
    start: dict[str, Any] | None = None
    from urbaneta.store import keys

    for _page in range(MAX_SUGGESTION_PAGES):
        items, start = table.query_page(
            keys.invoices_partition(tenant_id), index="GSI1", limit=500, start_key=start,
            filter_expression="balanceDueCents > :zero AND #st IN (:s, :o)", filter_names={"#st": "status"},
            filter_values={":zero": 0, ":s": "sent", ":o": "overdue"})
        for item in items:
            if int(item.get("balanceDueCents", 0)) in amounts:
                candidates.append(Candidate(str(item["id"]), str(item["apartmentId"]), int(item["balanceDueCents"]),
                                            (item.get("recipient") or {}).get("name")))
        if not start or len(candidates) >= MAX_SUGGESTION_INVOICES:
            break
    for ln in lines:
        ln.result = suggest(ln.tx.amount_cents, ln.tx.payer_name, candidates)


def _apply_line(tenant_id: str, statement_id: str, line: _Line, entry: BankEntry,
                cache: dict[str, list[Invoice]], counts: _Counts, actor: str | None) -> BankEntry:
    """One matched credit line → one payment transaction (with the entry's new status)."""
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
    known = cache.get(target.apartment_id)
    try:
        applied = apply_payment(draft, invoices=known)
    except DuplicatePayment:
        counts.duplicates += 1
        return entry
    cache[target.apartment_id] = applied.after
    counts.events.extend(applied.events)
    counts.matched += 1
    return done


def _reverse_line(tenant_id: str, line: _Line, entry: BankEntry, counts: _Counts) -> BankEntry:
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
                                             [store.save_entry_op(done, expect_status="pending")]))
    except Conflict:
        counts.duplicates += 1
        return entry
    counts.reversed += 1
    return done


def import_statement(caller: Principal, content: bytes, content_type: str | None,
                     time_left_ms: Callable[[], int] | None = None, *,
                     max_bytes: int = MAX_STATEMENT_BYTES) -> StatementImportOut:
    """``max_bytes``: the HTTP route keeps the 5 MB limit; the benchmark imports larger files directly."""
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"A statement file is at most {max_bytes} bytes.")
    kind = _kind(content_type)
    if not content.strip():
        raise ValidationFailed.one("file", "the file is empty")
    try:
        parsed = parse_statement(content, "application/xml" if kind == "xml" else "text/csv")
    except StatementError as exc:
        raise ValidationFailed.one("file", str(exc)) from exc

    tenant_id = caller.tenant_id
    statement_id = new_id()
    now = now_iso()
    key = documents.statement_key(tenant_id, statement_id, kind)
    documents.put_statement(key, content, "application/xml" if kind == "xml" else "text/csv")

    identities = entry_identities([_source(tx) for tx in parsed.transactions])
    lines = []
    for pos, (tx, entry_id) in enumerate(zip(parsed.transactions, identities, strict=True)):
        named = read_names(tx.structured_reference, tx.texts)
        lines.append(_Line(tx, entry_id, pos, named, payment_signature(tx.own_iban, tx.amount_cents, tx.payer_iban,
                                                                       named)))
    existing = store.existing_entries(tenant_id, identities)
    counts = _Counts()
    first_seen: dict[str, _Line] = {}
    for ln in lines:  # a bank reference repeated inside one file is the same line again
        first_seen.setdefault(ln.entry_id, ln)
    unique_lines = list(first_seen.values())
    fresh = [ln for ln in unique_lines if ln.entry_id not in existing]
    resumed = [ln for ln in unique_lines if ln.entry_id in existing and existing[ln.entry_id].status == "pending"]
    counts.duplicates = len(lines) - len(fresh) - len(resumed)

    payments_in = [ln for ln in fresh if ln.tx.credit and not ln.tx.reversal]
    lookups, buildings = _resolve(tenant_id, payments_in)
    for ln in payments_in:  # a line in another currency is left for a person
        ln.result = match(ln.named, ln.tx.payer_iban, lookups) if ln.tx.currency == BILLING_CURRENCY else None
    _suggestions(tenant_id, [ln for ln in payments_in if ln.result is None and ln.tx.currency == BILLING_CURRENCY])

    entries: dict[str, BankEntry] = {}
    to_apply: list[_Line] = []
    to_reverse: list[_Line] = []
    for ln in fresh:
        if ln.tx.reversal and not ln.tx.credit:
            status = "pending"
            to_reverse.append(ln)
        elif not ln.tx.credit or ln.tx.reversal:
            status = "ignored"  # money out is not a resident payment
            counts.ignored += 1
        elif ln.result is None:
            status = "unmatched"
            counts.unmatched += 1
        elif ln.result.confidence == "suggestion":
            status = "suggested"
            counts.suggested += 1
        else:
            status = "pending"
            to_apply.append(ln)
        entries[ln.entry_id] = _entry(tenant_id, statement_id, ln, status, now)
    for ln in resumed:
        previous = existing[ln.entry_id]
        target = Target(previous.apartment_id or "", previous.invoice_id)
        ln.result = MatchResult(previous.rule or "reference", previous.confidence or "certain",  # type: ignore[arg-type]
                                target) if previous.apartment_id else None
        entries[ln.entry_id] = previous
        (to_reverse if previous.reversal else to_apply).append(ln)

    statement = Statement(id=statement_id, tenant_id=tenant_id, format=parsed.format, own_iban=parsed.own_iban,
                          file_key=key, file_size=len(content), entries=len(lines), skipped=parsed.skipped,
                          imported_by=caller.user_id, created_at=now)
    store.put_statement(statement)
    store.write_entries(entries[ln.entry_id] for ln in fresh)

    cache = _prefetch(tenant_id, to_apply, buildings)
    for ln in sorted(to_apply + to_reverse, key=lambda x: x.position):
        if time_left_ms is not None and time_left_ms() < SAFETY_MS:
            counts.pending += 1
            continue
        if ln in to_reverse:
            result = _reverse_line(tenant_id, ln, entries[ln.entry_id], counts)
            if result.status == "unmatched":
                store.write_entries([result])
            cache.clear()
        else:
            _apply_line(tenant_id, statement_id, ln, entries[ln.entry_id], cache, counts, caller.user_id)
        if len(counts.events) >= 50:
            publish(counts.events)
            counts.events.clear()
    publish(counts.events)

    statement = statement.model_copy(update={
        "matched": counts.matched, "suggested": counts.suggested, "unmatched": counts.unmatched,
        "ignored": counts.ignored, "reversed": counts.reversed, "duplicates": counts.duplicates,
        "pending": counts.pending})
    store.put_statement(statement)
    metrics.add_metric(name="StatementEntriesImported", unit="Count", value=len(fresh))
    logger.info("statement imported", extra={"statement": statement_id, "format": parsed.format,
                                             "entries": len(lines), "matched": counts.matched})
    return _out(statement)


def _out(s: Statement) -> StatementImportOut:
    return StatementImportOut(id=s.id, format=s.format, entries=s.entries, matched=s.matched, suggested=s.suggested,
                              unmatched=s.unmatched, ignored=s.ignored, reversed=s.reversed,
                              duplicates=s.duplicates, pending=s.pending)


def get_statement(caller: Principal, statement_id: str, limit_raw: str | None, cursor: str | None) -> StatementOut:
    statement = store.get_statement(caller.tenant_id, statement_id)
    req = PageRequest.parse(caller.tenant_id, f"statement|{statement_id}", limit=limit_raw, cursor=cursor)
    entries, last = store.page_entries(caller.tenant_id, statement_id, limit=req.limit, start_key=req.start)
    page = req.page([EntryOut.of(e) for e in entries], last)
    return StatementOut(id=statement.id, format=statement.format, own_iban=statement.own_iban,
                        created_at=statement.created_at, counts=_out(statement),
                        entries=page.items, next_cursor=page.next_cursor)


def match_entry(caller: Principal, statement_id: str, entry_id: str, body: EntryMatch) -> EntryOut:
    """A manager matches one entry by hand (or confirms a suggestion): it becomes a payment for the invoice."""
    store.get_statement(caller.tenant_id, statement_id)
    entry = store.get_entry(caller.tenant_id, entry_id)
    if entry.statement_id != statement_id:
        raise NotFound("No such statement entry.")
    if entry.direction != "credit" or entry.reversal:
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

