"""Reconciliation rules (pure): import identities, what a bank transaction names, how it matches, and how a
payment is allocated. See ``domain/payments.md`` "Reconciliation" and "Import identity".

Matching order, strongest first:
1. the structured reference (or the ``/RFB/`` part of the free text) is a valid 7-3-1 or RF reference equal
   to an invoice's or apartment's reference — ``certain``;
2. a valid reference or an invoice number found in the free text — ``likely``;
3. the payer's IBAN seen before for that apartment — ``likely``;
4. amount equal to an open balance and a payer name close to the resident's — a ``suggestion`` only.

Allocation (Law of Obligations § 88): to the invoice the payer named; otherwise oldest due first; within an
invoice costs, then late interest, then principal; the rest of an overpayment becomes apartment credit.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from urbaneta.domain.references import is_valid_reference, normalize

Confidence = Literal["certain", "likely", "suggestion"]
Rule = Literal["reference", "text_reference", "invoice_number", "payer_iban", "amount_and_name", "manual"]


# ---- identity ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentitySource:
    """What the identity of a statement line is made of (a view of a parsed bank transaction)."""

    own_iban: str
    bank_reference: str | None
    tx_index: int
    booking_date: date
    amount_cents: int
    credit: bool
    counterparty: str
    references: str
    text: str


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def entry_identities(sources: Sequence[IdentitySource]) -> list[str]:
    """One identity per line: (own IBAN, bank reference, index in the entry); without a bank reference a hash
    of the line's content plus an occurrence counter, so two identical legitimate lines both survive."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for s in sources:
        if s.bank_reference:
            out.append(_digest("B", s.own_iban, s.bank_reference, str(s.tx_index), "C" if s.credit else "D"))
            continue
        content = _digest("H", s.own_iban, s.booking_date.isoformat(), str(s.amount_cents),
                          "C" if s.credit else "D", s.counterparty, s.references, s.text)
        seen[content] += 1
        out.append(_digest(content, str(seen[content])))
    return out


@dataclass(frozen=True)
class LineKeys:
    """Where a line is stored (``identity``), the fallback slots it claims (the primary first), and its
    reference key ("" if none)."""

    identity: str
    slots: tuple[str, ...]
    ref_key: str

    @property
    def slot(self) -> str:
        return self.slots[0]


def line_keys(lines: Sequence[tuple[str | None, str | Sequence[str], bool]]) -> list[LineKeys]:
    """``(dedupe_key, fallback keys, credit)`` per usable line of one file, in file order.

    The identity is the bank's reference (``dedupe_key``) when there is one, else the n-th occurrence of the
    primary fallback key in this file; every line also claims the n-th slot of each of its fallback keys (each
    key counted on its own, in file order). Equal lines of one file thus stay distinct (n = 1, 2, …) and the n-th
    of one file meets the n-th of another through any form both files give."""
    seen: Counter[str] = Counter()
    out: list[LineKeys] = []
    for dedupe_key, fallback, credit in lines:
        keys = (fallback,) if isinstance(fallback, str) else tuple(fallback)
        slots = []
        for key in keys:
            seen[key] += 1
            slots.append(_digest("ALT", key, str(seen[key])))
        identity = _digest("REF", dedupe_key, "C" if credit else "D") if dedupe_key else slots[0]
        out.append(LineKeys(identity, tuple(slots), dedupe_key or ""))
    return out


def unusable_identity(own_account: str, bank_ref: str | None, tx_index: int, file_digest: str, position: int) -> str:
    """An unusable entry is stored once: by the bank's reference when it has one, else by its place in the file."""
    if bank_ref:
        return _digest("U", own_account, bank_ref, str(tx_index))
    return _digest("U", own_account, file_digest, str(position))


def is_duplicate_by_slot(mine: str, holder_ref: str | None, refs_comparable: bool) -> bool:
    """A line whose own identity is new but whose fallback slot is held by another file's line: the same
    transaction when either side has no bank reference, or when the bank's reference forms are not known to be
    comparable across formats; two different transactions when both carry different comparable references."""
    if holder_ref is None:
        return False
    return not (mine and holder_ref and mine != holder_ref and refs_comparable)


def accounts_agree(mine: Iterable[str], holder: Iterable[str]) -> bool:
    """Two lines met through a slot name the same payer unless both give the payer's account and no form of it
    is shared (e.g. the same name and amount from two different accounts)."""
    left, right = set(mine), set(holder)
    return not left or not right or bool(left & right)


# ---- what a line names ---------------------------------------------------------------------------------------

