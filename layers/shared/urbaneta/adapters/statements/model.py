"""What the statement parsers produce, whatever the file format.

``ParsedStatement.transactions`` holds the entries the product can use (one ``BankTransaction`` per payment
line); ``ParsedStatement.unusable`` holds every other entry of the file with a machine-readable ``reason``,
so one odd entry never blocks the rest. A file that is not a statement at all raises ``StatementError``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date


class StatementError(ValueError):
    """The file is not a statement this system reads (malformed, truncated, unsafe, unknown layout)."""


# Why an entry of a readable file cannot be used; stable codes for the import result and the API.
ZERO_AMOUNT = "zero_amount"
MISSING_AMOUNT = "missing_amount"
INVALID_AMOUNT = "invalid_amount"  # NaN, Infinity, a sign, letters, thousands of digits
AMOUNT_TOO_LARGE = "amount_too_large"  # above MAX_AMOUNT_CENTS
MISSING_CURRENCY = "missing_currency"
UNKNOWN_CURRENCY = "unknown_currency"  # not an ISO 4217 code
MISSING_DATE = "missing_date"  # neither booking date nor value date
INVALID_DATE = "invalid_date"
MISSING_DIRECTION = "missing_direction"  # no credit/debit mark and no sign
BATCH_WITHOUT_AMOUNTS = "batch_without_amounts"  # several TxDtls, none with its own amount
NOT_BOOKED = "not_booked"  # pending or informational entry (camt Sts other than BOOK)
REASONS = (ZERO_AMOUNT, MISSING_AMOUNT, INVALID_AMOUNT, AMOUNT_TOO_LARGE, MISSING_CURRENCY, UNKNOWN_CURRENCY,
           MISSING_DATE, INVALID_DATE, MISSING_DIRECTION, BATCH_WITHOUT_AMOUNTS, NOT_BOOKED)

MAX_AMOUNT_CENTS = 1_000_000_000  # 10,000,000.00: no housing-association line comes near it


def _fold(text: str) -> str:
    """Upper case, diacritics removed, runs of non-alphanumerics to one space: 'Jüri  Tamm' -> 'JURI TAMM'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9]+", " ", plain.upper()).strip()


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$")


