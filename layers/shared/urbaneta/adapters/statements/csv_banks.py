"""The Baltic banks' CSV account statement exports, in every interface language.

No bank publishes a specification. Columns are found by header name in Estonian, English, Russian, Latvian
or Lithuanian (case, quotes and spacing ignored; see ``csv_headers.FIELDS``), the header row is looked for in the first
lines (some exports put the account and period above it), the delimiter is the one that yields a header, the
encoding is UTF-8 (with or without BOM), UTF-16 with BOM, or else whichever of Windows-1257 (Baltic) and
Windows-1251 (Cyrillic) makes the header readable. Amounts accept a decimal comma or point, a sign, spaces as
thousands separators; dates ``DD.MM.YYYY``, ``DD.MM.YY`` or ISO.

The bank is told by content, never by file name: a ``row type`` column is Swedbank's layout (EE, LV, LT),
an ``account servicer reference`` column is LHV's; the other banks share the Estonian banks' common layout
(SEB's) or an unconfirmed one, and are told apart by the bank code of the account's IBAN. Which layouts were
confirmed from public material and which are assumptions is written down in docs/bank-formats.md.

A line that cannot be used (no or zero amount, NaN, no date, no direction, unknown currency) is kept in
``unusable`` with its reason; a file whose header is not a statement's, or whose lines are cut short, is
refused whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from urbaneta.adapters.statements import model
from urbaneta.adapters.statements.common import (
    EntryProblem,
    Partial,
    bank_of_account,
    bank_refs,
    cents_from_decimal_text,
    currency_code,
    local_date,
)
from urbaneta.adapters.statements.csv_headers import LANGUAGES, SYNONYMS
from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError, UnusableEntry

# Credit/debit marks in every language; the Russian ones (credit, debit) are written as escapes.
_CREDIT = {"C", "K", "CR", "CRDT", "CREDIT", "KREEDIT", "KREDĪTS", "KREDITS", "KREDITAS",
           "\u041a", "\u041a\u0420", "\u041a\u0420\u0415\u0414\u0418\u0422"}
_DEBIT = {"D", "DR", "DBIT", "DEBIT", "DEEBET", "DEBETS", "DEBETAS", "\u0414", "\u0414\u0411",
          "\u0414\u0415\u0411\u0415\u0422"}
_NOT_A_STATEMENT = "the CSV header is not a Swedbank, SEB, LHV, Luminor, Coop Pank or Citadele statement export"
_IBAN = re.compile(r"\b([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})\b")
HEADER_SEARCH_ROWS = 15


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "").strip().strip('"').strip().lower())


def _texts(content: bytes) -> list[str]:
    """Candidate decodings, most likely first."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return [content.decode("utf-16")]
        except UnicodeDecodeError as exc:
            raise StatementError("the CSV file claims UTF-16 but is not") from exc
    try:
        return [content.decode("utf-8-sig")]
    except UnicodeDecodeError:
        pass
    # Single-byte exports: Windows-1257 (Estonian, Latvian, Lithuanian) or Windows-1251 (Russian).
    return [content.decode(enc, errors="replace") for enc in ("cp1257", "cp1251")]


def _header_score(cells: list[str]) -> tuple[int, dict[str, int], dict[str, int]]:
    """(number of known columns, field -> column, language -> matches) for one candidate header row."""
    fields: dict[str, int] = {}
    langs: dict[str, int] = dict.fromkeys(LANGUAGES, 0)
    for pos, cell in enumerate(cells):
        for field, lang in SYNONYMS.get(_norm(cell), ()):
            langs[lang] += 1
            fields.setdefault(field, pos)
    return len(fields), fields, langs


def _is_header(fields: dict[str, int]) -> bool:
    has_amount = "amount" in fields or ("debit_amount" in fields and "credit_amount" in fields)
    return has_amount and "date" in fields and len(fields) >= 4


def _read_rows(text: str) -> tuple[list[list[str]], int, dict[str, int], dict[str, int]] | None:
    """The rows under the best delimiter, the header's index, its fields and language matches."""
    best: tuple[int, list[list[str]], int, dict[str, int], dict[str, int]] | None = None
    body = text.lstrip("\ufeff")
    for delimiter in (";", ",", "\t"):
        try:
            rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
        except csv.Error as exc:
            raise StatementError(f"the CSV file cannot be read ({str(exc)[:80]})") from exc
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            score, fields, langs = _header_score(row)
            if _is_header(fields) and (best is None or score > best[0]):
                best = (score, rows, index, fields, langs)
    return None if best is None else best[1:]


