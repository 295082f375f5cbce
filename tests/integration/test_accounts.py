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
    assert account(mine, apt, format="xml").status == 422


def test_statement_as_pdf(billed):
    mgr, _, apts, invoices = billed
    apt = apts[0]["id"]
    pay(mgr, invoices[apt]["id"], 12.34, "2025-02-10")
    res = account(mgr, apt, format="pdf")
    assert res.status == 200 and res.headers["content-type"] == "application/pdf"
    import io

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(res.content)).pages)
    assert "Opening balance" in text and "87.66" in text and "Closing balance" in text


# ---- opening balances ------------------------------------------------------------------------------------------


def _opening(caller, body=None, *, csv=None):
    if csv is not None:
        return call(FN, "POST", "/apartments/opening-balances", token=caller.token, raw_body=csv,
                    headers={"content-type": "text/csv"})
    return call(FN, "POST", "/apartments/opening-balances", token=caller.token, body=body)


def test_opening_balances_json_and_csv_are_idempotent_per_apartment_and_date(make_caller):
    mgr = make_caller("manager")
    _, apts = billed_building(mgr, apartments=3)
    a, b, c = (x["id"] for x in apts)
    # When opening balances are imported as JSON
    res = _opening(mgr, {"balances": [{"apartmentId": a, "date": "2024-12-31", "balance": 120.5},
                                      {"apartmentId": b, "date": "2024-12-31", "balance": -30, "reason": "prepaid"}]})
    # Then each is an opening entry of its account; a prepayment becomes the apartment's credit
    assert res.status == 200 and (res.data["created"], res.data["duplicates"]) == (2, 0)
    doc = full_statement(mgr, a)
    assert [(e["type"], e["amount"], e["date"]) for e in doc["entries"]] == [("opening_balance", 120.5, "2024-12-31")]
    from tests.payments_support.org import credit_cents

    assert full_statement(mgr, b)["closingBalance"] == -30.0 and credit_cents(mgr, b) == 3000
    # When the same rows come again, as CSV with a decimal comma, plus a new one
    again = _opening(mgr, csv=f"apartmentId;date;balance\n{a};2024-12-31;120,50\n{c};2024-12-31;7,25\n")
    # Then nothing is recorded twice
    assert again.status == 200, again
    assert [r["status"] for r in again.data["rows"]] == ["duplicate", "created"]
    assert full_statement(mgr, a)["closingBalance"] == 120.5 and full_statement(mgr, c)["closingBalance"] == 7.25


def test_opening_balances_refuse_bad_rows_other_tenants_and_residents(make_caller):
    mgr = make_caller("manager")
    _, apts = billed_building(mgr, apartments=1)
    a = apts[0]["id"]
    stranger = make_caller("manager")
    _, theirs = billed_building(stranger, apartments=1)
    # bad rows: every failing field is named, nothing is recorded
    bad = _opening(mgr, {"balances": [{"apartmentId": a, "date": "nope", "balance": 1.234}]})
    assert bad.status == 422 and {e["field"] for e in bad.error["errors"]} >= {"balances.0.date", "balances.0.balance"}
    assert _opening(mgr, {"balances": []}).status == 422
    assert _opening(mgr, csv="apartment,when\nx,y\n").status == 422
    assert _opening(mgr, csv=f"apartmentId,date,balance\n{a},2024-12-31,abc\n").status == 422
    # another organisation's apartment is unknown here
    other = _opening(mgr, {"balances": [{"apartmentId": theirs[0]["id"], "date": "2024-12-31", "balance": 5}]})
    assert other.status == 422 and other.error["errors"][0]["field"] == "balances.0.apartmentId"
    twice = _opening(mgr, {"balances": [{"apartmentId": a, "date": "2024-12-31", "balance": 5}] * 2})
    assert twice.status == 422
    assert full_statement(mgr, a)["entries"] == []
    # a resident may not import
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(a,))
    assert _opening(resident, {"balances": [{"apartmentId": a, "date": "2024-12-31", "balance": 5}]}).status == 403
    assert call(FN, "POST", "/apartments/opening-balances", token=mgr.token, raw_body="<x/>",
                headers={"content-type": "application/xml"}).status == 415


