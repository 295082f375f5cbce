"""Apartment accounts through the AccountsFunction handler: statements (JSON, CSV, pages), the balance fields of
invoices, opening balances, the debtor report, the consistency check, tenancy and residents."""

from __future__ import annotations

import pytest

from tests.integration.accounts_helpers import account, bill_month, billed_building, cents, full_statement, pay
from tests.support import call

FN = "accounts"


@pytest.fixture
def billed(make_caller):
    """Given a building of two apartments billed 100.00 for January 2025 (issued 2025-02-01, due 2025-02-15)."""
    mgr = make_caller("manager")
    building, apts = billed_building(mgr)
    invoices = bill_month(mgr, building["id"], "2025-01", "2025-02-01")
    return mgr, building, apts, invoices


def test_statement_shows_invoice_and_partial_payment_with_running_balance(billed):
    mgr, _, apts, invoices = billed
    apt = apts[0]["id"]
    # When 40.00 is paid on the invoice
    pay(mgr, invoices[apt]["id"], 40, "2025-02-10")
    # Then the statement shows both entries and a balance of 60.00
    doc = full_statement(mgr, apt)
    assert doc["openingBalance"] == 0 and doc["closingBalance"] == 60.0 and doc["currentBalance"] == 60.0
    assert [(e["type"], e["amount"], e["balance"]) for e in doc["entries"]] == [
        ("invoice", 100.0, 100.0), ("payment", -40.0, 60.0)]
    assert doc["lastPaymentDate"] == "2025-02-10"
    # And a period after the invoice opens with its balance
    later = full_statement(mgr, apt, **{"from": "2025-02-05"})
    assert later["openingBalance"] == 100.0 and [e["type"] for e in later["entries"]] == ["payment"]
    before = full_statement(mgr, apt, to="2025-02-05")
    assert before["closingBalance"] == 100.0 and len(before["entries"]) == 1


def test_next_invoice_carries_previous_balance_and_payments_received(billed):
    mgr, building, apts, invoices = billed
    apt = apts[0]["id"]
    # Given 30.00 paid on January's invoice (70.00 still owed)
    pay(mgr, invoices[apt]["id"], 30, "2025-02-10")
    # When February is billed
    feb = bill_month(mgr, building["id"], "2025-02", "2025-03-01")[apt]
    # Then the invoice shows what the account said: previous 70.00, received 30.00, total to pay 170.00
    got = call("invoices", "GET", f"/invoices/{feb['id']}", token=mgr.token).data
    assert (got["previousBalance"], got["paymentsReceived"], got["total"], got["totalToPay"]) == (70.0, 30.0, 100.0,
                                                                                                   170.0)
    first = call("invoices", "GET", f"/invoices/{invoices[apt]['id']}", token=mgr.token).data
    assert (first["previousBalance"], first["paymentsReceived"], first["totalToPay"]) == (0.0, 0.0, 100.0)


def test_overpayment_is_a_prepayment_that_pays_the_next_invoice(billed):
    mgr, building, apts, invoices = billed
    apt = apts[1]["id"]
    # Given 150.00 paid on a 100.00 invoice
    pay(mgr, invoices[apt]["id"], 150, "2025-02-10")
    assert full_statement(mgr, apt)["closingBalance"] == -50.0
    # When February is billed
    feb = bill_month(mgr, building["id"], "2025-02", "2025-03-01")[apt]
    # Then the invoice shows the prepayment and the credit already paid half of it
    got = call("invoices", "GET", f"/invoices/{feb['id']}", token=mgr.token).data
    assert (got["previousBalance"], got["totalToPay"], got["balanceDue"]) == (-50.0, 50.0, 50.0)
    assert full_statement(mgr, apt)["closingBalance"] == 50.0  # the credit's use is no entry of its own


def test_statement_as_csv(billed):
    mgr, _, apts, invoices = billed
    apt = apts[0]["id"]
    pay(mgr, invoices[apt]["id"], 25.5, "2025-02-10")
    res = account(mgr, apt, format="csv")
    assert res.status == 200 and res.headers["content-type"].startswith("text/csv")
    rows = res.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("date,type,description,amount,balance")
    assert rows[1].split(",")[1] == "opening" and rows[-1].split(",")[1] == "closing"
    assert rows[-1].split(",")[4] == "74.50"


def test_statement_pages(billed):
    mgr, _, apts, invoices = billed
    apt = apts[0]["id"]
    for day in ("2025-02-10", "2025-02-11", "2025-02-12"):
        pay(mgr, invoices[apt]["id"], 10, day)
    first = account(mgr, apt, limit="2")
    assert first.status == 200 and len(first.data["entries"]) == 2 and first.json["nextCursor"]
    assert first.data["closingBalance"] == 70.0
    second = account(mgr, apt, limit="2", cursor=first.json["nextCursor"])
    assert [e["balance"] for e in second.data["entries"]] == [80.0, 70.0] and second.json["nextCursor"] is None
    # a cursor of another apartment's statement is refused
    other = account(mgr, apts[1]["id"], limit="2", cursor=first.json["nextCursor"])
    assert other.status == 400


def test_statement_refuses_bad_input_and_hides_other_tenants_and_residents(billed, make_caller):
    mgr, _, apts, _ = billed
    apt = apts[0]["id"]
    # bad dates and an inverted period are 422; an unknown apartment is 404
    assert account(mgr, apt, **{"from": "2025-13-01"}).status == 422
    bad = account(mgr, apt, **{"from": "2025-03-01", "to": "2025-02-01"})
    assert bad.status == 422 and bad.error["errors"][0]["field"] == "from"
    assert account(mgr, "no-such-apartment").status == 404
    # another organisation's manager gets 404
    stranger = make_caller("manager")
    assert account(stranger, apt).status == 404
    # a resident sees their own apartment only
    mine = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(apt,))
    assert account(mine, apt).status == 200
    assert account(mine, apts[1]["id"]).status == 404
    assert account(mine, apt, format="csv").status == 200