def _amount_text(raw: str) -> str:
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in text and "." in text:  # 1.234,56 or 1,234.56: the last separator is the decimal one
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    return text.replace(",", ".")


def _cents(raw: str) -> int:
    try:
        return cents_from_decimal_text(_amount_text(raw), signed=True)
    except StatementError as exc:  # sub-cent digits: in a CSV line this is one bad line, not a bad file
        raise EntryProblem(model.INVALID_AMOUNT, str(exc)) from exc


def _bank(fields: dict[str, int], own_bank: str | None) -> str:
    if "provider_ref" in fields:
        return "lhv"
    if "row_type" in fields:
        return "swedbank"
    if "fee" in fields:  # the Estonian banks' common layout (SEB's); Coop and Luminor assumed to share it
        return own_bank if own_bank in ("coop", "luminor", "citadele") else "seb"
    if own_bank:
        return own_bank
    if "name" in fields:
        return "seb"
    raise StatementError(_NOT_A_STATEMENT)


Column = Callable[[list[str]], str]


def _find_table(content: bytes) -> tuple[list[list[str]], int, dict[str, int], str]:
    """The rows, the header's line, the fields' columns and the header's language of whichever decoding yields
    the fullest statement header."""
    if not content.strip():
        raise StatementError("the file is empty")
    found = None
    for text in _texts(content):
        if not text.strip():
            raise StatementError("the file is empty")
        candidate = _read_rows(text)
        if candidate and (found is None or len(candidate[2]) > len(found[2])):
            found = candidate
    if found is None:
        raise StatementError(_NOT_A_STATEMENT)
    rows, header_at, fields, langs = found
    headers = rows[header_at]
    if "own_account" not in fields and len(headers) > 1 and _norm(headers[0]) in ("sąskaitos nr.",):
        fields["own_account"] = 0
    # Swedbank Lithuania leaves the row-type column's header empty: "Sąskaitos Nr.","","Data",…
    if "row_type" not in fields and len(headers) > 1 and _norm(headers[1]) == "" and "archive" in fields \
            and "direction" in fields and fields.get("own_account") == 0:
        fields["row_type"] = 1
    return rows, header_at, fields, max(LANGUAGES, key=lambda lang: langs[lang])


@dataclass
class _Layout:
    """The columns of one export, each a function of a row (an absent optional column reads as "")."""

    fields: dict[str, int]
    width: int
    preamble_iban: str | None
    bank: str = ""
    country: str | None = None

    def column(self, name: str, required: bool = False, label: str | None = None) -> Column:
        if name in self.fields:
            pos = self.fields[name]
            return lambda row: row[pos].strip() if pos < len(row) else ""
        if required:
            raise StatementError(f"the CSV has no column {label or name!r}")
        return lambda row: ""

    def own_iban(self, row: list[str]) -> str:
        return re.sub(r"\s+", "", self.column("own_account")(row) or self.preamble_iban or "").upper()


def _layout(rows: list[list[str]], header_at: int, fields: dict[str, int]) -> _Layout:
    preamble_iban = next((m.group(1).replace(" ", "") for line in rows[:header_at] for cell in line
                          for m in [_IBAN.search(cell.upper())] if m), None)
    layout = _Layout(fields, len(rows[header_at]), preamble_iban)
    first_row = next((r for r in rows[header_at + 1:] if any(c.strip() for c in r)), None)
    own_bank, layout.country = bank_of_account(layout.column("own_account")(first_row) if first_row else ""
                                               or preamble_iban)
    layout.bank = _bank(fields, own_bank)
    if "own_account" not in fields and not preamble_iban:
        raise StatementError("the CSV has no column 'kliendi konto' (the account) and names no IBAN above it")
    return layout


