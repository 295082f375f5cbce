"""ISO 20022 camt.052 (intraday report), camt.053 (statement) and camt.054 (notification), .001.02 to .001.08.

Parsed with defusedxml: DTDs, entity declarations and external references are refused, so a billion-laughs
or XXE file fails before any entity is expanded. The document is recognised by its namespace and its body
element, never by a file name; any other namespace (pain.001, an unknown version, ``urn:evil``, none) is
refused whole.

Per entry: only booked (``BOOK``) entries become transactions; a batched entry yields one transaction per
``TxDtls`` with its own amount; ``RvslInd`` marks a reversal; ``BookgDt`` falls back to ``ValDt``; accounts
given as ``Othr/Id`` instead of an IBAN are read. An entry that cannot be used (no or zero amount, NaN, an
unknown currency, no date, a batch without per-transaction amounts, …) is listed in ``unusable`` with its
reason and never stops the rest of the file.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from urbaneta.adapters.statements import model
from urbaneta.adapters.statements.common import (
    EntryProblem,
    Partial,
    bank_of_account,
    bank_of_bic,
    bank_refs,
    cents_from_decimal_text,
    currency_code,
    iso_date,
    parse_xml_root,
)
from urbaneta.adapters.statements.common import (
    xml_child as _child,
)
from urbaneta.adapters.statements.common import (
    xml_children as _children,
)
from urbaneta.adapters.statements.common import (
    xml_local as _local,
)
from urbaneta.adapters.statements.common import (
    xml_text as _text,
)
from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError, UnusableEntry

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(0[2-8])")
_BODIES = {"BkToCstmrAcctRpt": ("052", "Rpt"), "BkToCstmrStmt": ("053", "Stmt"),
           "BkToCstmrDbtCdtNtfctn": ("054", "Ntfctn")}




def _amount(el: Any) -> tuple[int, str]:
    if el is None:
        raise EntryProblem(model.MISSING_AMOUNT, "the entry has no amount")
    cents = cents_from_decimal_text(el.text)
    return cents, currency_code(el.get("Ccy"))


def _account(acct: Any) -> str | None:
    """``Acct/Id/IBAN`` or, for banks that give none, ``Acct/Id/Othr/Id`` (spaces removed, upper case)."""
    raw = _text(acct, "Id", "IBAN") or _text(acct, "Id", "Othr", "Id")
    return re.sub(r"\s+", "", raw).upper() if raw else None


def _date(entry: Any) -> tuple[date, date | None]:
    booked = (_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))
    valued = (_text(entry, "ValDt", "Dt") or _text(entry, "ValDt", "DtTm"))
    value_date = iso_date(valued) if valued else None
    return (iso_date(booked) if booked else iso_date(valued)), value_date


def _status(entry: Any) -> str:
    sts = _child(entry, "Sts")
    if sts is None:
        return ""
    code = _text(sts, "Cd") or _text(sts, "Prtry")  # v08: <Sts><Cd>BOOK</Cd></Sts>
    return (code or (sts.text or "")).strip().upper()


def _party_name(parties: Any, role: str) -> str | None:
    return _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")


class _Reader:
    def __init__(self, bank: str | None) -> None:
        self.bank = bank
        self.transactions: list[BankTransaction] = []
        self.unusable: list[UnusableEntry] = []
        self.skipped = 0

    def entry(self, entry: Any, own: str, position: int) -> None:
        part = Partial(own_iban=own, bank_reference=_text(entry, "AcctSvcrRef"))
        part.bank_refs = bank_refs(self.bank, part.bank_reference)
        try:
            direction = (_text(entry, "CdtDbtInd") or "").upper()
            if direction in ("CRDT", "DBIT"):
                part.credit = direction == "CRDT"
            status = _status(entry)
            if status != "BOOK":
                self.skipped += 1
                raise EntryProblem(model.NOT_BOOKED, f"the entry is not booked (status {status[:10] or 'none'})")
            booking, value_date = _date(entry)
            part.booking_date = booking
            entry_amount = _amount(_child(entry, "Amt"))
            part.amount_cents, part.currency = entry_amount
            if part.credit is None:
                raise EntryProblem(model.MISSING_DIRECTION, "the entry has no credit/debit indicator")
            txs = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]
            if len(txs) > 1 and all(_tx_amount_el(tx) is None for tx in txs):
                raise EntryProblem(model.BATCH_WITHOUT_AMOUNTS,
                                   f"a batch of {len(txs)} transactions gives no amount per transaction")
        except EntryProblem as problem:
            self.unusable.append(part.unusable(position, problem))
            return
        reversal = (_text(entry, "RvslInd") or "").lower() == "true"
        for index, tx in enumerate(txs or [None]):
            self._transaction(entry, tx, own, position, index, booking, value_date, bool(part.credit), reversal,
                              entry_amount, len(txs) <= 1)

    def _transaction(self, entry: Any, tx: Any | None, own: str, position: int, index: int, booking: date,
                     value_date: date | None, credit: bool, reversal: bool, entry_amount: tuple[int, str],
                     single: bool) -> None:
        parties = _child(tx, "RltdPties")
        # Money in: the payer is the debtor. For a reversal (money out) the counterparty is still recorded as
        # the original payer when the bank names it as debtor, otherwise the creditor.
        payer_role, payer_acct = ("Dbtr", "DbtrAcct") if credit or reversal else ("Cdtr", "CdtrAcct")
        payer_name = _party_name(parties, payer_role)
        payer_iban = _text(parties, payer_acct, "Id", "IBAN")
        payer_other = _text(parties, payer_acct, "Id", "Othr", "Id")
        if reversal and not payer_name and not payer_iban and not payer_other:
            payer_name, payer_iban = _party_name(parties, "Cdtr"), _text(parties, "CdtrAcct", "Id", "IBAN")
            payer_other = _text(parties, "CdtrAcct", "Id", "Othr", "Id")
        rmt = _child(tx, "RmtInf")
        structured = None
        for strd in _children(rmt, "Strd"):
            structured = structured or _text(strd, "CdtrRefInf", "Ref")
        texts = tuple(t.text.strip() for t in _children(rmt, "Ustrd") if t.text and t.text.strip())
        if not texts:
            extra = _text(entry, "AddtlNtryInf")
            texts = (extra,) if extra else ()
        entry_ref = _text(entry, "AcctSvcrRef")
        tx_ref = _text(tx, "Refs", "AcctSvcrRef")
        bank_ref = entry_ref or tx_ref
        e2e = _text(tx, "Refs", "EndToEndId")
        refs = bank_refs(self.bank, entry_ref, tx_ref)
        part = Partial(own_iban=own, booking_date=booking, credit=credit, payer_name=payer_name,
                       payer_iban=payer_iban.replace(" ", "").upper() if payer_iban else None,
                       structured_reference=structured, texts=texts, bank_reference=bank_ref, tx_index=index,
                       bank_refs=refs)
        try:
            amount_el = _tx_amount_el(tx)
            if amount_el is not None:
                cents, currency = _amount(amount_el)
            elif single:
                cents, currency = entry_amount
            else:
                raise EntryProblem(model.MISSING_AMOUNT, "a batched transaction has no amount of its own")
            part.amount_cents, part.currency = cents, currency
            if cents == 0:
                raise EntryProblem(model.ZERO_AMOUNT, "the amount is 0.00")
        except EntryProblem as problem:
            self.unusable.append(part.unusable(position, problem))
            return
        self.transactions.append(BankTransaction(
            own_iban=own, booking_date=booking, amount_cents=cents, currency=currency, credit=credit,
            reversal=reversal, payer_name=payer_name, payer_iban=part.payer_iban, structured_reference=structured,
            texts=texts, bank_reference=bank_ref, tx_index=index,
            end_to_end_id=None if e2e in (None, "NOTPROVIDED") else e2e, position=position, value_date=value_date,
            payer_account=None if payer_iban else (re.sub(r"\s+", "", payer_other).upper() if payer_other else None),
            bank_refs=refs, bank=self.bank,
        ))


def _tx_amount_el(tx: Any | None) -> Any:
    if tx is None:
        return None
    amount_el = _child(tx, "AmtDtls", "TxAmt", "Amt")
    return amount_el if amount_el is not None else _child(tx, "Amt")  # v08: TxDtls/Amt


def parse_camt(content: bytes) -> ParsedStatement:
    """Parse a camt.052, camt.053 or camt.054 document (versions .001.02 … .001.08)."""
    return parse_camt_root(parse_xml_root(content))


def parse_camt_root(root: Any) -> ParsedStatement:
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    body = next(iter(root), None)
    if _local(root.tag) != "Document" or body is None:
        raise StatementError("not an ISO 20022 document: only camt.052, camt.053 and camt.054 are read")
    kind = _local(body.tag)
    match = _NAMESPACE.fullmatch(namespace)
    if kind not in _BODIES or not match:
        raise StatementError("only camt.052 reports, camt.053 statements and camt.054 notifications "
                             f"(.001.02 to .001.08) are read; this document is {namespace[:80] or 'unnamed'}")
    family, block_name = _BODIES[kind]
    if match.group(1) != family:
        raise StatementError(f"the namespace says camt.{match.group(1)} but the body is a camt.{family} {kind}")
    fmt = f"camt.{family}.001.{match.group(2)}"
    blocks = _children(body, block_name)
    if not blocks:
        raise StatementError("the document holds no statement")

    own_first: str | None = None
    bank_first: str | None = None
    position = 0
    transactions: list[BankTransaction] = []
    unusable: list[UnusableEntry] = []
    skipped = 0
    for block in blocks:
        acct = _child(block, "Acct")
        own = _account(acct)
        if not own:
            raise StatementError("the statement names no account IBAN (Acct/Id/IBAN or Acct/Id/Othr/Id)")
        svcr = _child(acct, "Svcr", "FinInstnId")
        bank = bank_of_bic(_text(svcr, "BIC") or _text(svcr, "BICFI")) or bank_of_account(own)[0]
        own_first, bank_first = own_first or own, bank_first or bank
        reader = _Reader(bank)
        for entry in _children(block, "Ntry"):
            reader.entry(entry, own, position)
            position += 1
        transactions.extend(reader.transactions)
        unusable.extend(reader.unusable)
        skipped += reader.skipped
    return ParsedStatement(format=fmt, transactions=transactions, own_iban=own_first, skipped=skipped,
                           unusable=unusable, bank=bank_first, country=bank_of_account(own_first)[1])