def _account(raw: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", raw.upper())


def account_forms(iban: str | None, account: str | None) -> tuple[str, ...]:
    """Every form an account is written in by some format: the IBAN; for an Estonian IBAN also the national
    account number (the BBAN after the 2-digit bank code, without leading zeros), which is what an ``Othr/Id``
    carries there; an ``Othr/Id`` as written (spacing, case and leading zeros ignored)."""
    out: list[str] = []
    for raw in (iban, account):
        value = _account(raw or "")
        if not value:
            continue
        if _IBAN_SHAPE.match(value):
            out.append(f"A:{value}")
            if value.startswith("EE"):
                out.append(f"A:{value[6:].lstrip('0') or '0'}")
        else:
            out.append(f"A:{value.lstrip('0') or '0'}")
    return tuple(dict.fromkeys(out))


def name_form(name: str | None) -> str | None:
    """A payer's name with case, diacritics, punctuation and word order ignored: 'Maasikas, Mari' ==
    'MARI MAASIKAS'. None when nothing is left."""
    words = sorted(w for w in _fold(name or "").split() if len(w) > 1)
    return f"N:{' '.join(words)}" if words else None


def counterparty_forms(iban: str | None, account: str | None, name: str | None) -> tuple[str, ...]:
    """The account forms, then the name form: each a way another format may name the same payer."""
    named = name_form(name)
    return (*account_forms(iban, account), *((named,) if named else ()))


def own_account_key(own: str) -> str:
    """The statement's own account as every format can give it: an Estonian IBAN and its ``Othr/Id`` (national
    account number) meet; any other IBAN stays as it is."""
    value = _account(own)
    if _IBAN_SHAPE.match(value):
        return f"EE:{value[6:].lstrip('0') or '0'}" if value.startswith("EE") else value
    return f"EE:{value.lstrip('0') or '0'}" if value.isdigit() else value


@dataclass(frozen=True)
class BankTransaction:
    """One booked transaction of a statement. ``amount_cents`` is positive; ``credit`` tells the direction.

    ``own_iban`` is the statement's account: an IBAN, or the bank's ``Othr/Id`` when the file gives no IBAN.
    ``bank_refs`` are the bank's own references for this line, normalised so that the same transaction read
    from a CSV export and from a camt/FiDAViSta file gives the same first value (see docs/bank-formats.md).
    """

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
    bank_reference: str | None = None  # as written: AcctSvcrRef / Arhiveerimistunnus / BankRef / …
    tx_index: int = 0  # position of the transaction within a batched entry
    end_to_end_id: str | None = None
    position: int = 0  # the entry's place in the file (0-based, counting unusable entries too)
    value_date: date | None = None
    payer_account: str | None = None  # the counterparty's account when it is not an IBAN (Othr/Id)
    bank_refs: tuple[str, ...] = ()
    bank: str | None = None  # swedbank, seb, lhv, luminor, coop, citadele, or None when not known

    @property
    def dedupe_ref(self) -> str | None:
        """The normalised bank reference used for cross-format deduplication, or None."""
        return self.bank_refs[0] if self.bank_refs else None

    @property
    def dedupe_key(self) -> str | None:
        """``REF|account|reference|index`` when the bank gave a reference, else None."""
        ref = self.dedupe_ref
        return f"REF|{self.own_iban}|{ref}|{self.tx_index}" if ref else None

    @property
    def account_forms(self) -> tuple[str, ...]:
        return account_forms(self.payer_iban, self.payer_account)

    @property
    def fallback_keys(self) -> tuple[str, ...]:
        """The line's fallback keys: first its primary key, in the form lines were stored under before keys had
        forms (``ALT|own IBAN|booking date|C/D|cents|currency|payer IBAN, else account, else folded name``), so
        that a file imported before meets itself again; then ``ALT|own account|date|C/D|cents|currency|form``
        for every date the line carries (booking date, then a different value date) and every form of the
        counterparty (account forms, then the name). Two lines of two files are the same payment when they share
        one of these (and their accounts do not disagree): docs/bank-formats.md "One transaction, once"."""
        direction = "C" if self.credit else "D"
        party = self.payer_iban or (re.sub(r"\s+", "", self.payer_account).upper() if self.payer_account else
                                    _fold(self.payer_name or ""))
        primary = (f"ALT|{self.own_iban}|{self.booking_date.isoformat()}|{direction}|{self.amount_cents}|"
                   f"{self.currency}|{party}")
        dates = dict.fromkeys(d for d in (self.booking_date, self.value_date) if d)
        forms = counterparty_forms(self.payer_iban, self.payer_account, self.payer_name) or ("",)
        own = own_account_key(self.own_iban)
        return tuple(dict.fromkeys((primary, *(
            f"ALT|{own}|{d.isoformat()}|{direction}|{self.amount_cents}|{self.currency}|{form}"
            for d in dates for form in forms))))

    @property
    def fallback_key(self) -> str:
        """The primary fallback key. Two genuinely equal payments (same payer, amount and day) share it."""
        return self.fallback_keys[0]


@dataclass
class EntryFacts:
    """What could be read of one entry: everything an unusable entry reports beside its place and reason."""

    own_iban: str | None = None
    booking_date: date | None = None
    amount_cents: int | None = None
    currency: str | None = None
    credit: bool | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    structured_reference: str | None = None
    texts: tuple[str, ...] = ()
    bank_reference: str | None = None
    tx_index: int = 0
    bank_refs: tuple[str, ...] = ()


@dataclass(kw_only=True)
class UnusableEntry(EntryFacts):
    """An entry of a readable file that the product cannot use, with what could be read of it."""

    position: int
    reason: str  # one of REASONS
    detail: str


@dataclass(frozen=True)
class ParsedStatement:
    format: str  # camt.053.001.02, camt.052.001.08, fidavista.1.2, csv.swedbank, csv.seb, csv.lhv, csv.luminor …
    transactions: list[BankTransaction] = field(default_factory=list)
    own_iban: str | None = None
    skipped: int = 0  # non-booked entries and balance/turnover rows
    unusable: list[UnusableEntry] = field(default_factory=list)
    bank: str | None = None  # the account's bank when known from the file (BIC, IBAN bank code, layout)
    country: str | None = None  # EE, LV, LT
    language: str | None = None  # CSV header language: et, en, ru, lv, lt

    @property
    def entries_read(self) -> int:
        """Transactions plus unusable entries: everything the file holds but balance rows."""
        return len(self.transactions) + len(self.unusable)