# ---- debtor report --------------------------------------------------------------------------------------------


def _debtors(caller, **query):
    return call(FN, "GET", "/reports/debtors", token=caller.token, query=query)


def test_debtor_report_ages_the_balance_newest_charges_first(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=3)
    bid = building["id"]
    a, b, c = (x["id"] for x in apts)
    _opening(mgr, {"balances": [{"apartmentId": a, "date": "2024-10-01", "balance": 50}]})
    jan = bill_month(mgr, bid, "2025-01", "2025-02-01")  # due 2025-02-15
    feb = bill_month(mgr, bid, "2025-02", "2025-03-01")  # due 2025-03-15
    pay(mgr, jan[b]["id"], 100, "2025-02-10")
    pay(mgr, feb[b]["id"], 100, "2025-03-10")
    pay(mgr, jan[c]["id"], 320, "2025-02-10")
    # When the report is asked for 2025-04-01
    res = _debtors(mgr, buildingId=bid, asOf="2025-04-01", limit="100")
    assert res.status == 200, res
    rows = {r["apartmentId"]: r for r in res.data["apartments"]}
    # Then a's 250.00 is February (17 days), January (45 days) and the opening balance (182 days)
    assert rows[a]["balance"] == 250.0 and rows[a]["overdue"] == 250.0
    assert rows[a]["ageing"] == {"notDue": 0.0, "days1to30": 100.0, "days31to60": 100.0, "days61to90": 0.0,
                                 "over90": 50.0}
    assert rows[a]["apartmentNumber"] == "1" and rows[a]["reminderLevel"] is None
    assert rows[b]["overdue"] == 0.0 and rows[b]["lastPaymentDate"] == "2025-03-10"
    assert rows[c]["balance"] == -120.0 and rows[c]["overdue"] == 0.0
    totals = res.data["totals"]
    assert (totals["accounts"], totals["debtors"], totals["balance"], totals["prepaid"], totals["overdue"]) == (
        3, 1, 130.0, 120.0, 250.0)
    # And before February's due date February's charge is not due
    early = {r["apartmentId"]: r for r in _debtors(mgr, buildingId=bid, asOf="2025-03-05").data["apartments"]}
    assert early[a]["ageing"]["notDue"] == 100.0 and early[a]["overdue"] == 150.0


def test_debtor_report_pages_csv_and_refusals(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=3)
    bid = building["id"]
    bill_month(mgr, bid, "2025-01", "2025-02-01")
    first = _debtors(mgr, buildingId=bid, asOf="2025-03-01", limit="2")
    assert first.status == 200 and len(first.data["apartments"]) == 2 and first.data["totals"]["overdue"] == 300.0
    second = _debtors(mgr, buildingId=bid, asOf="2025-03-01", limit="2", cursor=first.json["nextCursor"])
    assert len(second.data["apartments"]) == 1 and second.data["totals"] is None
    csv = _debtors(mgr, buildingId=bid, asOf="2025-03-01", format="csv")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("apartmentId,apartmentNumber,balance,overdue,notDue") and len(lines) == 5
    assert lines[-1].startswith("total,,300.00,300.00")
    # refusals: no building (422), a bad date (422), another tenant's building (404), a resident (403)
    assert _debtors(mgr).status == 422
    assert _debtors(mgr, buildingId=bid, asOf="2025-02-30").status == 422
    assert _debtors(make_caller("manager"), buildingId=bid).status == 404
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(apts[0]["id"],))
    assert _debtors(resident, buildingId=bid).status == 403


# ---- corrections: payment reversal ------------------------------------------------------------------------------


