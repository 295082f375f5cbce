"""Every bank, format and interface language: the project's fixtures (tests/fixtures/statements, made by
build.py there; sources in docs/bank-formats.md) parse to the same payments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.statements.build import LAYOUTS, OWN, PAYER, Layout, render
from urbaneta.adapters.statements import parse_statement

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"


def test_fixture_files_are_what_build_py_writes():
    # Given the fixture builder / Then every CSV fixture on disk is its output, byte for byte
    for layout in LAYOUTS:
        assert (FIXTURES / layout.name).read_bytes() == render(layout), layout.name


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_csv_export_of_each_bank_and_language(layout: Layout):
    # Given a bank's CSV export in one interface language (a credit, a debit, a zero line)
    content = (FIXTURES / layout.name).read_bytes()
    # When parsed with no content type (detection by content)
    parsed = parse_statement(content, None)
    # Then the bank, country, language and format are told from the content
    assert (parsed.format, parsed.bank, parsed.country, parsed.language) == (
        f"csv.{layout.bank}", layout.bank, layout.country, layout.language)
    own = OWN[(layout.bank, layout.country)]
    payer, payer_iban, reference = PAYER[layout.country]
    credit, debit = parsed.transactions
    # the resident's payment: amount, direction, payer, reference, dedupe key
    assert (credit.amount_cents, credit.currency, credit.credit, credit.own_iban) == (8450, "EUR", True, own)
    assert credit.booking_date.isoformat() == "2024-03-05"
    assert credit.payer_name == payer and credit.structured_reference == reference
    assert credit.payer_iban == (None if layout.bank == "swedbank" else payer_iban)  # Swedbank gives no account
    assert credit.dedupe_key == f"REF|{own}|{credit.bank_reference}|0" and credit.bank_refs
    assert credit.fallback_key.startswith(f"ALT|{own}|2024-03-05|C|8450|EUR|")
    # the debit
    assert (debit.amount_cents, debit.credit, debit.position) == (1200, False, 1)
    # the zero line is kept with its reason and never blocks the file
    (zero,) = parsed.unusable
    assert (zero.reason, zero.position, zero.amount_cents, zero.credit) == ("zero_amount", 2, 0, True)
    assert parsed.entries_read == 3
    assert parsed.skipped == (2 if layout.bank == "swedbank" else 0)  # opening and closing balance rows


def test_swedbank_lt_header_with_empty_row_type_title_and_quotes_inside_names():
    # Given Swedbank Lithuania's layout: the row-type column has an empty title, names carry bare quotes
    content = ('"Sąskaitos Nr.","","Data","Gavėjas","Paaiškinimai","Suma","Valiuta","D/K","Įrašo Nr.","Kodas",'
               '"Įmokos kodas","Dok. Nr.",\n'
               '"LT717300010123456789","10","2024-03-01","","Likutis pradžiai","10.00","EUR","K","","AS","","",\n'
               '"LT717300010123456789","20","2024-03-05","UAB "Namai"","RF712348231","84.50","EUR","K",'
               '"2024030512345678","MK","RF712348231","",\n').encode()
    # When parsed
    parsed = parse_statement(content, "text/csv")
    # Then the balance row is skipped and the payment read
    assert parsed.format == "csv.swedbank" and parsed.country == "LT" and parsed.skipped == 1
    (tx,) = parsed.transactions
    assert (tx.amount_cents, tx.credit, tx.structured_reference) == (8450, True, "RF712348231")
    assert tx.payer_name is not None and tx.payer_name.startswith("UAB")


CAMT = {
    "camt053_001_02_swedbank_ee.xml": ("camt.053.001.02", "swedbank", 2, ["zero_amount"]),
    "camt052_001_02_swedbank_ee_intraday.xml": ("camt.052.001.02", "swedbank", 1, ["not_booked"]),
    "camt053_001_02_lhv_ee.xml": ("camt.053.001.02", "lhv", 1, []),
    "fidavista_1_01_swedbank_lv.xml": ("fidavista.1.01", "swedbank", 2, ["zero_amount"]),
    "fidavista_1_2_citadele_lv.xml": ("fidavista.1.2", "citadele", 2, ["invalid_amount"]),
}


@pytest.mark.parametrize("name", sorted(CAMT))
def test_xml_statement_fixtures(name):
    # Given an XML statement fixture / When parsed (the content type says CSV: the content decides)
    parsed = parse_statement((FIXTURES / name).read_bytes(), "text/csv")
    fmt, bank, usable, reasons = CAMT[name]
    # Then the format, bank, the resident's payment and the unusable entries are right
    assert (parsed.format, parsed.bank, len(parsed.transactions)) == (fmt, bank, usable)
    assert [u.reason for u in parsed.unusable] == reasons
    first = parsed.transactions[0]
    assert (first.amount_cents, first.credit, first.currency) == (8450, True, "EUR")
    assert first.payer_name in ("MARI MAASIKAS", "JĀNIS BĒRZIŅŠ")
    assert first.dedupe_key is not None and first.dedupe_key.startswith(f"REF|{parsed.own_iban}|")


def test_camt054_odd_entries_each_carry_a_reason():
    # Given a camt.054.001.08 with an Othr/Id account and one entry of each odd kind
    parsed = parse_statement((FIXTURES / "camt054_001_08_odd_entries.xml").read_bytes())
    # Then the two good entries are read and every other one is listed with its reason, in file order
    assert parsed.own_iban == "1120145685" and parsed.format == "camt.054.001.08"
    good, debit = parsed.transactions
    assert (good.amount_cents, good.credit, good.booking_date.isoformat()) == (8450, True, "2024-03-05")
    assert good.payer_account == "10220000000016" and good.payer_iban is None and good.end_to_end_id == "E2E-0001"
    assert good.value_date is not None and good.structured_reference == "20240001234"
    assert (debit.amount_cents, debit.credit, debit.position) == (310, False, 9)
    assert [(u.position, u.reason) for u in parsed.unusable] == [
        (1, "batch_without_amounts"), (2, "zero_amount"), (3, "invalid_amount"), (4, "unknown_currency"),
        (5, "missing_amount"), (6, "missing_date"), (7, "amount_too_large"), (8, "missing_direction")]
    assert all(u.bank_reference for u in parsed.unusable) and all(u.detail for u in parsed.unusable)


def _camt052(version: str) -> bytes:
    from tests.payments_support.files import Entry, Tx, camt

    doc = camt([Entry([Tx("84.50", ref="20240001234")], bank_ref="R1"), Entry([Tx("0.00")], bank_ref="R2")],
               kind="053", version=version).decode()
    return doc.replace("camt.053", "camt.052").replace("BkToCstmrStmt", "BkToCstmrAcctRpt").replace(
        "<Stmt>", "<Rpt>").replace("</Stmt>", "</Rpt>").encode()


@pytest.mark.parametrize("kind", ["052", "053", "054"])
@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08"])
def test_every_camt_family_and_version(kind, version):
    # Given a camt document of each family in each version, with a good and a zero entry
    from tests.payments_support.files import Entry, Tx, camt

    content = _camt052(version) if kind == "052" else camt(
        [Entry([Tx("84.50", ref="20240001234")], bank_ref="R1"), Entry([Tx("0.00")], bank_ref="R2")],
        kind=kind, version=version)
    # When parsed / Then the format is named from the namespace and the zero entry is kept aside
    parsed = parse_statement(content)
    assert parsed.format == f"camt.{kind}.001.{version}"
    assert [(t.amount_cents, t.structured_reference) for t in parsed.transactions] == [(8450, "20240001234")]
    assert [u.reason for u in parsed.unusable] == ["zero_amount"]


def test_real_public_statements_parse_when_present():
    # Given the public statements kept outside the project for checking (skipped where they are absent)
    folder = Path("/work/shared/real-artefacts")
    files = sorted(p for p in folder.glob("*") if p.suffix in (".xml", ".csv")) if folder.exists() else []
    if not files:
        pytest.skip("the real-artefacts folder is not on this machine")
    # Then every one parses, and nothing in them is refused or unusable
    for path in files:
        parsed = parse_statement(path.read_bytes())
        assert not parsed.unusable, path.name
