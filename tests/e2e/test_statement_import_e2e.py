"""Bank statements over HTTP against the local stack (issue 16): a Swedbank CSV and then the camt.053 of the same
day record each payment once; odd entries are listed with reasons and never block a file; a large camt.053 is
uploaded through the presigned POST and imported by the worker (202, then the job completes).

``E2E_STATEMENT_ENTRIES`` sets the size of the uploaded statement (default 400, so that make test stays short;
``BENCH_STACK=1 python -m bench.bench_reconciliation`` runs 10,000 through the API)."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx

from tests.e2e.helpers import register_owner, wait_for_job
from tests.payments_support.files import Entry, Tx, camt, swedbank_csv

ENTRIES = int(os.environ.get("E2E_STATEMENT_ENTRIES", "400"))


def _organisation(http: Any, apartments: int) -> tuple[dict[str, str], list[str]]:
    """A new organisation with one building of ``apartments`` apartments; their reference numbers."""
    staff = register_owner(http, "KÜ Lai 5", "Mari Maasikas")
    bid = http.post("/api/buildings", headers=staff, json={
        "name": "Lai 5", "address": {"street": "Lai 5", "city": "Tallinn", "postalCode": "10133",
                                     "country": "EE"}}).json()["data"]["id"]
    refs = []
    for n in range(apartments):
        res = http.post(f"/api/buildings/{bid}/apartments", headers=staff,
                        json={"number": str(n + 1), "area": 50, "ownerName": f"Resident {n + 1}"})
        assert res.status_code == 201, res.text
        refs.append(res.json()["data"]["referenceNumber"])
    return staff, refs


def _import(http: Any, staff: dict[str, str], content: bytes, content_type: str, **params: str) -> httpx.Response:
    return http.post("/api/bank-statements/import", headers={**staff, "Content-Type": content_type},
                     content=content, params=params or None)


def test_csv_then_camt053_of_the_same_day_records_each_payment_once(stack, http):
    # Given an organisation with two apartments
    tag = f"{uuid.uuid4().int % 10**16:016d}"
    staff, refs = _organisation(http, 2)
    # When the Swedbank CSV export of the day is imported (archive ids), then the day's camt.053 (-n suffixes)
    csv = swedbank_csv([{"amount": "84.50", "ref": refs[0], "id": f"{tag[:-1]}1"},
                        {"amount": "40.00", "ref": refs[1], "id": f"{tag[:-1]}2"}])
    first = _import(http, staff, csv, "text/csv")
    assert first.status_code == 201, first.text
    statement = camt([Entry([Tx("84.50", ref=refs[0])], bank_ref=f"{tag[:-1]}1-1"),
                      Entry([Tx("40.00", ref=refs[1])], bank_ref=f"{tag[:-1]}2-1")])
    second = _import(http, staff, statement, "application/xml")
    # Then the camt entries are duplicates and each payment is recorded once
    assert second.status_code == 201, second.text
    assert (second.json()["data"]["duplicates"], second.json()["data"]["matched"]) == (2, 0)
    payments = http.get("/api/payments", headers=staff).json()["data"]
    assert sorted(p["amount"] for p in payments) == [40.0, 84.5]


def test_zero_and_missing_amounts_never_block_fifty_good_entries(stack, http):
    # Given a camt.053 with 50 good entries, one 0.00 entry and one entry without an amount
    staff, refs = _organisation(http, 1)
    good = [Entry([Tx("2.00", ref=refs[0], name=f"PAYER {n}")], bank_ref=f"E2E-G{n}") for n in range(50)]
    content = camt([good[0], Entry([Tx("0.00")], bank_ref="E2E-Z"), Entry([Tx("9.99")], bank_ref="E2E-M"),
                    *good[1:]]).replace(b'<Amt Ccy="EUR">9.99</Amt>', b"")
    # When imported
    res = _import(http, staff, content, "application/xml")
    # Then the 50 are imported (paid or credited) and the two are listed with their reasons
    assert res.status_code == 201, res.text
    data = res.json()["data"]
    assert (data["entries"], data["matched"], data["entriesRead"]) == (50, 50, 52), data
    assert [(u["position"], u["reason"]) for u in data["unusable"]] == [(1, "zero_amount"), (2, "missing_amount")]
    entries = http.get(f"/api/bank-statements/{data['id']}", headers=staff,
                       params={"limit": "100"}).json()["data"]["entries"]
    assert [e["reason"] for e in entries if e["reason"]] == ["zero_amount", "missing_amount"]


def _large_statement(refs: list[str], entries: int, tag: str) -> bytes:
    return camt([Entry([Tx("1.00", ref=refs[n % len(refs)], name=f"PAYER {n}", iban=None)], bank_ref=f"{tag}{n:06d}")
                 for n in range(entries)])


def test_large_statement_uploaded_and_imported_by_the_worker(stack, http):
    # Given a camt.053 of ENTRIES entries paying five apartments' references (credit once invoices are paid)
    staff, refs = _organisation(http, 5)
    content = _large_statement(refs, ENTRIES, uuid.uuid4().hex[:6].upper())
    # When it is uploaded through the presigned POST and its import asked for
    up = http.post("/api/bank-statements/uploads", headers=staff, json={"contentType": "application/xml"})
    assert up.status_code == 201, up.text
    target = up.json()["data"]
    sent = httpx.post(target["uploadUrl"], data=target["fields"],
                      files={"file": ("statement.xml", content, "application/xml")}, timeout=60)
    assert sent.status_code in (200, 201, 204), sent.text
    started = time.monotonic()
    res = http.post("/api/bank-statements/import", headers=staff, json={"uploadKey": target["uploadKey"]})
    # Then 202 with a job, which completes with every entry matched
    assert res.status_code == 202, res.text
    job = wait_for_job(http, staff, res.json()["data"]["jobId"], timeout=max(120, ENTRIES / 10))
    elapsed = time.monotonic() - started
    assert job["status"] == "completed", job
    assert (job["total"], job["processed"], job["matched"], job["unmatched"]) == (ENTRIES, ENTRIES, ENTRIES, 0)
    print(f"{ENTRIES} entries imported through the worker in {elapsed:.1f} s ({ENTRIES / elapsed:.0f}/s)")
    summary = http.get(f"/api/bank-statements/{job['statementId']}", headers=staff).json()["data"]["counts"]
    assert (summary["status"], summary["matched"]) == ("completed", ENTRIES)
