"""Statement import, issue 16: unusable entries kept with their reasons, one transaction once across formats
and reports, a half-finished import finished by importing again, and asynchronous imports (job, worker, uploads)
through the PaymentsFunction, the import worker and /jobs (against moto)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.integration.invoicing_helpers import pump, receive_all
from tests.payments_support.files import Entry, Tx, camt, swedbank_csv
from tests.payments_support.org import invoice_state, new_apartment, new_building, new_invoice
from tests.support import call

FN = "payments"
XML = {"content-type": "application/xml"}
CSV = {"content-type": "text/csv; charset=utf-8"}
WORKER = "STATEMENT_IMPORT_QUEUE_URL"


def imp(caller: Any, content: bytes, headers: dict[str, str] | None = None, **query: str) -> Any:
    return call(FN, "POST", "/bank-statements/import", token=caller.token, raw_body=content.decode("utf-8"),
                headers=headers or XML, query=query or None)


def statement(caller: Any, statement_id: str, **query: str) -> Any:
    res = call(FN, "GET", f"/bank-statements/{statement_id}", token=caller.token, query=query or None)
    assert res.status == 200, res
    return res.data


def job(caller: Any, job_id: str) -> Any:
    return call("invoices", "GET", f"/jobs/{job_id}", token=caller.token)


def run_worker() -> list[dict[str, Any]]:
    return pump(WORKER, "statement_import_worker", "statement_import", batch=1)


@pytest.fixture
def org(make_caller):
    caller = make_caller("manager")
    building = new_building(caller)
    apt = new_apartment(caller, building, "1")
    receive_all(WORKER)  # nothing left over from another test
    return caller, building, apt


def _without_amount(content: bytes, amount: str) -> bytes:
    """The entry of this (unique) amount loses every Amt element: an entry without an amount."""
    return content.replace(f'<Amt Ccy="EUR">{amount}</Amt>'.encode(), b"")


def test_zero_and_missing_amounts_are_listed_and_fifty_good_entries_imported(org):
    # Given 50 good entries (unknown references), one 0.00 credit and one credit without an amount
    caller, _building, _apt = org
    good = [Entry([Tx("1.00", ref="20240001234", name=f"P{i}")], bank_ref=f"G{i}") for i in range(50)]
    content = camt([*good[:10], Entry([Tx("0.00", name="ZERO")], bank_ref="Z1"),
                    Entry([Tx("7.77", name="NOAMOUNT")], bank_ref="M1"), *good[10:]])
    content = _without_amount(content, "7.77")
    # When imported
    res = imp(caller, content)
    # Then the 50 are imported and the two are listed with their reasons, the zero as ignored
    assert res.status == 201, res
    assert (res.data["entries"], res.data["entriesRead"], res.data["unmatched"]) == (50, 52, 50), res.data
    assert (res.data["ignored"], res.data["unusableCount"]) == (1, 1)
    reasons = {u["position"]: u["reason"] for u in res.data["unusable"]}
    assert reasons == {10: "zero_amount", 11: "missing_amount"}
    # And the statement's GET lists them as entries with their reasons, in file order
    data = statement(caller, res.data["id"], limit="100")
    assert data["counts"]["unusable"] == res.data["unusable"]
    odd = [(e["position"], e["status"], e["reason"]) for e in data["entries"] if e["reason"]]
    assert odd == [(10, "ignored", "zero_amount"), (11, "unusable", "missing_amount")]
    assert len(data["entries"]) == 52


def test_zero_credit_from_known_payer_or_with_matching_reference_is_ignored(org):
    # Given an open invoice and a payer IBAN already known for the apartment
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 5000)
    first = imp(caller, camt([Entry([Tx("10.00", ref=apt.reference, iban="EE471000001020145685")],
                                    bank_ref="K1")]))
    assert first.data["matched"] == 1, first
    # When 0.00 credits arrive from that payer and with the apartment's reference, then a real payment
    res = imp(caller, camt([Entry([Tx("0.00", iban="EE471000001020145685")], bank_ref="K2"),
                            Entry([Tx("0.00", ref=apt.reference)], bank_ref="K3"),
                            Entry([Tx("5.00", ref=apt.reference)], bank_ref="K4")]))
    # Then no 500: the zeros are ignored with their reason and the payment after them is recorded
    assert res.status == 201, res
    assert (res.data["ignored"], res.data["matched"]) == (2, 1), res.data
    assert [u["reason"] for u in res.data["unusable"]] == ["zero_amount", "zero_amount"]
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 1500


def test_csv_then_camt053_of_the_same_day_records_each_payment_once(org):
    # Given a Swedbank CSV with two payments (archive ids) imported first
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    csv = swedbank_csv([{"amount": "20.00", "ref": apt.reference, "id": "2024030511111111"},
                        {"amount": "30.00", "ref": apt.reference, "id": "2024030522222222"}])
    first = imp(caller, csv, CSV)
    assert first.data["matched"] == 2, first
    # When the camt.053 of the same day arrives (AcctSvcrRef with the report's -n suffix) with one more payment
    res = imp(caller, camt([Entry([Tx("20.00", ref=apt.reference)], bank_ref="2024030511111111-1"),
                            Entry([Tx("30.00", ref=apt.reference)], bank_ref="2024030522222222-1"),
                            Entry([Tx("5.00", ref=apt.reference)], bank_ref="2024030533333333-1")]))
    # Then only the new one is recorded
    assert (res.data["duplicates"], res.data["matched"]) == (2, 1), res.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 5500
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert len(listed.data) == 3


def test_equal_payments_without_references_both_kept_and_met_across_files(org):
    # Given a CSV with two genuinely equal payments (same payer, amount, day) and no archive ids
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    row = {"amount": "12.00", "ref": apt.reference, "id": ""}
    first = imp(caller, swedbank_csv([row, row]), CSV)
    # Then both are kept
    assert (first.data["matched"], first.data["duplicates"]) == (2, 0), first.data
    # When a camt of the same day carries three such payments, without references either
    entries = [Entry([Tx("12.00", ref=apt.reference, iban=None)], bank_ref=None) for _ in range(3)]
    res = imp(caller, camt(entries))
    # Then the first two meet the CSV's two (counted occurrences) and only the third is new
    assert (res.data["duplicates"], res.data["matched"]) == (2, 1), res.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 3600


def test_intraday_camt052_then_camt053_records_once(org):
    # Given an intraday report (camt.052) with one booked payment
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    intraday = camt([Entry([Tx("40.00", ref=apt.reference)], bank_ref="2024030544444444-3")], kind="053")
    intraday = intraday.replace(b"camt.053.001.02", b"camt.052.001.02").replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
    intraday = intraday.replace(b"<Stmt>", b"<Rpt>").replace(b"</Stmt>", b"</Rpt>")
    first = imp(caller, intraday)
    assert first.status == 201 and first.data["format"] == "camt.052.001.02", first
    # When the end-of-day statement carries the same transaction under another report suffix
    res = imp(caller, camt([Entry([Tx("40.00", ref=apt.reference)], bank_ref="2024030544444444-1")]))
    # Then it is a duplicate
    assert (res.data["duplicates"], res.data["matched"]) == (1, 0), res.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 4000


def test_import_stopped_half_way_is_finished_by_importing_again(org):
    # Given an import whose function ran out of time after the first payment
    from urbaneta.auth.principal import Principal, Role
    from urbaneta.services import reconciliation

    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    content = camt([Entry([Tx(f"{n}.00", ref=apt.reference)], bank_ref=f"H{n}") for n in (1, 2, 3)])
    principal = Principal(caller.tenant_id, "u", Role.MANAGER, "s")
    budget = iter([60_000] + [0] * 10)
    out = reconciliation.import_statement(principal, content, "application/xml", lambda: next(budget))
    assert (out.matched, out.pending) == (1, 2), out
    # When the same file is imported again
    again = imp(caller, content)
    # Then the rest is finished and nothing is recorded twice
    assert (again.data["matched"], again.data["duplicates"]) == (2, 1), again.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 600
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert len(listed.data) == 3


def test_async_import_answers_202_and_the_worker_completes_the_job(org, make_caller):
    # Given a statement of three payments and a zero entry
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    content = camt([*[Entry([Tx(f"{n}.00", ref=apt.reference)], bank_ref=f"A{n}") for n in (1, 2, 3)],
                    Entry([Tx("0.00")], bank_ref="A0")])
    # When imported with ?async=true
    res = imp(caller, content, **{"async": "true"})
    # Then 202 with a running job and the statement importing
    assert res.status == 202, res
    assert res.headers["location"] == f"/api/jobs/{res.data['jobId']}"
    assert statement(caller, res.data["statementId"])["counts"]["status"] == "importing"
    # And another tenant sees neither the job nor the statement
    other = make_caller("manager")
    assert job(other, res.data["jobId"]).status == 404
    assert call(FN, "GET", f"/bank-statements/{res.data['statementId']}", token=other.token).status == 404
    # When the worker runs (and a chunk message is delivered twice)
    messages = receive_all(WORKER)
    from urbaneta.adapters.queues import send_all

    send_all(os.environ[WORKER], [m["Body"] for m in messages] * 2)
    assert run_worker() == []
    # Then the job is complete with its progress, and the statement carries the counts
    done = job(caller, res.data["jobId"])
    assert done.status == 200, done
    assert (done.data["status"], done.data["total"], done.data["processed"]) == ("completed", 4, 4), done.data
    assert (done.data["matched"], done.data["ignored"], done.data["unmatched"]) == (3, 1, 0), done.data
    counts = statement(caller, res.data["statementId"])["counts"]
    assert (counts["status"], counts["matched"], counts["ignored"]) == ("completed", 3, 1)
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 600


def _upload(caller: Any, content: bytes, content_type: str = "application/xml") -> str:
    from urbaneta.adapters.aws import client

    res = call(FN, "POST", "/bank-statements/uploads", token=caller.token, body={"contentType": content_type})
    assert res.status == 201, res
    assert res.data["uploadKey"].startswith(f"tmp/{caller.tenant_id}/statements/")
    assert res.data["fields"]["key"] == res.data["uploadKey"] and res.data["uploadUrl"]
    client("s3").put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=res.data["uploadKey"], Body=content)
    return str(res.data["uploadKey"])


def _import_upload(caller: Any, key: str) -> Any:
    return call(FN, "POST", "/bank-statements/import", token=caller.token, body={"uploadKey": key},
                headers={"content-type": "application/json"})


def test_uploaded_statement_is_imported_by_the_worker(org):
    # Given a statement uploaded through the presigned POST
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    key = _upload(caller, camt([Entry([Tx("25.00", ref=apt.reference)], bank_ref="U1")]))
    # When its import is asked for
    res = _import_upload(caller, key)
    # Then 202 with a queued job, which the worker completes
    assert res.status == 202 and res.data["status"] == "queued", res
    assert run_worker() == []
    done = job(caller, res.data["jobId"]).data
    assert (done["status"], done["matched"], done["total"]) == ("completed", 1, 1), done
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 2500


def test_upload_failures(org, make_caller):
    caller, _building, _apt = org
    # Given another tenant's upload / When this tenant imports it / Then 422 and no job
    other = make_caller("manager")
    theirs = _upload(other, camt([Entry([Tx("1.00")], bank_ref="O1")]))
    res = _import_upload(caller, theirs)
    assert res.status == 422 and res.error["errors"][0]["field"] == "uploadKey", res
    # Given a key nothing was uploaded to / Then 422
    missing = f"tmp/{caller.tenant_id}/statements/00000000-0000-4000-8000-000000000000.xml"
    assert _import_upload(caller, missing).status == 422
    # Given an upload that is not a statement / When imported / Then the job fails and nothing is recorded
    res = _import_upload(caller, _upload(caller, b"<html>not a statement</html>"))
    assert res.status == 202
    assert run_worker() == []
    failed = job(caller, res.data["jobId"]).data
    assert failed["status"] == "failed" and "not a statement" in failed["errors"][0]["message"], failed
    assert failed["statementId"] is None and failed["processed"] == 0
    # And a resident may not ask for an upload
    resident = make_caller("resident", tenant_id=caller.tenant_id)
    assert call(FN, "POST", "/bank-statements/uploads", token=resident.token,
                body={"contentType": "text/csv"}).status == 403


def test_concurrent_import_of_the_same_lines_records_them_once(org, monkeypatch):
    # Given a statement imported once
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    content = camt([Entry([Tx("7.00", ref=apt.reference)], bank_ref="R1"),
                    Entry([Tx("8.00", ref=apt.reference)], bank_ref="R2")])
    assert imp(caller, content).data["matched"] == 2
    # When a second import of it reads before the first wrote (its look-ups see nothing stored yet)
    from urbaneta.store import statements as store

    monkeypatch.setattr(store, "existing_entries", lambda tenant_id, ids: {})
    monkeypatch.setattr(store, "existing_slots", lambda tenant_id, slots: {})
    again = imp(caller, content)
    # Then the conditional writes refuse both lines: duplicates, nothing paid twice
    assert again.status == 201, again
    assert (again.data["duplicates"], again.data["matched"]) == (2, 0), again.data
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 1500
