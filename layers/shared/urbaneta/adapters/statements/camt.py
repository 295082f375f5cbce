"""ISO 20022 camt.053 (statement) and camt.054 (notification) parsing, namespace-agnostic, with defusedxml.

DTDs, entity declarations and external references are refused: a billion-laughs or XXE file fails before
any entity is expanded. Only booked (``BOOK``) entries count; a batched entry yields one transaction per
``TxDtls`` with its own amount; ``RvslInd`` marks a reversal.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError

_VERSION = re.compile(r"camt\.(05[34])\.001\.(\d{2})")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Any, *path: str) -> Any:
    """The first descendant along ``path`` of local names (namespace ignored), or None."""
    node = el
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _children(el: Any, name: str) -> list[Any]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: Any, *path: str) -> str | None:
    node = _child(el, *path)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def _cents(el: Any) -> tuple[int, str]:
    if el is None or not (el.text or "").strip():
        raise StatementError("an entry has no amount")
    try:
        amount = Decimal(el.text.strip())
    except InvalidOperation as exc:
        raise StatementError(f"an amount is not a number: {el.text.strip()[:20]}") from exc
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise StatementError("an amount is negative or has more than 2 decimals")
    currency = (el.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError("an amount has no currency")
    return int(amount * 100), currency


def _date(entry: Any) -> date:
    raw = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm") or _text(entry, "ValDt", "Dt")
    if not raw:
        raise StatementError("an entry has no booking date")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise StatementError(f"a booking date is not a date: {raw[:20]}") from exc


def _status(entry: Any) -> str:
    sts = _child(entry, "Sts")
    if sts is None:
        return ""
    code = _text(sts, "Cd")  # v08: <Sts><Cd>BOOK</Cd></Sts>
    return (code or (sts.text or "")).strip().upper()


def _party_name(parties: Any, role: str) -> str | None:
    return _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")


def _transaction(entry: Any, tx: Any | None, own_iban: str, index: int, booking: date, credit: bool,
                 reversal: bool, entry_amount: tuple[int, str], single: bool) -> BankTransaction:
    amount_el = None
    if tx is not None:
        amount_el = _child(tx, "AmtDtls", "TxAmt", "Amt")
        if amount_el is None:
            amount_el = _child(tx, "Amt")  # v08
    if amount_el is not None:
        cents, currency = _cents(amount_el)
    elif single:
        cents, currency = entry_amount
    else:
        raise StatementError("a batched transaction has no amount of its own")
    parties = _child(tx, "RltdPties") if tx is not None else None
    # Money in: the payer is the debtor. For a reversal (money out) the counterparty is still recorded as
    # the original payer when the bank names it as debtor, otherwise the creditor.
    payer_role, payer_acct = ("Dbtr", "DbtrAcct") if credit or reversal else ("Cdtr", "CdtrAcct")
    payer_name = _party_name(parties, payer_role)
    payer_iban = _text(parties, payer_acct, "Id", "IBAN")
    if reversal and not payer_name and not payer_iban:
        payer_name, payer_iban = _party_name(parties, "Cdtr"), _text(parties, "CdtrAcct", "Id", "IBAN")
    rmt = _child(tx, "RmtInf") if tx is not None else None
    structured = None
    for strd in _children(rmt, "Strd"):
        structured = structured or _text(strd, "CdtrRefInf", "Ref")
    texts = tuple(t.text.strip() for t in _children(rmt, "Ustrd") if t.text and t.text.strip())
    if not texts:
        extra = _text(entry, "AddtlNtryInf")
        texts = (extra,) if extra else ()
    bank_ref = _text(entry, "AcctSvcrRef") or (_text(tx, "Refs", "AcctSvcrRef") if tx is not None else None)
    e2e = _text(tx, "Refs", "EndToEndId") if tx is not None else None
    return BankTransaction(
        own_iban=own_iban,
        booking_date=booking,
        amount_cents=cents,
        currency=currency,
        credit=credit,
        reversal=reversal,
        payer_name=payer_name,
        payer_iban=payer_iban.replace(" ", "").upper() if payer_iban else None,
        structured_reference=structured,
        texts=texts,
        bank_reference=bank_ref,
        tx_index=index,
        end_to_end_id=None if e2e in (None, "NOTPROVIDED") else e2e,
    )


def parse_camt(content: bytes) -> ParsedStatement:
    """Parse a camt.053 or camt.054 document (versions .001.02 … .001.08)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if not content.strip():
        raise StatementError("the file is empty")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError("the XML declares a DTD or entities, which are refused") from exc
    except ParseError as exc:
        raise StatementError(f"the XML is malformed or truncated ({exc})") from exc

    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    match = _VERSION.search(namespace)
    body = next(iter(root), None)
    if _local(root.tag) != "Document" or body is None:
        raise StatementError("not an ISO 20022 document")
    kind = _local(body.tag)
    if kind == "BkToCstmrStmt":
        blocks, family = _children(body, "Stmt"), "053"
    elif kind == "BkToCstmrDbtCdtNtfctn":
        blocks, family = _children(body, "Ntfctn"), "054"
    else:
        raise StatementError("only camt.053 statements and camt.054 notifications are read")
    version = match.group(2) if match and match.group(1) == family else "02"
    fmt = f"camt.{family}.001.{version}"

    transactions: list[BankTransaction] = []
    skipped = 0
    own_first: str | None = None
    for block in blocks:
        own_iban = (_text(block, "Acct", "Id", "IBAN") or "").replace(" ", "").upper()
        if not own_iban:
            raise StatementError("the statement names no account IBAN")
        own_first = own_first or own_iban
        for entry in _children(block, "Ntry"):
            if _status(entry) != "BOOK":
                skipped += 1
                continue
            direction = (_text(entry, "CdtDbtInd") or "").upper()
            if direction not in ("CRDT", "DBIT"):
                raise StatementError("an entry has no credit/debit indicator")
            reversal = (_text(entry, "RvslInd") or "").lower() == "true"
            entry_amount = _cents(_child(entry, "Amt"))
            booking = _date(entry)
            txs = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]
            if not txs:
                transactions.append(_transaction(entry, None, own_iban, 0, booking, direction == "CRDT", reversal,
                                                 entry_amount, True))
                continue
            for index, tx in enumerate(txs):
                transactions.append(_transaction(entry, tx, own_iban, index, booking, direction == "CRDT",
                                                 reversal, entry_amount, len(txs) == 1))
    if not blocks:
        raise StatementError("the document holds no statement")
    return ParsedStatement(format=fmt, transactions=transactions, own_iban=own_first, skipped=skipped)
