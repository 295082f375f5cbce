"""What the statement parsers produce: one ``BankTransaction`` per payment line, whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class StatementError(ValueError):
    """The file is not a statement this system reads (malformed, truncated, unsafe, unknown layout)."""


@dataclass(frozen=True)
class BankTransaction:
    """One booked transaction of a statement. ``amount_cents`` is positive; ``credit`` tells the direction."""

    own_iban: str
    booking_date: date
    amount_cents: int
    currency: str
    credit: bool  # CRDT: money in
    reversal: bool = False
    payer_name: str | None = None
    payer_iban: str | None = None
    structured_reference: str | None = None
    texts: tuple[str, ...] = ()
    bank_reference: str | None = None  # AcctSvcrRef / Arhiveerimistunnus / Konto teenusepakkuja viide
    tx_index: int = 0  # position of the transaction within a batched entry
    end_to_end_id: str | None = None


@dataclass(frozen=True)
class ParsedStatement:
    format: str  # camt.053.001.02, camt.054.001.08, csv.swedbank, csv.seb, csv.lhv
    transactions: list[BankTransaction] = field(default_factory=list)
    own_iban: str | None = None
    skipped: int = 0  # non-booked entries and balance rows