class _Entries:
    """Reads one row into a transaction, or an unusable entry with its reason."""

    def __init__(self, layout: _Layout) -> None:
        col, bank = layout.column, layout.bank
        self.layout = layout
        self.when, self.name, self.account, self.text = col("date", True, "kuupäev"), col("name"), col("account"), \
            col("text")
        self.amount, self.debit_amount, self.credit_amount = col("amount"), col("debit_amount"), col("credit_amount")
        self.currency = col("currency", required=bank in ("swedbank", "seb", "lhv"), label="valuuta")
        self.direction = col("direction", required=bank in ("swedbank", "seb"), label="deebet/kreedit")
        self.reference = col("reference")
        self.identity = col("provider_ref" if bank == "lhv" else "archive")
        self.row_type = col("row_type", required=bank == "swedbank", label="reatüüp")

    def read(self, row: list[str], line_no: int, position: int) -> BankTransaction | UnusableEntry:
        own, bank, raw_ref = self.layout.own_iban(row), self.layout.bank, self.identity(row) or None
        payer_iban = re.sub(r"\s+", "", self.account(row)).upper() or None
        text = self.text(row)
        part = Partial(own_iban=own, payer_name=self.name(row) or None, payer_iban=payer_iban,
                       structured_reference=self.reference(row) or None, texts=(text,) if text else (),
                       bank_reference=raw_ref, bank_refs=bank_refs(bank, raw_ref))
        try:
            booking, cents, currency, credit = self._money(part, row, line_no)
        except EntryProblem as problem:
            return part.unusable(position, problem)
        iban = payer_iban if payer_iban and _IBAN.fullmatch(payer_iban) else None
        return BankTransaction(
            own_iban=own, booking_date=booking, amount_cents=cents, currency=currency, credit=credit,
            payer_name=part.payer_name, payer_iban=iban,
            structured_reference=part.structured_reference, texts=part.texts, bank_reference=raw_ref,
            position=position, payer_account=None if iban else payer_iban, bank_refs=part.bank_refs, bank=bank,
        )

    def _money(self, part: Partial, row: list[str], line_no: int) -> tuple[date, int, str, bool]:
        """The date, amount, currency and direction (also filled in ``part``); an entry that lacks one is an
        EntryProblem."""
        fields = self.layout.fields
        part.booking_date = booking = local_date(self.when(row))
        raw_amount = self.amount(row)
        mark = self.direction(row).strip().upper()
        if not raw_amount and (self.debit_amount(row) or self.credit_amount(row)):
            raw_amount = self.credit_amount(row) or self.debit_amount(row)
            mark = mark or ("C" if self.credit_amount(row) else "D")
        signed = _cents(raw_amount)
        part.amount_cents = cents = abs(signed)
        if mark in _CREDIT:
            part.credit = True
        elif mark in _DEBIT:
            part.credit = False
        elif not mark and signed != 0 and ("direction" not in fields or self.layout.bank == "lhv"):  # signed
            part.credit = signed > 0
        part.currency = currency = currency_code(self.currency(row) or ("EUR" if "currency" not in fields else ""))
        if part.credit is None:
            raise EntryProblem(model.MISSING_DIRECTION, f"line {line_no} is neither debit (D) nor credit (C)")
        if cents == 0:
            raise EntryProblem(model.ZERO_AMOUNT, "the amount is 0.00")
        return booking, cents, currency, part.credit


def parse_bank_csv(content: bytes) -> ParsedStatement:
    rows, header_at, fields, language = _find_table(content)
    layout = _layout(rows, header_at, fields)
    entries = _Entries(layout)
    if len(rows) <= header_at + 1:
        raise StatementError("the CSV has a header but no rows")
    transactions: list[BankTransaction] = []
    unusable: list[UnusableEntry] = []
    skipped = 0
    own_first: str | None = None
    for line_no, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < (layout.width + 1) // 2:
            raise StatementError(f"line {line_no} is cut short")
        if layout.bank == "swedbank" and entries.row_type(row) != "20":
            skipped += 1  # 10 opening balance, 82 turnover, 86 closing balance, 900 interest summary
            continue
        own_first = own_first or layout.own_iban(row)
        entry = entries.read(row, line_no, len(transactions) + len(unusable))
        if isinstance(entry, UnusableEntry):
            unusable.append(entry)
        else:
            transactions.append(entry)
    return ParsedStatement(format=f"csv.{layout.bank}", transactions=transactions, own_iban=own_first,
                           skipped=skipped, unusable=unusable, bank=layout.bank,
                           country=layout.country or bank_of_account(own_first)[1], language=language)