_RFB = re.compile(r"/RFB/([^/]+)", re.IGNORECASE)
_TXT = re.compile(r"/TXT/(.*)$", re.IGNORECASE | re.DOTALL)
_DIGITS = re.compile(r"(?<![0-9A-Za-z/-])(?:RF\d{2}[0-9A-Z ]{1,25}|\d[\d ]{1,24}\d)(?![0-9A-Za-z-])", re.IGNORECASE)
_INVOICE_NO = re.compile(r"(?<![0-9A-Za-z])([A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)+)(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Named:
    """References and invoice numbers a line carries, by strength."""

    certain_references: tuple[str, ...] = ()
    text_references: tuple[str, ...] = ()
    invoice_numbers: tuple[str, ...] = ()


def _valid(raw: str) -> str | None:
    ref = normalize(raw)
    return ref if is_valid_reference(ref) else None


def read_names(structured: str | None, texts: Iterable[str]) -> Named:
    certain: list[str] = []
    if structured and (ref := _valid(structured)):
        certain.append(ref)
    free: list[str] = []
    for text in texts:
        for m in _RFB.finditer(text):
            if ref := _valid(m.group(1)):
                certain.append(ref)
        body = _TXT.search(text)
        free.append(body.group(1) if body else _RFB.sub(" ", text))
    text_refs: list[str] = []
    numbers: list[str] = []
    for text in free:
        for m in _DIGITS.finditer(text):
            # a run may be one reference printed in groups, or several numbers side by side
            words = m.group(0).split()
            for part in (*(" ".join(words[:k]) for k in range(len(words), 0, -1)), *words[1:]):
                ref = _valid(part)
                if ref and len(ref) >= 3 and ref not in certain and ref not in text_refs:
                    text_refs.append(ref)
                    break
        for m in _INVOICE_NO.finditer(text):
            token = m.group(1).upper()
            if sum(ch.isdigit() for ch in token) >= 3 and token not in numbers:
                numbers.append(token)
    return Named(tuple(dict.fromkeys(certain)), tuple(text_refs[:5]), tuple(numbers[:5]))


# ---- names ---------------------------------------------------------------------------------------------------


def fold_name(name: str) -> frozenset[str]:
    """Diacritics folded, case and punctuation ignored, order ignored: 'Maasikas, Mari' == 'MARI MAASIKAS'."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return frozenset(t for t in re.split(r"[^a-z0-9]+", plain) if len(t) > 1)


def names_close(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    left, right = fold_name(a), fold_name(b)
    if not left or not right:
        return False
    if left == right:
        return True
    common = left & right
    return len(common) >= 2 or (len(common) == 1 and min(len(left), len(right)) == 1 and len(next(iter(common))) > 3)


# ---- allocation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenInvoice:
    """What allocation needs to know of an open invoice."""

    id: str
    due_date: date
    balance_cents: int
    interest_cents: int = 0  # late-interest lines of the invoice
    paid_cents: int = 0


@dataclass(frozen=True)
class Allocation:
    invoice_id: str
    amount_cents: int
    interest_cents: int = 0
    principal_cents: int = 0


@dataclass(frozen=True)
class AllocationPlan:
    allocations: tuple[Allocation, ...] = ()
    credit_cents: int = 0  # what is left after every open balance: the apartment's credit

    @property
    def allocated_cents(self) -> int:
        return sum(a.amount_cents for a in self.allocations)


def _split(invoice: OpenInvoice, cents: int) -> Allocation:
    """Within an invoice: late interest first (earlier payments already went to it), then the principal."""
    interest_open = max(0, invoice.interest_cents - invoice.paid_cents)
    interest = min(cents, interest_open)
    return Allocation(invoice.id, cents, interest, cents - interest)


def allocate(amount_cents: int, open_invoices: Sequence[OpenInvoice], named_invoice_id: str | None = None
             ) -> AllocationPlan:
    """Distribute a payment over open invoices: the named one first, then oldest due first; any rest is credit."""
    if amount_cents <= 0:
        raise ValueError("a payment amount is positive")
    ordered = sorted((i for i in open_invoices if i.balance_cents > 0), key=lambda i: (i.due_date, i.id))
    if named_invoice_id:
        ordered.sort(key=lambda i: i.id != named_invoice_id)
    left = amount_cents
    out: list[Allocation] = []
    for invoice in ordered:
        if left == 0:
            break
        part = min(left, invoice.balance_cents)
        out.append(_split(invoice, part))
        left -= part
    return AllocationPlan(tuple(out), left)


# ---- matching -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a line points: an invoice (and its apartment) or an apartment."""

    apartment_id: str
    invoice_id: str | None = None


@dataclass(frozen=True)
class MatchResult:
    rule: Rule
    confidence: Confidence
    target: Target


@dataclass
class Lookups:
    """Resolved pointers: reference → target, invoice number → target, payer IBAN → apartment."""

    references: dict[str, Target] = field(default_factory=dict)
    invoice_numbers: dict[str, Target] = field(default_factory=dict)
    payers: dict[str, str] = field(default_factory=dict)


def match(named: Named, payer_iban: str | None, lookups: Lookups) -> MatchResult | None:
    """Rules 1-3 in order; rule 4 needs open balances and names and is judged by ``suggest``."""
    for ref in named.certain_references:
        if ref in lookups.references:
            return MatchResult("reference", "certain", lookups.references[ref])
    for ref in named.text_references:
        if ref in lookups.references:
            return MatchResult("text_reference", "likely", lookups.references[ref])
    for number in named.invoice_numbers:
        if number in lookups.invoice_numbers:
            return MatchResult("invoice_number", "likely", lookups.invoice_numbers[number])
    if payer_iban and payer_iban in lookups.payers:
        return MatchResult("payer_iban", "likely", Target(lookups.payers[payer_iban]))
    return None


@dataclass(frozen=True)
class Candidate:
    """An open invoice with its resident's name, for amount-and-name suggestions."""

    invoice_id: str
    apartment_id: str
    balance_cents: int
    resident_name: str | None


def suggest(amount_cents: int, payer_name: str | None, candidates: Iterable[Candidate]) -> MatchResult | None:
    """Rule 4: exactly one open invoice whose balance equals the amount and whose resident's name is close."""
    hits = [c for c in candidates if c.balance_cents == amount_cents and names_close(payer_name, c.resident_name)]
    if len(hits) != 1:
        return None
    return MatchResult("amount_and_name", "suggestion", Target(hits[0].apartment_id, hits[0].invoice_id))


def payment_signature(own_iban: str, amount_cents: int, payer_iban: str | None, named: Named) -> str:
    """What a reversal shares with the payment it undoes: account, amount, payer and references."""
    refs = ",".join(sorted(set(named.certain_references) | set(named.text_references)))
    return _digest("S", own_iban, str(amount_cents), payer_iban or "", refs)
