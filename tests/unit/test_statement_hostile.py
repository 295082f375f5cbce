"""Hostile and odd input: a clean StatementError for a file that is not a statement, a reason for an entry
that cannot be used, never any other exception."""

from __future__ import annotations

import time

import pytest

from tests.payments_support.files import Entry, Tx, camt, seb_csv, swedbank_csv
from urbaneta.adapters.statements import StatementError, parse_statement


def _camt_amount(raw: str, ccy: str = "EUR") -> bytes:
    doc = camt([Entry([Tx("1.00")], bank_ref="GOOD"), Entry([Tx("1.00")], bank_ref="ODD")]).decode()
    head, tail = doc.rsplit("<Ntry>", 1)
    tail = tail.replace('<Amt Ccy="EUR">1.00</Amt>', f'<Amt Ccy="{ccy}">{raw}</Amt>')
    return (head + "<Ntry>" + tail).encode()


@pytest.mark.parametrize("raw,reason", [
    ("NaN", "invalid_amount"), ("nan", "invalid_amount"), ("sNaN", "invalid_amount"), ("Infinity", "invalid_amount"),
    ("-Infinity", "invalid_amount"), ("inf", "invalid_amount"), ("-1.00", "invalid_amount"),
    ("1e5", "invalid_amount"), ("1E+999999999", "invalid_amount"), ("9" * 5000, "invalid_amount"),
    ("0x10", "invalid_amount"), ("1,00", "invalid_amount"), ("", "missing_amount"),
    ("\u0661\u0662.\u0660\u0660", "invalid_amount"),  # Arabic-Indic digits, which Decimal would accept
    ("10000000.01", "amount_too_large"), ("999999999999999999", "amount_too_large"), ("0", "zero_amount"),
    ("0.00", "zero_amount"),
])
def test_odd_camt_numbers_are_a_reason_for_that_entry(raw, reason):
    # Given a camt file whose second entry carries an odd number
    started = time.monotonic()
    parsed = parse_statement(_camt_amount(raw))
    # Then the first entry is read, the second is listed with its reason, quickly
    assert [t.bank_reference for t in parsed.transactions] == ["GOOD"]
    assert [(u.bank_reference, u.reason) for u in parsed.unusable] == [("ODD", reason)]
    assert time.monotonic() - started < 1.0


def test_the_documented_maximum_itself_is_accepted():
    parsed = parse_statement(_camt_amount("10000000.00"))
    assert [t.amount_cents for t in parsed.transactions] == [100, 1_000_000_000]


@pytest.mark.parametrize("ccy,reason", [("XQQ", "unknown_currency"), ("", "missing_currency"),
                                        ("EURO", "unknown_currency"), ("<>", "unknown_currency")])
def test_odd_currencies_are_a_reason(ccy, reason):
    content = _camt_amount("1.00", ccy=ccy.replace("<", "&lt;").replace(">", "&gt;"))
    assert [u.reason for u in parse_statement(content).unusable] == [reason]


@pytest.mark.parametrize("namespace", [
    "urn:evil", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.99",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.09",
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02.evil",
    "http://www.bankasoc.lv/fidavista/fidavista0101.xsd", "",
])
def test_unknown_namespaces_and_versions_are_refused_whole(namespace):
    # Given a camt.053 body under another namespace (or one whose family does not match the body)
    doc = camt([Entry([Tx("1.00")])]).decode().replace(
        ' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', f' xmlns="{namespace}"' if namespace else "")
    # Then the file is refused with a clear error
    with pytest.raises(StatementError, match=r"camt\.053"):
        parse_statement(doc.encode())


