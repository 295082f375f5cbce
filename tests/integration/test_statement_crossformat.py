"""One transaction, once, when the files carry no bank reference (issue 16, item 3): the fallback (account,
amount, booking or value date, counterparty in any of its forms) meets the same payment across a Swedbank CSV
(Estonian and English headers), camt.053, an intraday camt.052 and a camt.054 without a booking date; two
genuinely equal payments stay two; the same name from two different accounts is two payments
(docs/bank-formats.md "One transaction, once")."""

from __future__ import annotations

import pytest

from tests.integration.test_statement_import import CSV, FN, imp, org  # noqa: F401 - the fixture
from tests.payments_support.files import Entry, Tx, camt, lhv_csv, swedbank_csv
from tests.payments_support.org import invoice_state, new_invoice
from tests.support import call


def _intraday(entries: list[Entry]) -> bytes:
    """A camt.052 intraday report of these entries."""
    content = camt(entries).replace(b"camt.053.001.02", b"camt.052.001.02")
    content = content.replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt").replace(b"<Stmt>", b"<Rpt>")
    return content.replace(b"</Stmt>", b"</Rpt>")


def _recorded(caller, res, invoice_id: str, *, duplicates: int, paid_cents: int, payments: int) -> None:
    """The second import found ``duplicates`` and recorded nothing new; the invoice holds what the first did."""
    assert (res.data["duplicates"], res.data["matched"]) == (duplicates, 0), res.data
    assert invoice_state(caller, invoice_id)["amountPaidCents"] == paid_cents
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice_id}).data
    assert len(listed) == payments


@pytest.mark.parametrize("language", ["et", "en"])
def test_swedbank_csv_then_camt053_without_references_records_the_payment_once(org, language):  # noqa: F811
    # Given the Swedbank CSV of the day (headers in the bank's language), whose line names the payer by name only
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    first = imp(caller, swedbank_csv([{"amount": "21.50", "ref": apt.reference, "id": ""}], language=language), CSV)
    assert (first.status, first.data["matched"]) == (201, 1), first
    # When the camt.053 of the day gives the same payment with the payer's IBAN and the name in another order
    res = imp(caller, camt([Entry([Tx("21.50", name="Maasikas, Mari", ref=apt.reference)], bank_ref=None)]))
    # Then it is the same payment: recorded once
    _recorded(caller, res, invoice["id"], duplicates=1, paid_cents=2150, payments=1)


def test_intraday_camt052_then_end_of_day_camt053_without_references_records_once(org):  # noqa: F811
    # Given an intraday camt.052 that gives the payer's account as Othr/Id (national form, spaced) and no BookgDt
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    intraday = _intraday([Entry([Tx("33.00", iban=None, other_id="1022 0000 0000 16", name="MARI MAASIKAS",
                                   ref=apt.reference)], bank_ref=None, booked_on=False)])
    first = imp(caller, intraday)
    assert (first.status, first.data["format"], first.data["matched"]) == (201, "camt.052.001.02", 1), first
    # When the end-of-day camt.053 books it a day later (value date the same) with the payer's IBAN
    res = imp(caller, camt([Entry([Tx("33.00", name="mari maasikas", ref=apt.reference)], bank_ref=None,
                                  day="2024-03-06", value_day="2024-03-05")]))
    # Then it is a duplicate
    _recorded(caller, res, invoice["id"], duplicates=1, paid_cents=3300, payments=1)


def test_two_genuinely_equal_payments_in_one_file_are_recorded_twice_and_met_once_each(org):  # noqa: F811
    # Given a camt.053 with two equal payments (same payer, amount, day) and no references
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    same = Entry([Tx("12.00", ref=apt.reference)], bank_ref=None)
    first = imp(caller, camt([same, same]))
    # Then both are recorded
    assert (first.data["matched"], first.data["duplicates"]) == (2, 0), first.data
    # When the Swedbank CSV of the day lists them too (payer by name only)
    row = {"amount": "12.00", "ref": apt.reference, "id": ""}
    res = imp(caller, swedbank_csv([row, row]), CSV)
    # Then each meets one of them: nothing new
    _recorded(caller, res, invoice["id"], duplicates=2, paid_cents=2400, payments=2)


def test_same_name_and_amount_from_another_account_is_another_payment(org):  # noqa: F811
    # Given a camt.053 payment from Mari Maasikas's account
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    imp(caller, camt([Entry([Tx("15.00", ref=apt.reference)], bank_ref=None)]))
    # When an LHV export of the day holds a payment of the same name and amount from another account
    res = imp(caller, lhv_csv([{"amount": "15.00", "ref": apt.reference, "iban": "EE471000001020145685"}]), CSV)
    # Then it is a payment of its own
    assert (res.data["duplicates"], res.data["matched"]) == (0, 1), res.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 3000
