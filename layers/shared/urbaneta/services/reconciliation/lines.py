"""The lines of one parsed statement as the import works on them: their identities and fallback slots (the
dedupe rule of docs/bank-formats.md), and the entries they become (usable, or unusable with a reason)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from pydantic import Field

from urbaneta.adapters.events import DomainEvent
from urbaneta.adapters.statements import BankTransaction, ParsedStatement
from urbaneta.adapters.statements.model import NOT_BOOKED, ZERO_AMOUNT, UnusableEntry
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.payments import BankEntry, EntryCounts, UnusableNote
from urbaneta.domain.reconciliation import (
    MatchResult,
    Named,
    line_keys,
    payment_signature,
    read_names,
    unusable_identity,
)

# banks whose reference is written the same way in every format they deliver (docs/bank-formats.md): two lines
# of these banks with different references are different transactions even when their fallback keys are equal
COMPARABLE_REFS = frozenset({"swedbank", "lhv", "luminor", "coop", "citadele"})


@dataclass
class Line:
    tx: BankTransaction
    entry_id: str
    slots: tuple[str, ...]
    ref_key: str
    position: int
    named: Named
    signature: str
    result: MatchResult | None = None
    invoice: Invoice | None = None

    @property
    def slot(self) -> str:
        return self.slots[0]


@dataclass
class Odd:
    """An unusable entry of the file with the identity it is stored under."""

    entry: UnusableEntry
    entry_id: str

    @property
    def status(self) -> str:
        return "ignored" if self.entry.reason == ZERO_AMOUNT else "unusable"


class Counts(EntryCounts):
    events: list[DomainEvent] = Field(default_factory=list)


@dataclass
class Plan:
    """A parsed file ready to be imported in slices (the whole file at once, or chunk by chunk)."""

    parsed: ParsedStatement
    file_digest: str
    lines: list[Line] = field(default_factory=list)
    odd: list[Odd] = field(default_factory=list)

    @property
    def entries_read(self) -> int:
        return len(self.lines) + len(self.odd)


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def plan(parsed: ParsedStatement, content_digest: str) -> Plan:
    """Identities for every line of the file (counting equal fallback keys in file order, so the result is the
    same however the file is later cut into chunks). Non-booked entries are not recorded: they come again booked."""
    txs = parsed.transactions
    keys = line_keys([(tx.dedupe_key, tx.fallback_keys, tx.credit) for tx in txs])
    out = Plan(parsed, content_digest)
    for tx, k in zip(txs, keys, strict=True):
        named = read_names(tx.structured_reference, tx.texts)
        out.lines.append(Line(tx, k.identity, k.slots, k.ref_key, tx.position, named,
                              payment_signature(tx.own_iban, tx.amount_cents, tx.payer_iban, named)))
    for u in parsed.unusable:
        if u.reason == NOT_BOOKED:
            continue
        ref = u.bank_refs[0] if u.bank_refs else None
        out.odd.append(Odd(u, unusable_identity(u.own_iban or parsed.own_iban or "", ref, u.tx_index,
                                                content_digest, u.position)))
    return out


def refs_comparable(tx: BankTransaction) -> bool:
    return tx.bank in COMPARABLE_REFS


def entry_of(tenant_id: str, statement_id: str, line: Line, status: str, now: str) -> BankEntry:
    tx = line.tx
    target = line.result.target if line.result else None
    return BankEntry(
        id=line.entry_id, tenant_id=tenant_id, statement_id=statement_id, position=line.position,
        tx_index=tx.tx_index,
        booking_date=tx.booking_date, amount_cents=tx.amount_cents, currency=tx.currency,
        direction="credit" if tx.credit else "debit", reversal=tx.reversal, payer_name=tx.payer_name,
        payer_iban=tx.payer_iban, own_iban=tx.own_iban, structured_reference=tx.structured_reference,
        text=" | ".join(tx.texts)[:500] or None, bank_reference=tx.bank_reference, status=status,  # type: ignore[arg-type]
        rule=line.result.rule if line.result else None,
        confidence=line.result.confidence if line.result else None,
        invoice_id=target.invoice_id if target else None, apartment_id=target.apartment_id if target else None,
        signature=line.signature, created_at=now, updated_at=now,
    )


def odd_entry(tenant_id: str, statement_id: str, own_iban: str | None, odd: Odd, now: str) -> BankEntry:
    u = odd.entry
    direction = None if u.credit is None else ("credit" if u.credit else "debit")
    return BankEntry(
        id=odd.entry_id, tenant_id=tenant_id, statement_id=statement_id, position=u.position, tx_index=u.tx_index,
        booking_date=u.booking_date, amount_cents=u.amount_cents, currency=u.currency, direction=direction,
        payer_name=u.payer_name, payer_iban=u.payer_iban, own_iban=u.own_iban or own_iban or "",
        structured_reference=u.structured_reference, text=" | ".join(u.texts)[:500] or None,
        bank_reference=u.bank_reference, status=odd.status, reason=u.reason,  # type: ignore[arg-type]
        detail=u.detail[:300], created_at=now, updated_at=now,
    )


def note(u: UnusableEntry) -> UnusableNote:
    return UnusableNote(position=u.position, reason=u.reason, detail=u.detail[:300], amount_cents=u.amount_cents,
                        currency=u.currency, booking_date=u.booking_date, payer_name=u.payer_name,
                        bank_reference=u.bank_reference)


# ---- a chunk of lines as JSON: the worker reads its chunk, never the whole file again ---------------------------

_DATES = ("booking_date", "value_date")


def _plain(obj: Any) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(obj).items()}


def _dated(raw: dict[str, Any]) -> dict[str, Any]:
    out = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    for name in _DATES:
        if out.get(name):
            out[name] = date.fromisoformat(str(out[name]))
    return out


def chunk_json(lines: list[Line], odd: list[Odd]) -> bytes:
    """Lines (transaction, identity, slot, reference key) and unusable entries of one chunk."""
    return json.dumps({
        "lines": [{"tx": _plain(ln.tx), "id": ln.entry_id, "slots": ln.slots, "ref": ln.ref_key} for ln in lines],
        "odd": [{"entry": _plain(o.entry), "id": o.entry_id} for o in odd],
    }, separators=(",", ":")).encode()


def chunk_of(content: bytes) -> tuple[list[Line], list[Odd]]:
    data = json.loads(content)
    lines = []
    for raw in data["lines"]:
        tx = BankTransaction(**_dated(raw["tx"]))
        named = read_names(tx.structured_reference, tx.texts)
        lines.append(Line(tx, raw["id"], tuple(raw["slots"]), raw["ref"], tx.position, named,
                          payment_signature(tx.own_iban, tx.amount_cents, tx.payer_iban, named)))
    odd = [Odd(UnusableEntry(**_dated(raw["entry"])), raw["id"]) for raw in data["odd"]]
    return lines, odd
