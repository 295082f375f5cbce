"""Latvia's FiDAViSta XML account statement (versions 1.01 and 1.2), as Latvian banks export it.

Layout (Latvian Association of Commercial Banks; see docs/bank-formats.md for sources):
``FIDAVISTA/Statement/AccountSet/{AccNo, CcyStmt/{Ccy, OpenBal, CloseBal, TrxSet*}}``, each ``TrxSet`` with
``TypeCode``, ``BookDate``, ``ValueDate``, ``BankRef``, ``DocNo``, ``CorD`` (C/D), ``AccAmt``, ``PmtInfo`` and
``CPartySet/{AccNo, AccHolder/Name, BankCode, Ccy, Amt}``. ``BankRef`` is the bank's archive id, the same
value its CSV export carries. Namespaces accepted: the 1.01 ones under bankasoc.lv and the 1.2 ones
(bankasoc.lv and ivis.eps.gov.lv); any other is refused. Parsed with defusedxml by the caller.
"""

from __future__ import annotations

import re
from typing import Any

from urbaneta.adapters.statements import common, model
from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError, UnusableEntry

_child, _children, _local, _text = common.xml_child, common.xml_children, common.xml_local, common.xml_text

NAMESPACES = {
    "http://bankasoc.lv/fidavista/fidavista0101.xsd": "1.01",
    "http://www.bankasoc.lv/fidavista/fidavista0101.xsd": "1.01",
    "http://bankasoc.lv/fidavista/fidavista_1-2.xsd": "1.2",
    "http://ivis.eps.gov.lv/XMLSchemas/100017/fidavista/v1-2": "1.2",
}




def is_fidavista(root: Any) -> bool:
    return _local(root.tag) == "FIDAVISTA"


def parse_fidavista_root(root: Any) -> ParsedStatement:
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    version = NAMESPACES.get(namespace)
    if version is None:
        raise StatementError(f"an unknown FiDAViSta namespace: {namespace[:80] or 'none'}")
    statements = _children(root, "Statement")
    if not statements:
        raise StatementError("the FiDAViSta document holds no statement")
    transactions: list[BankTransaction] = []
    unusable: list[UnusableEntry] = []
    own_first: str | None = None
    position = 0
    for statement in statements:
        for account_set in _children(statement, "AccountSet"):
            own = re.sub(r"\s+", "", _text(account_set, "AccNo") or "").upper()
            if not own:
                raise StatementError("the statement names no account (AccountSet/AccNo)")
            own_first = own_first or own
            bank = common.bank_of_account(own)[0]
            for ccy_stmt in _children(account_set, "CcyStmt"):
                statement_ccy = _text(ccy_stmt, "Ccy")
                for trx in _children(ccy_stmt, "TrxSet"):
                    _entry(trx, own, bank, statement_ccy, position, transactions, unusable)
                    position += 1
    if own_first is None:
        raise StatementError("the statement names no account (AccountSet/AccNo)")
    return ParsedStatement(format=f"fidavista.{version}", transactions=transactions, own_iban=own_first,
                           unusable=unusable, bank=common.bank_of_account(own_first)[0],
                           country=common.bank_of_account(own_first)[1])


def _entry(trx: Any, own: str, bank: str | None, statement_ccy: str | None, position: int,
           transactions: list[BankTransaction], unusable: list[UnusableEntry]) -> None:
    party = _child(trx, "CPartySet")
    payer_acc = re.sub(r"\s+", "", _text(party, "AccNo") or "").upper() or None
    is_iban = bool(payer_acc and re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", payer_acc))
    bank_ref = _text(trx, "BankRef")
    info = _text(trx, "PmtInfo")
    part = common.Partial(own_iban=own, payer_name=_text(party, "AccHolder", "Name"),
                   payer_iban=payer_acc if is_iban else None, texts=(info,) if info else (),
                   bank_reference=bank_ref, bank_refs=common.bank_refs(bank, bank_ref))
    try:
        mark = (_text(trx, "CorD") or "").upper()
        if mark in ("C", "D"):
            part.credit = mark == "C"
        booked, valued = _text(trx, "BookDate"), _text(trx, "ValueDate")
        booking = common.iso_date(booked or valued)
        part.booking_date = booking
        value_date = common.iso_date(valued) if valued else None
        raw_amount = _text(trx, "AccAmt") or ""
        if "," in raw_amount and "." not in raw_amount:  # some exports write a decimal comma
            raw_amount = raw_amount.replace(",", ".")
        cents = common.cents_from_decimal_text(raw_amount)
        part.amount_cents = cents
        currency = part.currency = common.currency_code(statement_ccy)
        if part.credit is None:
            raise common.EntryProblem(model.MISSING_DIRECTION, "the line is neither C nor D")
        if cents == 0:
            raise common.EntryProblem(model.ZERO_AMOUNT, "the amount is 0.00")
    except common.EntryProblem as problem:
        unusable.append(part.unusable(position, problem))
        return
    transactions.append(BankTransaction(
        own_iban=own, booking_date=booking, amount_cents=cents, currency=currency, credit=part.credit,
        payer_name=part.payer_name, payer_iban=part.payer_iban, texts=part.texts,
        bank_reference=bank_ref, position=position, value_date=value_date,
        payer_account=None if is_iban else payer_acc, bank_refs=part.bank_refs, bank=bank,
    ))
