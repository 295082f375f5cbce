"""One transaction, once: the same payment read from a CSV export, an intraday camt.052, the end-of-day
camt.053 or a FiDAViSta file gives the same dedupe key (rule and limits in docs/bank-formats.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from urbaneta.adapters.statements import parse_statement
from urbaneta.adapters.statements.common import normalise_bank_ref

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"


def _first(name: str):
    return parse_statement((FIXTURES / name).read_bytes()).transactions[0]


@pytest.mark.parametrize("a,b", [
    ("csv_swedbank_ee_et.csv", "camt053_001_02_swedbank_ee.xml"),
    ("csv_swedbank_ee_en.csv", "camt053_001_02_swedbank_ee.xml"),
    ("csv_swedbank_ee_ru.csv", "camt052_001_02_swedbank_ee_intraday.xml"),
    ("camt052_001_02_swedbank_ee_intraday.xml", "camt053_001_02_swedbank_ee.xml"),
    ("csv_lhv_ee_et.csv", "camt053_001_02_lhv_ee.xml"),
    ("csv_swedbank_lv_lv.csv", "fidavista_1_01_swedbank_lv.xml"),
    ("csv_citadele_lv_lv.csv", "fidavista_1_2_citadele_lv.xml"),
])
def test_one_transaction_in_two_formats_has_one_key(a, b):
    # Given the same payment in two files / Then its dedupe key and its fallback key agree
    first, second = _first(a), _first(b)
    assert first.dedupe_key == second.dedupe_key is not None
    assert (first.amount_cents, first.credit, first.booking_date) == (second.amount_cents, second.credit,
                                                                      second.booking_date)


def test_fallback_keys_meet_across_formats_that_name_the_payer_differently():
    # Given the Swedbank CSV line (the payer by name only) and the camt entry of the same payment (IBAN and name)
    csv_tx, camt_tx = _first("csv_swedbank_ee_et.csv"), _first("camt053_001_02_swedbank_ee.xml")
    # Then their primary keys differ (name vs IBAN) but they share a fallback key: the name form (case,
    # diacritics and word order ignored)
    assert csv_tx.fallback_key.endswith("|MARI MAASIKAS") and camt_tx.fallback_key.endswith("|EE061010220000000016")
    shared = set(csv_tx.fallback_keys) & set(camt_tx.fallback_keys)
    assert len(shared) == 1 and shared.pop().endswith("|N:MAASIKAS MARI")


def test_two_genuinely_equal_payments_share_the_fallback_key_but_not_the_reference():
    content = ("Kliendi konto;Reatüüp;Kuupäev;Saaja/Maksja;Selgitus;Summa;Valuuta;Deebet/Kreedit;"
               "Arhiveerimistunnus;Tehingu tüüp;Viitenumber;Dokumendi number\n"
               "EE382200221020145685;20;05.03.2024;JÜRI TAMM;arve;50,00;EUR;K;2024030500000001;MK;;\n"
               "EE382200221020145685;20;05.03.2024;JÜRI TAMM;arve;50,00;EUR;K;2024030500000002;MK;;\n").encode()
    one, two = parse_statement(content).transactions
    assert one.fallback_key == two.fallback_key
    assert one.dedupe_key != two.dedupe_key


@pytest.mark.parametrize("raw,bank,expected", [
    ("2025060525827070-1", "swedbank", "2025060525827070"), ("2025060525827070", "swedbank", "2025060525827070"),
    ("2025060525827070-1", "seb", "2025060525827070-1"), (" ro 4126031250l01 ", "seb", "RO4126031250L01"),
    ("NOTPROVIDED", None, None), ("", "lhv", None), (None, None, None),
])
def test_reference_normalisation(raw, bank, expected):
    assert normalise_bank_ref(raw, bank) == expected