@pytest.mark.parametrize("content,reason", [
    (b'<FIDAVISTA xmlns="urn:evil"><Statement/></FIDAVISTA>', "FiDAViSta namespace"),
    (b'<FIDAVISTA xmlns="http://bankasoc.lv/fidavista/fidavista0101.xsd"></FIDAVISTA>', "no statement"),
    (b'<?xml version="1.0" encoding="klingon"?><Document/>', "malformed"),
    (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt><Stmt><Acct>", "malformed"),
    (b"<?xml version='1.0'?><!DOCTYPE d SYSTEM 'http://example.invalid/x.dtd'><Document/>", "DTD"),
    (b"\xef\xbb\xbf<Document><BkToCstmrStmt/></Document>", "camt.053"),
    (b"<a>" * 5 + b"\x00", "malformed"),
])
def test_broken_or_foreign_xml_is_refused(content, reason):
    with pytest.raises(StatementError, match=reason):
        parse_statement(content)


def test_truncated_camt_is_refused_whole():
    content = camt([Entry([Tx("84.50")]), Entry([Tx("1.00")])])
    with pytest.raises(StatementError, match="malformed or truncated"):
        parse_statement(content[: len(content) * 2 // 3])


def test_utf16_camt_with_bom_is_read():
    content = camt([Entry([Tx("84.50", name="JÜRI TAMM")])]).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parsed = parse_statement(content.encode("utf-16"))
    assert parsed.transactions[0].payer_name == "JÜRI TAMM"


def test_sub_cent_digits_still_refuse_a_camt_file():
    with pytest.raises(StatementError, match="2 decimals"):
        parse_statement(_camt_amount("1.005"))


def test_camt_account_without_iban_or_othr_is_refused():
    doc = camt([Entry([Tx("1.00")])]).decode().replace("<IBAN>EE382200221020145685</IBAN>", "")
    with pytest.raises(StatementError, match="names no account"):
        parse_statement(doc.encode())


# --- CSV ------------------------------------------------------------------------------------------------

SWED_HEADER = ("Kliendi konto;Reatüüp;Kuupäev;Saaja/Maksja;Selgitus;Summa;Valuuta;Deebet/Kreedit;"
               "Arhiveerimistunnus;Tehingu tüüp;Viitenumber;Dokumendi number")


def _swed_line(amount: str, dc: str = "K", day: str = "05.03.2024", ccy: str = "EUR", ref: str = "A1") -> str:
    return f"EE382200221020145685;20;{day};JÜRI TAMM;arve;{amount};{ccy};{dc};{ref};MK;20240001234;1"


@pytest.mark.parametrize("amount,reason", [
    ("NaN", "invalid_amount"), ("Infinity", "invalid_amount"), ("sNaN", "invalid_amount"), ("1e3", "invalid_amount"),
    ("", "missing_amount"), ("12,345", "invalid_amount"), ("10 000 000,01", "amount_too_large"),
    ("0,00", "zero_amount"), ("abc", "invalid_amount"), ("9" * 400, "invalid_amount"),
])
def test_odd_csv_numbers_are_a_reason_for_that_line(amount, reason):
    content = "\n".join([SWED_HEADER, _swed_line("84,50", ref="GOOD"), _swed_line(amount, ref="ODD")]).encode()
    parsed = parse_statement(content, "text/csv")
    assert [t.bank_reference for t in parsed.transactions] == ["GOOD"]
    assert [(u.bank_reference, u.reason) for u in parsed.unusable] == [("ODD", reason)]


@pytest.mark.parametrize("line,reason", [
    (_swed_line("1,00", dc="X"), "missing_direction"), (_swed_line("1,00", day="31.02.2024"), "invalid_date"),
    (_swed_line("1,00", day=""), "missing_date"), (_swed_line("1,00", ccy="ZZZ"), "unknown_currency"),
    (_swed_line("1 234,56", dc="D"), None), (_swed_line("-5,00", dc="K"), None),
])
def test_odd_csv_lines(line, reason):
    parsed = parse_statement("\n".join([SWED_HEADER, line]).encode())
    assert [u.reason for u in parsed.unusable] == ([reason] if reason else [])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1257", "utf-16"])
def test_estonian_csv_in_each_encoding(encoding):
    content = "\n".join([SWED_HEADER, _swed_line("84,50")]).encode(encoding)
    (tx,) = parse_statement(content).transactions
    assert tx.payer_name == "JÜRI TAMM" and tx.amount_cents == 8450


def test_russian_export_in_windows_1251_is_read():
    header = ("Счёт клиента;Тип строки;Дата;Получатель/Плательщик;Пояснение;Сумма;Валюта;Дебет/Кредит;"
              "Архивный признак;Тип сделки;Номер ссылки;Номер документа")
    # the credit mark is a Cyrillic K
    line = "EE382200221020145685;20;05.03.2024;ИВАН ПЕТРОВ;счёт за март;84,50;EUR;\u041a;A1;MK;20240001234;1"
    parsed = parse_statement(f"{header}\r\n{line}\r\n".encode("cp1251"))
    assert parsed.language == "ru"
    (tx,) = parsed.transactions
    assert (tx.payer_name, tx.credit, tx.texts) == ("ИВАН ПЕТРОВ", True, ("счёт за март",))


@pytest.mark.parametrize("content,reason", [
    (b"\x00\x01\x02garbage", "header"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "header"),
    (b"a;b;c\n1;2;3\n", "header"), ("Kuupäev;Summa\n05.03.2024;1,00\n".encode(), "header"),
    ((SWED_HEADER + "\n" + "EE38;20;05.03.2024\n").encode(), "cut short"),
    ((SWED_HEADER + '\n"' + "x" * 200_000 + '"\n').encode(), "cannot be read|cut short"),
    (b"\xff\xfe\x00\xd8", "UTF-16"),
])
def test_csv_that_is_not_a_statement_is_refused(content, reason):
    with pytest.raises(StatementError, match=reason):
        parse_statement(content, "text/csv")


def test_existing_builders_still_read_as_their_banks():
    assert parse_statement(swedbank_csv([{"amount": "1.00", "id": "a"}])).format == "csv.swedbank"
    assert parse_statement(seb_csv([{"amount": "1.00", "id": "a"}])).format == "csv.seb"
