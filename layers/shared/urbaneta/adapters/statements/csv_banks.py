"""Estonian banks' CSV account statement exports: Swedbank, SEB and LHV.

No bank publishes a specification, so columns are found by header name (case and spacing ignored), the
delimiter is sniffed from the header line, a UTF-8 BOM is stripped, and amounts accept a decimal comma or
point, dates ``DD.MM.YYYY`` or ISO. The row identity is ``Arhiveerimistunnus`` (Swedbank, SEB) or
``Konto teenusepakkuja viide`` (LHV).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().strip('"').lower())


OWN_ACCOUNT = "kliendi konto"
DATE = "kuupäev"
COUNTERPARTY_NAME = ("saaja/maksja nimi", "saaja/maksja")
COUNTERPARTY_ACCOUNT = ("saaja/maksja konto",)
TEXT = "selgitus"
AMOUNT = "summa"
CURRENCY = "valuuta"
DIRECTION = ("deebet/kreedit (d/c)", "deebet/kreedit")
ARCHIVE = "arhiveerimistunnus"
REFERENCE = "viitenumber"
ROW_TYPE = "reatüüp"
LHV_PROVIDER_REF = "konto teenusepakkuja viide"
SEB_FEE = "teenustasu"


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1257"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError("the CSV file is neither UTF-8 nor Windows-1257 text")


def _amount(raw: str) -> Decimal:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:  # 1.234,56 or 1,234.56: the last separator is the decimal one
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise StatementError(f"an amount is not a number: {raw[:20]!r}") from exc
    if value != value.quantize(Decimal("0.01")):
        raise StatementError(f"an amount has more than 2 decimals: {raw[:20]!r}")
    return value


def _date(raw: str) -> date:
    text = raw.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    raise StatementError(f"a date is not DD.MM.YYYY or YYYY-MM-DD: {raw[:20]!r}")


def _detect(headers: list[str]) -> str:
    if LHV_PROVIDER_REF in headers:
        return "lhv"
    if ROW_TYPE in headers:
        return "swedbank"
    if SEB_FEE in headers or any(h in headers for h in COUNTERPARTY_NAME):
        return "seb"
    raise StatementError("the CSV header is not a Swedbank, SEB or LHV statement export")


def parse_bank_csv(content: bytes) -> ParsedStatement:
    text = _decode(content)
    if not text.strip():
        raise StatementError("the file is empty")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = list(csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter))
    headers = [_norm(h) for h in rows[0]]
    bank = _detect(headers)
    index = {h: i for i, h in enumerate(headers)}

    def column(*names: str, required: bool = True) -> Callable[[list[str]], str]:
        for name in names:
            if name in index:
                pos = index[name]
                return lambda row: row[pos].strip() if pos < len(row) else ""
        if required:
            raise StatementError(f"the CSV has no column {names[0]!r}")
        return lambda row: ""

    own = column(OWN_ACCOUNT)
    when = column(DATE)
    name = column(*COUNTERPARTY_NAME, required=False)
    account = column(*COUNTERPARTY_ACCOUNT, required=False)
    explanation = column(TEXT, required=False)
    amount = column(AMOUNT)
    currency = column(CURRENCY)
    direction = column(*DIRECTION, required=bank != "lhv")
    reference = column(REFERENCE, required=False)
    identity = column(LHV_PROVIDER_REF if bank == "lhv" else ARCHIVE, required=False)
    row_type = column(ROW_TYPE, required=bank == "swedbank")

    transactions: list[BankTransaction] = []
    skipped = 0
    own_first: str | None = None
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(headers) // 2:
            raise StatementError(f"line {line_no} is cut short")
        if bank == "swedbank" and row_type(row) != "20":
            skipped += 1  # 10 opening balance, 82 turnover, 86 closing balance
            continue
        value = _amount(amount(row))
        mark = direction(row).upper()
        if mark in ("C", "K"):
            credit = True
        elif mark == "D":
            credit = False
        elif bank == "lhv" and not mark:
            credit = value > 0
        else:
            raise StatementError(f"line {line_no} is neither debit (D) nor credit (C)")
        cents = abs(int(value * 100))
        own_iban = own(row).replace(" ", "").upper()
        own_first = own_first or own_iban
        payer_iban = account(row).replace(" ", "").upper() or None
        ref = reference(row) or None
        transactions.append(
            BankTransaction(
                own_iban=own_iban,
                booking_date=_date(when(row)),
                amount_cents=cents,
                currency=(currency(row) or "EUR").upper(),
                credit=credit,
                payer_name=name(row) or None,
                payer_iban=payer_iban,
                structured_reference=ref,
                texts=(explanation(row),) if explanation(row) else (),
                bank_reference=identity(row) or None,
            )
        )
    if len(rows) < 2:
        raise StatementError("the CSV has a header but no rows")
    return ParsedStatement(format=f"csv.{bank}", transactions=transactions, own_iban=own_first, skipped=skipped)