def test_payment_reversal_reopens_the_invoice_and_shows_both_entries(billed, make_caller):
    mgr, _, apts, invoices = billed
    apt = apts[0]["id"]
    paid = pay(mgr, invoices[apt]["id"], 100, "2025-02-10")
    assert call("invoices", "GET", f"/invoices/{invoices[apt]['id']}", token=mgr.token).data["status"] == "paid"
    # When the payment is reversed with a reason
    res = call("payments", "POST", f"/payments/{paid['id']}/reverse", token=mgr.token, body={"reason": "bounced"})
    # Then the invoice is open again and the account shows the payment and its reversal
    assert res.status == 200 and res.data["status"] == "reversed"
    inv = call("invoices", "GET", f"/invoices/{invoices[apt]['id']}", token=mgr.token).data
    assert inv["status"] != "paid" and inv["balanceDue"] == 100.0
    doc = full_statement(mgr, apt)
    assert [(e["type"], e["amount"]) for e in doc["entries"]][-2:] == [("payment", -100.0), ("payment_reversal", 100.0)]
    assert doc["entries"][-1]["reason"] == "bounced" and doc["closingBalance"] == 100.0
    # And a second reversal is 409; bad body 422; another tenant 404; a resident 403
    again = call("payments", "POST", f"/payments/{paid['id']}/reverse", token=mgr.token, body={"reason": "x"})
    assert again.status == 409
    assert call("payments", "POST", f"/payments/{paid['id']}/reverse", token=mgr.token, body={}).status == 422
    stranger = make_caller("manager")
    assert call("payments", "POST", f"/payments/{paid['id']}/reverse", token=stranger.token,
                body={"reason": "x"}).status == 404
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(apt,))
    assert call("payments", "POST", f"/payments/{paid['id']}/reverse", token=resident.token,
                body={"reason": "x"}).status == 403


# ---- consistency ----------------------------------------------------------------------------------------------


def test_consistency_check_finds_drift_and_the_schedule_runs_it(billed, make_caller):
    mgr, building, apts, invoices = billed
    pay(mgr, invoices[apts[0]["id"]]["id"], 40, "2025-02-10")
    res = call(FN, "GET", "/reports/account-check", token=mgr.token, query={"buildingId": building["id"]})
    assert res.status == 200 and res.data == {"checked": 2, "drift": []}
    # Given an aggregate changed behind the ledger's back
    from urbaneta.store import keys, table

    table.update(keys.account_balance(mgr.tenant_id, building["id"], apts[1]["id"]), "ADD balanceCents :d",
                 vals={":d": 1}, return_new=False)
    # Then the check reports it, and so does the daily schedule
    drift = call(FN, "GET", "/reports/account-check", token=mgr.token, query={"buildingId": building["id"]}).data
    assert drift["drift"] == [{"apartmentId": apts[1]["id"], "stored": 100.01, "recomputed": 100.0,
                               "difference": 0.01}]
    from tests.integration.invoicing_helpers import load_event_sweep as run_sweep
    from urbaneta.clock import now_iso

    swept = run_sweep(now_iso())
    assert swept["accountsChecked"] >= 2 and swept["accountsDrifting"] >= 1
    assert call(FN, "GET", "/reports/account-check", token=make_caller("manager").token,
                query={"buildingId": building["id"]}).status == 404
    assert call(FN, "GET", "/reports/account-check", token=mgr.token).status == 422
    assert cents(drift["drift"][0]["difference"]) == 1


def test_invoice_pdf_prints_the_account_lines(billed):
    mgr, building, apts, invoices = billed
    apt = apts[0]["id"]
    pay(mgr, invoices[apt]["id"], 30, "2025-02-10")
    feb = bill_month(mgr, building["id"], "2025-02", "2025-03-01")[apt]
    # When February's PDF is rendered / Then it shows the previous balance, the payments and the total to pay
    res = call("invoices", "GET", f"/invoices/{feb['id']}/pdf", token=mgr.token)
    assert res.status == 200
    import io

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(res.content)).pages)
    assert "Previous balance" in text and "70.00" in text and "Total to pay" in text and "170.00" in text
