"""Statement parsers (pure): camt.053/054 in .001.02 and .001.08, bank CSV exports, refusals."""

from __future__ import annotations

import time

import pytest

from tests.payments_support.files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    Entry,
    Tx,
    camt,
    lhv_csv,
    seb_csv,
    swedbank_csv,
)
from urbaneta.adapters.statements import StatementError, parse_statement
from urbaneta.adapters.statements.csv_banks import parse_bank_csv


@pytest.mark.parametrize("kind", ["053", "054"])
@pytest.mark.parametrize("version", ["02", "08"])
def test_camt_versions_batches_reversals_and_status(kind, version):
    # Given a document with a plain entry, a batch of two, a pending entry and a reversal
    content = camt([
        Entry([Tx("84.50", ref="20240001234", name="MARI MAASIKAS")], bank_ref="E1"),
        Entry([Tx("10.00", ref="123"), Tx("5.25", texts=("/RFB/10016/TXT/märts",))], bank_ref="E2"),
        Entry([Tx("1.00")], bank_ref="E3", status="PDNG"),
        Entry([Tx("84.50", ref="20240001234")], bank_ref="E4", direction="DBIT", reversal=True),
    ], kind=kind, version=version)
    # When parsed
    parsed = parse_statement(content, "application/xml")
    # Then the format, the booked transactions and the skipped one are right
    assert parsed.format == f"camt.{kind}.001.{version}" and parsed.skipped == 1
    txs = parsed.transactions
    assert [(t.amount_cents, t.credit, t.reversal, t.bank_reference, t.tx_index) for t in txs] == [
        (8450, True, False, "E1", 0), (1000, True, False, "E2", 0), (525, True, False, "E2", 1),
        (8450, False, True, "E4", 0)]
    assert txs[0].payer_name == "MARI MAASIKAS" and txs[0].payer_iban == "EE061010220000000016"
    assert txs[0].structured_reference == "20240001234" and txs[2].texts == ("/RFB/10016/TXT/märts",)
    assert txs[0].own_iban == "EE382200221020145685"


@pytest.mark.parametrize("content,reason", [
    (BILLION_LAUGHS, "DTD"), (EXTERNAL_ENTITY, "DTD"), (b"", "empty"), (b"<Document><BkToC", "malformed"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>'
     b"</Document>", "camt.053"),
])
def test_camt_refusals_are_fast(content, reason):
    started = time.monotonic()
    with pytest.raises(StatementError, match=reason):
        parse_statement(content, "application/xml")
    assert time.monotonic() - started < 1.0


def test_camt_bad_amount_is_refused():
    content = camt([Entry([Tx("12.345")])])
    with pytest.raises(StatementError, match="2 decimals"):
        parse_statement(content, "application/xml")


@pytest.mark.parametrize("builder,fmt", [(swedbank_csv, "csv.swedbank"), (seb_csv, "csv.seb"), (lhv_csv, "csv.lhv")])
def test_bank_csv(builder, fmt):
    content = builder([{"amount": "1234.50", "ref": "20240001234", "id": "X1", "text": "arve; märts"},
                       {"amount": "7.00", "dc": "D", "id": "X2"}])
    parsed = parse_bank_csv(content)
    assert parsed.format == fmt
    assert [(t.amount_cents, t.credit, t.bank_reference) for t in parsed.transactions] == [
        (123450, True, "X1"), (700, False, "X2")]
    assert parsed.transactions[0].structured_reference == "20240001234"
    assert parsed.transactions[0].texts == ("arve; märts",)


def test_swedbank_balance_rows_are_skipped_and_seb_bom_stripped():
    assert parse_bank_csv(swedbank_csv([{"amount": "1.00", "id": "a"}])).skipped == 2
    assert seb_csv([{"amount": "1.00", "id": "a"}]).startswith(b"\xef\xbb\xbf")
    assert parse_bank_csv(seb_csv([{"amount": "1.00", "id": "a"}])).transactions[0].amount_cents == 100


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"), (b"a,b\n1,2\n", "header"), ("Kliendi konto;Reatüüp;Kuupäev;Summa;Valuuta\n".encode(), "no column"),
    ("Kliendi konto;Reatüüp;Kuupäev;Summa;Valuuta;Deebet/Kreedit\n".encode(), "no rows"),
])
def test_csv_refusals(content, reason):
    with pytest.raises(StatementError, match=reason):
        parse_bank_csv(content)
