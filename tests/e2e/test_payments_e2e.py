"""Payments over HTTP against the local stack: a manager generates invoices, imports the bank's camt.053 with
the residents' payments, and the matched invoices are paid; importing it again records nothing twice."""

from __future__ import annotations

import uuid

from tests.e2e.helpers import register_owner, wait_for_job
from tests.payments_support.files import Entry, Tx, camt


def test_camt053_import_pays_generated_invoices(stack, http):
    # Given an organisation whose two apartments have generated invoices
    tag = uuid.uuid4().hex[:8]
    staff = register_owner(http, "KÜ Pikk 1", "Mari Maasikas")
    bid = http.post("/api/buildings", headers=staff, json={
        "name": "Pikk 1", "address": {"street": "Pikk 1", "city": "Tallinn", "postalCode": "10123",
                                      "country": "EE"}}).json()["data"]["id"]
    for number in ("1", "2"):
        res = http.post(f"/api/buildings/{bid}/apartments", headers=staff,
                        json={"number": number, "area": 50, "ownerName": f"Resident {number}"})
        assert res.status_code == 201, res.text
    assert http.post(f"/api/buildings/{bid}/charges", headers=staff,
                     json={"name": "Haldustasu", "type": "per_apartment", "unitPrice": 84.5}).status_code == 201
    res = http.post("/api/invoices/generate-bulk", headers=staff,
                    json={"buildingId": bid, "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    assert res.status_code == 202, res.text
    assert wait_for_job(http, staff, res.json()["data"]["jobId"])["status"] == "completed"
    invoices = http.get("/api/invoices", headers=staff, params={"buildingId": bid}).json()["data"]
    assert len(invoices) == 2
    paid_one, partly = sorted(invoices, key=lambda i: i["number"])

    # When the bank statement with one full and one partial payment is imported over HTTP
    content = camt([
        Entry([Tx("84.50", ref=paid_one["referenceNumber"])], bank_ref=f"{tag}-1"),
        Entry([Tx("40.00", texts=(f"arve {partly['number']}",), name="RESIDENT 2")], bank_ref=f"{tag}-2"),
    ])
    res = http.post("/api/bank-statements/import", headers={**staff, "Content-Type": "application/xml"},
                    content=content)
    # Then both are matched: one invoice is paid, the other keeps its balance
    assert res.status_code == 201, res.text
    summary = res.json()["data"]
    assert (summary["entries"], summary["matched"], summary["duplicates"]) == (2, 2, 0)
    first = http.get(f"/api/invoices/{paid_one['id']}", headers=staff).json()["data"]
    second = http.get(f"/api/invoices/{partly['id']}", headers=staff).json()["data"]
    assert (first["status"], first["balanceDue"]) == ("paid", 0)
    assert (second["amountPaid"], second["balanceDue"]) == (40.0, 44.5)
    entries = http.get(f"/api/bank-statements/{summary['id']}", headers=staff).json()["data"]["entries"]
    assert {e["status"] for e in entries} == {"matched"}

    # When the same statement is imported again
    again = http.post("/api/bank-statements/import", headers={**staff, "Content-Type": "application/xml"},
                      content=content)
    # Then nothing is recorded twice
    assert again.json()["data"]["duplicates"] == 2 and again.json()["data"]["matched"] == 0
    payments = http.get("/api/payments", headers=staff).json()["data"]
    assert sorted(p["amount"] for p in payments) == [40.0, 84.5]
