"""Apartment accounts over several months through HTTP: opening balances, monthly invoices, partial payments,
an overpayment, late interest, partial credit notes (to credit and refunded), a reversed payment. Every closing
balance equals the sum of its entries, the account's aggregate, and an independent calculation, to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.integration.accounts_helpers import bill_month, billed_building, cents, full_statement, pay
from tests.integration.invoicing_helpers import load_event_sweep
from tests.integration.test_payments import atomic_calls  # noqa: F401 - the fixture
from tests.support import call

MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")


def _next_first(month: str) -> str:
    y, m = (int(p) for p in month.split("-"))
    return f"{y + (m == 12)}-{m % 12 + 1:02d}-01"


def _invoice(caller, invoice_id):
    res = call("invoices", "GET", f"/invoices/{invoice_id}", token=caller.token)
    assert res.status == 200, res
    return res.data


def _credit(caller, invoice_id, **body):
    return call("invoices", "POST", f"/invoices/{invoice_id}/credit-note", token=caller.token, body=body)


def test_six_months_of_one_building_balance_to_the_cent(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=3)
    a, b, c = (x["id"] for x in apts)
    expected = {a: 5000, b: -2000, c: 0}  # the independent calculation, in cents
    # Given opening balances (B prepaid 20.00)
    res = call("accounts", "POST", "/apartments/opening-balances", token=mgr.token, body={"balances": [
        {"apartmentId": a, "date": "2024-12-31", "balance": 50}, {"apartmentId": b, "date": "2024-12-31",
                                                                  "balance": -20}]})
    assert res.status == 200 and res.data["created"] == 2
    reversible = None
    for n, month in enumerate(MONTHS):
        before = {x: full_statement(mgr, x)["currentBalance"] for x in (a, b, c)}
        invoices = bill_month(mgr, building["id"], month, _next_first(month))
        for apt, inv in invoices.items():
            expected[apt] += 10000
            # Then each invoice shows the balance before it and the total to pay
            got = _invoice(mgr, inv["id"])
            assert got["previousBalance"] == before[apt] and got["total"] == 100.0
            assert cents(got["totalToPay"]) == cents(before[apt]) + 10000
        paid_on = _next_first(month)[:8] + "10"
        # A pays 100.00 a month; B pays what is due, 50.00 more in February; C pays 60.00 a month
        for apt, amount in ((a, 100.0), (b, _invoice(mgr, invoices[b]["id"])["balanceDue"] + (50 if n == 1 else 0)),
                            (c, 60.0)):
            if amount > 0:
                payment = pay(mgr, invoices[apt]["id"], amount, paid_on)
                expected[apt] -= cents(amount)
                if apt == b and month == "2025-05":
                    reversible = payment
        if month == "2025-03":  # a partial credit note of 30.00 on A's paid invoice: apartment credit
            note = _credit(mgr, invoices[a]["id"], amount=30, reason="heating overcharged")
            assert note.status == 201 and note.data["total"] == -30.0
            expected[a] -= 3000
        if month == "2025-04":  # C's partly paid invoice: its line credited, the paid 60.00 refunded
            call("invoices", "PATCH", f"/invoices/{invoices[c]['id']}", token=mgr.token, body={"status": "sent"})
            note = _credit(mgr, invoices[c]["id"], lines=[0], reason="vacant", refund=True)
            assert note.status == 201, note
            assert _invoice(mgr, invoices[c]["id"])["status"] == "paid"
            expected[c] += -10000 + 6000
    # When B's May payment is reversed
    assert reversible is not None
    rev = call("payments", "POST", f"/payments/{reversible['id']}/reverse", token=mgr.token,
               body={"reason": "returned by the bank"})
    assert rev.status == 200, rev
    expected[b] += cents(reversible["amount"])
    # Then every account closes at the sum of its entries, its aggregate, and the independent calculation
    for apt in (a, b, c):
        doc = full_statement(mgr, apt)
        assert doc["openingBalance"] == 0
        assert sum(cents(e["amount"]) for e in doc["entries"]) == cents(doc["closingBalance"]) == expected[apt]
        assert cents(doc["currentBalance"]) == expected[apt]
        running = 0
        for e in doc["entries"]:
            running += cents(e["amount"])
            assert cents(e["balance"]) == running
    types = [e["type"] for e in full_statement(mgr, c)["entries"]]
    assert "credit_note" in types and "refund" in types
    assert "payment_reversal" in [e["type"] for e in full_statement(mgr, b)["entries"]]
    check = call("accounts", "GET", "/reports/account-check", token=mgr.token, query={"buildingId": building["id"]})
    assert check.data == {"checked": 3, "drift": []}
    debtors = call("accounts", "GET", "/reports/debtors", token=mgr.token,
                   query={"buildingId": building["id"], "asOf": "2025-08-01"}).data
    assert cents(debtors["totals"]["balance"]) == sum(expected.values())


def test_late_interest_is_an_entry_of_its_own(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=1, lateInterestDailyRate=0.05)
    apt = apts[0]["id"]
    jan = bill_month(mgr, building["id"], "2025-01", "2025-02-01")[apt]
    call("invoices", "PATCH", f"/invoices/{jan['id']}", token=mgr.token, body={"status": "sent"})
    load_event_sweep("2025-02-20T03:00:00Z")  # due 2025-02-15: overdue
    feb = bill_month(mgr, building["id"], "2025-02", "2025-03-01")[apt]
    # Then February's invoice charges 14 days of interest on 100.00 at 0.05 % a day, as its own account entry
    interest = int((Decimal(10000) * Decimal("0.0005") * 14).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    got = _invoice(mgr, feb["id"])
    assert cents(got["total"]) == 10000 + interest and got["previousBalance"] == 100.0
    entries = full_statement(mgr, apt)["entries"]
    assert sorted((e["type"], cents(e["amount"])) for e in entries) == [
        ("invoice", 10000), ("invoice", 10000), ("late_interest", interest)]
    assert cents(full_statement(mgr, apt)["closingBalance"]) == 20000 + interest


def test_partial_credit_note_refusals(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=1)
    inv = bill_month(mgr, building["id"], "2025-01", "2025-02-01")[apts[0]["id"]]
    # a draft takes no partial credit note (409); bad bodies are 422; others' invoices 404; residents 403
    assert _credit(mgr, inv["id"], amount=10, reason="x").status == 409
    call("invoices", "PATCH", f"/invoices/{inv['id']}", token=mgr.token, body={"status": "sent"})
    assert _credit(mgr, inv["id"], amount=100.01, reason="too much").status == 422
    assert _credit(mgr, inv["id"], amount=10, lines=[0], reason="both").status == 422
    assert _credit(mgr, inv["id"], lines=[5], reason="no such line").status == 422
    assert _credit(mgr, inv["id"], amount=10).status == 422
    assert _credit(make_caller("manager"), inv["id"], amount=10, reason="x").status == 404
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(apts[0]["id"],))
    assert _credit(resident, inv["id"], amount=10, reason="x").status == 403
    # two partial notes may not credit more than the invoice
    assert _credit(mgr, inv["id"], amount=60, reason="first").status == 201
    assert _credit(mgr, inv["id"], amount=50, reason="second").status == 422
    after = _invoice(mgr, inv["id"])
    assert (after["credited"], after["balanceDue"], after["status"]) == (60.0, 40.0, "sent")
    assert full_statement(mgr, apts[0]["id"])["closingBalance"] == 40.0


@pytest.mark.usefixtures("atomic_calls")
def test_concurrent_payments_and_a_redelivered_chunk_post_each_entry_once(make_caller):
    import json
    import threading

    from tests.integration.invoicing_helpers import receive_all
    from urbaneta.auth.principal import Principal, Role
    from urbaneta.models.messages import GenerationChunk
    from urbaneta.models.payments import ManualPaymentCreate
    from urbaneta.services import payments as service
    from urbaneta.services.invoicing import generation as invoicing

    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=2)
    jan = bill_month(mgr, building["id"], "2025-01", "2025-02-01")
    apt = apts[0]["id"]
    # When twelve payments of 10.00 arrive at once for one apartment (each thread as its own Lambda would)
    who = Principal(mgr.tenant_id, mgr.user_id, Role.MANAGER, "s")
    body = ManualPaymentCreate.model_validate({"invoiceId": jan[apt]["id"], "amount": 10, "paidDate": "2025-02-10",
                                              "method": "cash"})
    results: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            service.record_manual_payment(who, body)
            outcome = "ok"
        except Exception as exc:  # reported by the assertion below
            outcome = repr(exc)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ok"] * 12
    # And February's chunk is delivered twice
    res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token, body={
        "buildingId": building["id"], "periodStart": "2025-02-01", "periodEnd": "2025-02-28",
        "issueDate": "2025-03-01"})
    assert res.status == 202
    for m in receive_all("INVOICE_GENERATION_QUEUE_URL"):  # the plan
        invoicing.handle_generation_message(json.loads(m["Body"]))
    chunk = next(json.loads(m["Body"]) for m in receive_all("INVOICE_GENERATION_QUEUE_URL"))
    invoicing.generate_chunk(GenerationChunk.parse(chunk))
    invoicing.generate_chunk(GenerationChunk.parse(chunk))
    # Then every payment and invoice is one entry, and the balances agree with their entries
    doc = full_statement(mgr, apt)
    assert sorted(e["type"] for e in doc["entries"]) == ["invoice", "invoice"] + ["payment"] * 12
    assert cents(doc["closingBalance"]) == 20000 - 12000 == cents(doc["currentBalance"])
    check = call("accounts", "GET", "/reports/account-check", token=mgr.token, query={"buildingId": building["id"]})
    assert check.data == {"checked": 2, "drift": []}


# ---- one-off invoices and drafts (item 6) ------------------------------------------------------------------


def test_one_off_invoice_is_numbered_posted_and_its_draft_editable_then_deletable(make_caller):
    mgr = make_caller("manager")
    building, apts = billed_building(mgr, apartments=1, invoicePrefix="K")
    apt = apts[0]["id"]
    bill_month(mgr, building["id"], "2025-01", "2025-02-01")
    # When a key replacement is billed to the apartment
    res = call("invoices", "POST", "/invoices", token=mgr.token, body={
        "apartmentId": apt, "issueDate": "2025-02-05", "lines": [
            {"description": "Võtme asendus", "quantity": 2, "unitPrice": 12.5, "vatRate": 22}]})
    # Then it is a draft with the next number of the series, its VAT, and the account's balances
    assert res.status == 201, res
    inv = res.data
    assert inv["number"] == "K-000002" and inv["status"] == "draft" and inv["total"] == 30.5
    assert (inv["previousBalance"], inv["totalToPay"]) == (100.0, 130.5)
    assert full_statement(mgr, apt)["closingBalance"] == 130.5
    # When its lines are replaced / Then the account follows with an adjustment
    put = call("invoices", "PUT", f"/invoices/{inv['id']}/lines", token=mgr.token,
               body={"lines": [{"description": "Võti", "unitPrice": 10}]})
    assert put.status == 200 and put.data["total"] == 10.0 and put.data["totalToPay"] == 110.0
    assert full_statement(mgr, apt)["closingBalance"] == 110.0
    # When the draft is deleted / Then it stays cancelled (no gap in the series) and the account is back
    assert call("invoices", "DELETE", f"/invoices/{inv['id']}", token=mgr.token).status == 204
    assert call("invoices", "GET", f"/invoices/{inv['id']}", token=mgr.token).data["status"] == "cancelled"
    doc = full_statement(mgr, apt)
    assert doc["closingBalance"] == 100.0
    assert [e["type"] for e in doc["entries"]].count("adjustment") == 2
    # And a deleted or issued invoice is not changed again (409)
    assert call("invoices", "DELETE", f"/invoices/{inv['id']}", token=mgr.token).status == 409


def test_one_off_invoice_refusals(make_caller):
    mgr = make_caller("manager")
    _, apts = billed_building(mgr, apartments=1)
    apt = apts[0]["id"]
    line = {"description": "Remont", "unitPrice": 50}
    post = lambda who, body: call("invoices", "POST", "/invoices", token=who.token, body=body)  # noqa: E731
    assert post(mgr, {"apartmentId": apt, "lines": []}).status == 422
    bad = post(mgr, {"apartmentId": apt, "lines": [{"description": "", "unitPrice": -1, "quantity": 0}]})
    assert bad.status == 422 and {"lines.0.unitPrice", "lines.0.quantity"} <= {e["field"] for e in bad.error["errors"]}
    assert post(mgr, {"apartmentId": apt, "lines": [line], "issueDate": "2025-02-05",
                      "dueDate": "2025-02-01"}).status == 422
    # another organisation's apartment is unknown; a resident may not bill
    stranger = make_caller("manager")
    assert post(stranger, {"apartmentId": apt, "lines": [line]}).status == 422
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(apt,))
    assert post(resident, {"apartmentId": apt, "lines": [line]}).status == 403
    made = post(mgr, {"apartmentId": apt, "lines": [line]}).data
    # an issued invoice's lines are not replaced; another tenant's draft is 404
    assert call("invoices", "PUT", f"/invoices/{made['id']}/lines", token=stranger.token,
                body={"lines": [line]}).status == 404
    assert call("invoices", "DELETE", f"/invoices/{made['id']}", token=stranger.token).status == 404
    call("invoices", "PATCH", f"/invoices/{made['id']}", token=mgr.token, body={"status": "sent"})
    assert call("invoices", "PUT", f"/invoices/{made['id']}/lines", token=mgr.token,
                body={"lines": [line]}).status == 409
