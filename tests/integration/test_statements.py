"""Bank statement import and reconciliation through the PaymentsFunction handler (against moto)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.payments_support.files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    Entry,
    Tx,
    camt,
    lhv_csv,
    seb_csv,
    swedbank_csv,
)
from tests.payments_support.org import credit_cents, invoice_state, new_apartment, new_building, new_invoice
from tests.support import call, count_calls, load_event

FN = "payments"
XML = {"content-type": "application/xml"}
CSV = {"content-type": "text/csv; charset=utf-8"}


def imp(caller: Any, content: bytes, headers: dict[str, str] | None = None) -> Any:
    return call(FN, "POST", "/bank-statements/import", token=caller.token, raw_body=content.decode("utf-8"),
                headers=headers or XML)


def statement(caller: Any, statement_id: str, **query: str) -> Any:
    res = call(FN, "GET", f"/bank-statements/{statement_id}", token=caller.token, query=query or None)
    assert res.status == 200, res
    return res.data


@pytest.fixture
def org(make_caller):
    caller = make_caller("manager")
    building = new_building(caller)
    apt = new_apartment(caller, building, "1")
    return caller, building, apt


def test_structured_reference_pays_the_invoice(org):
    # Given an apartment with one open invoice of 84.50
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 8450)
    # When a camt.053 with the apartment's reference in the structured field is imported
    res = imp(caller, camt([Entry([Tx("84.50", ref=apt.reference)])]))
    # Then the entry is matched with certainty and the invoice is paid
    assert res.status == 201, res
    assert res.data | {"id": None} == {"id": None, "format": "camt.053.001.02", "entries": 1, "matched": 1,
                                       "suggested": 0, "unmatched": 0, "ignored": 0, "reversed": 0,
                                       "duplicates": 0, "pending": 0, "entriesRead": 1, "unusableCount": 0,
                                       "skipped": 0, "unusable": [], "status": "completed", "jobId": None}
    assert invoice_state(caller, invoice["id"])["status"] == "paid"
    assert invoice_state(caller, invoice["id"])["balanceDueCents"] == 0
    data = statement(caller, res.data["id"])
    entry = data["entries"][0]
    assert entry["status"] == "matched" and entry["rule"] == "reference" and entry["confidence"] == "certain"
    assert entry["invoiceId"] is None or entry["invoiceId"] == invoice["id"]
    assert entry["apartmentId"] == apt.id and entry["paymentId"]
    # And the payment is listed for the invoice
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert listed.status == 200 and [p["amount"] for p in listed.data] == [84.5]
    assert listed.data[0]["method"] == "bank_statement"


def test_free_text_reference_and_rfb_both_match(org, make_caller):
    # Given two apartments with open invoices
    caller, building, apt = org
    apt2 = new_apartment(caller, building, "2")
    inv1 = new_invoice(caller, building, apt, 1000)
    inv2 = new_invoice(caller, building, apt2, 2000)
    # When one payment names its reference in free text, the other in the /RFB/ form Estonian banks use
    content = camt([
        Entry([Tx("10.00", texts=(f"Kommunaalid märts viitenumber {apt.reference}",))], bank_ref="R1"),
        Entry([Tx("20.00", name="JAAN TAMM", iban="EE471000001020145685",
                  texts=(f"/RFB/{apt2.reference}/TXT/märts",))], bank_ref="R2"),
    ], version="08")
    res = imp(caller, content)
    # Then both are matched: free text as likely, /RFB/ as certain
    assert res.status == 201 and res.data["matched"] == 2 and res.data["format"] == "camt.053.001.08"
    rules = {e["bankReference"]: (e["rule"], e["confidence"]) for e in statement(caller, res.data["id"])["entries"]}
    assert rules == {"R1": ("text_reference", "likely"), "R2": ("reference", "certain")}
    assert invoice_state(caller, inv1["id"])["status"] == "paid"
    assert invoice_state(caller, inv2["id"])["status"] == "paid"


def test_invoice_number_in_text_and_known_payer_iban(org):
    # Given two open invoices of one apartment, the later one named by number in the text
    caller, building, apt = org
    older = new_invoice(caller, building, apt, 1500)
    newer = new_invoice(caller, building, apt, 2500)
    content = camt([Entry([Tx("25.00", iban="EE111000001020145681", texts=(f"arve {newer['number']}",))],
                          bank_ref="N1")])
    # When it is imported
    res = imp(caller, content)
    # Then the named invoice is paid (not the oldest), and the older one is untouched
    assert res.data["matched"] == 1, res
    assert invoice_state(caller, newer["id"])["status"] == "paid"
    assert invoice_state(caller, older["id"])["amountPaidCents"] == 0
    # When the same payer later pays without any reference
    res2 = imp(caller, camt([Entry([Tx("15.00", iban="EE111000001020145681", texts=("raha",))], bank_ref="N2")]))
    # Then the payer's IBAN finds the apartment (likely) and the older invoice is paid
    assert res2.data["matched"] == 1, res2
    entry = statement(caller, res2.data["id"])["entries"][0]
    assert (entry["rule"], entry["confidence"]) == ("payer_iban", "likely")
    assert invoice_state(caller, older["id"])["status"] == "paid"


def test_batch_entry_makes_one_payment_per_transaction(org):
    # Given three apartments with open invoices
    caller, building, apt = org
    apts = [apt, new_apartment(caller, building, "2"), new_apartment(caller, building, "3")]
    invoices = [new_invoice(caller, building, a, 1000 * (i + 1)) for i, a in enumerate(apts)]
    # When one batched entry (sum in Ntry/Amt, one TxDtls each) arrives
    content = camt([Entry([Tx(f"{10 * (i + 1)}.00", ref=a.reference) for i, a in enumerate(apts)],
                          bank_ref="BATCH-1")])
    res = imp(caller, content)
    # Then three payments with their own amounts are recorded
    assert res.status == 201 and res.data["entries"] == 3 and res.data["matched"] == 3, res
    for inv in invoices:
        assert invoice_state(caller, inv["id"])["status"] == "paid"
    entries = statement(caller, res.data["id"])["entries"]
    assert [e["amount"] for e in entries] == [10.0, 20.0, 30.0]
    assert len({e["id"] for e in entries}) == 3


def test_duplicate_import_records_nothing_twice(org):
    # Given a statement that was imported once and paid part of an invoice
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    content = camt([Entry([Tx("40.00", ref=apt.reference)], bank_ref="D1"),
                    Entry([Tx("5.00", ref="99999999999")], bank_ref="D2"),
                    Entry([Tx("3.00", name=None, iban=None)], bank_ref=None),
                    Entry([Tx("3.00", name=None, iban=None)], bank_ref=None)])
    first = imp(caller, content)
    assert first.data["matched"] == 1 and first.data["unmatched"] == 3, first
    # When the same file is imported again
    again = imp(caller, content)
    # Then every line is a duplicate and the invoice is paid only once
    assert again.status == 201
    assert again.data["duplicates"] == 4 and again.data["matched"] == 0 and again.data["unmatched"] == 0
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 4000
    assert statement(caller, again.data["id"])["entries"] == []
    # And the two identical lines without a bank reference were both kept the first time
    assert len(statement(caller, first.data["id"])["entries"]) == 4
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert len(listed.data) == 1


def test_reversal_undoes_its_payment(org):
    # Given an invoice paid in full by a bank payment
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 8450)
    paid = imp(caller, camt([Entry([Tx("84.50", ref=apt.reference)], bank_ref="P1")]))
    assert paid.data["matched"] == 1 and invoice_state(caller, invoice["id"])["status"] == "paid"
    # When the bank reverses it (opposite direction, RvslInd)
    rev = imp(caller, camt([Entry([Tx("84.50", ref=apt.reference)], bank_ref="P1-R", direction="DBIT",
                                  reversal=True, day="2024-03-07")]))
    # Then the payment is undone and the invoice is open again
    assert rev.status == 201 and rev.data["reversed"] == 1, rev
    state = invoice_state(caller, invoice["id"])
    assert state["status"] == "sent" and state["balanceDueCents"] == 8450 and state["amountPaidCents"] == 0
    entry = statement(caller, rev.data["id"])["entries"][0]
    assert entry["status"] == "reversed" and entry["paymentId"]
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert [p["status"] for p in listed.data] == ["reversed"]


def test_partial_and_overpayment_leave_balance_and_credit(org):
    # Given two open invoices of one apartment (older 30.00, newer 50.00)
    caller, building, apt = org
    older = new_invoice(caller, building, apt, 3000)
    newer = new_invoice(caller, building, apt, 5000)
    # When 20.00 arrives with the apartment reference
    imp(caller, camt([Entry([Tx("20.00", ref=apt.reference)], bank_ref="A1")]))
    # Then it goes to the oldest due first and leaves a balance
    assert invoice_state(caller, older["id"]) | {"paidDate": None} == {
        "status": "sent", "amountPaidCents": 2000, "balanceDueCents": 1000, "paidDate": None}
    # When 100.00 arrives next
    imp(caller, camt([Entry([Tx("100.00", ref=apt.reference)], bank_ref="A2")]))
    # Then both invoices are paid and the rest (40.00) is the apartment's credit
    assert invoice_state(caller, older["id"])["status"] == "paid"
    assert invoice_state(caller, newer["id"])["status"] == "paid"
    assert credit_cents(caller, apt.id) == 4000


def test_debits_and_non_booked_entries_are_not_payments(org):
    # Given an open invoice
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 1000)
    # When a statement holds a debit, a pending (non-booked) credit and nothing else
    content = camt([Entry([Tx("10.00", ref=apt.reference)], bank_ref="X1", direction="DBIT"),
                    Entry([Tx("10.00", ref=apt.reference)], bank_ref="X2", status="PDNG")])
    res = imp(caller, content)
    # Then the debit is ignored, the pending entry skipped, and the invoice is still open
    assert res.data["entries"] == 1 and res.data["ignored"] == 1 and res.data["matched"] == 0, res
    assert invoice_state(caller, invoice["id"])["balanceDueCents"] == 1000


def test_camt054_notification(org):
    # Given an open invoice / When a camt.054 notification carries its payment
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 1234)
    res = imp(caller, camt([Entry([Tx("12.34", ref=apt.reference)], bank_ref="N054")], kind="054", version="08"))
    # Then it is read like a statement
    assert res.data["format"] == "camt.054.001.08" and res.data["matched"] == 1, res
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


@pytest.mark.parametrize("bank,builder,fmt", [
    ("swedbank", swedbank_csv, "csv.swedbank"), ("seb", seb_csv, "csv.seb"), ("lhv", lhv_csv, "csv.lhv")])
def test_bank_csv_exports(org, bank, builder, fmt):
    # Given two open invoices
    caller, building, apt = org
    apt2 = new_apartment(caller, building, "2")
    inv1 = new_invoice(caller, building, apt, 8450)
    inv2 = new_invoice(caller, building, apt2, 1999)
    # When the bank's CSV export holds their payments and a debit
    rows = [{"amount": "84.50", "ref": apt.reference, "id": f"{bank}-1"},
            {"amount": "19.99", "text": f"viitenumber {apt2.reference}", "id": f"{bank}-2"},
            {"amount": "7.00", "dc": "D", "id": f"{bank}-3", "text": "pangatasu"}]
    content = builder(rows)
    res = imp(caller, content, CSV)
    # Then the format is recognised, both invoices are paid and the debit ignored
    assert res.status == 201, res
    assert (res.data["format"], res.data["entries"], res.data["matched"], res.data["ignored"]) == (fmt, 3, 2, 1)
    assert invoice_state(caller, inv1["id"])["status"] == "paid"
    assert invoice_state(caller, inv2["id"])["status"] == "paid"
    # And importing it again records nothing twice
    again = imp(caller, content, CSV)
    assert again.data["duplicates"] == 3 and again.data["matched"] == 0


def _nothing_recorded(caller):
    listed = call(FN, "GET", "/payments", token=caller.token)
    return listed.status == 200 and listed.data == []


@pytest.mark.parametrize("name,content", [
    ("billion laughs", BILLION_LAUGHS), ("external entity", EXTERNAL_ENTITY),
    ("truncated", None), ("empty", b""), ("whitespace", b"   \n")])
def test_hostile_and_broken_files_are_refused_quickly(org, name, content):
    # Given an apartment with an open invoice
    caller, building, apt = org
    new_invoice(caller, building, apt, 1000)
    if content is None:
        whole = camt([Entry([Tx("10.00", ref=apt.reference)])])
        content = whole[: len(whole) * 2 // 3]
    # When the file is imported
    started = time.monotonic()
    res = imp(caller, content)
    elapsed = time.monotonic() - started
    # Then it is refused with a 4xx, nothing is recorded, and it took well under a second
    assert 400 <= res.status < 500, res
    assert res.error["code"] == "VALIDATION_FAILED"
    assert elapsed < 1.0, f"{name} took {elapsed:.2f}s"
    assert _nothing_recorded(caller)


def test_garbage_csv_and_unknown_content_type_are_refused(org):
    caller, _building, _apt = org
    # Given a CSV that is not a bank export / When imported / Then 422
    res = imp(caller, b"a;b;c\n1;2;3\n", CSV)
    assert res.status == 422 and res.error["errors"][0]["field"] == "file"
    # Given a PDF body / When imported / Then 415
    res = imp(caller, b'%PDF-1.4 not a statement', {"content-type": "application/pdf"})
    assert res.status == 415
    # Given a JSON body that names no upload / When imported / Then 422 on uploadKey
    res = imp(caller, b'{"not": "a statement"}', {"content-type": "application/json"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "uploadKey"
    assert _nothing_recorded(caller)


def test_statement_over_five_megabytes_is_413(org):
    # Given a file just over 5 MB (under the function's body limit, so the service judges it)
    caller, _building, _apt = org
    content = b"<Document>" + b" " * (5 * 1024 * 1024) + b"</Document>"
    # When it is imported / Then 413 and nothing is recorded
    res = imp(caller, content)
    assert res.status == 413, res
    assert _nothing_recorded(caller)


def test_suggestion_then_manual_match(org):
    # Given an invoice of 61.20 for Mari Maasikas
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 6120, owner="Mari Maasikas")
    other = new_invoice(caller, building, new_apartment(caller, building, "9"), 999)
    # When a payment of that amount arrives without reference from "MAASIKAS MARI" (unknown IBAN)
    res = imp(caller, camt([Entry([Tx("61.20", name="MAASIKAS MARI", iban="EE991000001020145600",
                                      texts=("kommunaalid",))], bank_ref="S1")]))
    # Then it is only a suggestion: nothing is paid yet
    assert res.data["suggested"] == 1 and res.data["matched"] == 0, res
    entry = statement(caller, res.data["id"])["entries"][0]
    assert (entry["status"], entry["rule"], entry["invoiceId"]) == ("suggested", "amount_and_name", invoice["id"])
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # When the manager confirms it by matching the entry by hand
    path = f"/bank-statements/{res.data['id']}/entries/{entry['id']}/match"
    done = call(FN, "POST", path, token=caller.token, body={"invoiceId": invoice["id"]})
    # Then the invoice is paid, and a second match is a conflict
    assert done.status == 200 and done.data["status"] == "matched" and done.data["rule"] == "manual", done
    assert invoice_state(caller, invoice["id"])["status"] == "paid"
    again = call(FN, "POST", path, token=caller.token, body={"invoiceId": other["id"]})
    assert again.status == 409
    assert invoice_state(caller, other["id"])["amountPaidCents"] == 0


def test_manual_match_of_unmatched_entry_and_errors(org, make_caller):
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 500)
    res = imp(caller, camt([Entry([Tx("5.00", name="Keegi", texts=("raha",))], bank_ref="U1"),
                            Entry([Tx("1.00")], bank_ref="U2", direction="DBIT")]))
    entries = statement(caller, res.data["id"])["entries"]
    unmatched = next(e for e in entries if e["status"] == "unmatched")
    debit = next(e for e in entries if e["status"] == "ignored")
    base = f"/bank-statements/{res.data['id']}/entries"
    # Given an unknown invoice / When matched / Then 404
    assert call(FN, "POST", f"{base}/{unmatched['id']}/match", token=caller.token,
                body={"invoiceId": "nope"}).status == 404
    # Given a debit entry / When matched / Then 409
    assert call(FN, "POST", f"{base}/{debit['id']}/match", token=caller.token,
                body={"invoiceId": invoice["id"]}).status == 409
    # Given an unknown field / Then 422
    assert call(FN, "POST", f"{base}/{unmatched['id']}/match", token=caller.token,
                body={"invoiceId": invoice["id"], "amount": 5}).status == 422
    # Given another tenant's manager / When matching or reading this statement / Then 404 and nothing changes
    stranger = make_caller("manager")
    assert call(FN, "POST", f"{base}/{unmatched['id']}/match", token=stranger.token,
                body={"invoiceId": invoice["id"]}).status == 404
    assert call(FN, "GET", f"/bank-statements/{res.data['id']}", token=stranger.token).status == 404
    # Given an entry of another statement under this statement's path / Then 404
    other = imp(caller, camt([Entry([Tx("2.00", name="Keegi", texts=("x",))], bank_ref="U3")]))
    other_entry = statement(caller, other.data["id"])["entries"][0]
    assert call(FN, "POST", f"{base}/{other_entry['id']}/match", token=caller.token,
                body={"invoiceId": invoice["id"]}).status == 404
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # When the manager matches the unmatched entry / Then the invoice is paid
    ok = call(FN, "POST", f"{base}/{unmatched['id']}/match", token=caller.token, body={"invoiceId": invoice["id"]})
    assert ok.status == 200 and invoice_state(caller, invoice["id"])["status"] == "paid"


def test_roles_and_auth_on_statement_routes(org, make_caller):
    caller, _building, apt = org
    content = camt([Entry([Tx("1.00", ref=apt.reference)])])
    # Given no token / Then 401
    assert call(FN, "POST", "/bank-statements/import", raw_body=content.decode(), headers=XML).status == 401
    # Given a resident / Then 403 on import and reads
    resident = make_caller("resident", tenant_id=caller.tenant_id, apartment_ids=(apt.id,))
    assert imp(resident, content).status == 403
    assert call(FN, "GET", "/bank-statements/whatever", token=resident.token).status == 403
    # Given an owner / Then import works
    owner = make_caller("owner", tenant_id=caller.tenant_id)
    assert imp(owner, content).status == 201


def test_entries_are_paged_with_a_tamper_proof_cursor(org, make_caller):
    # Given a statement of five lines
    caller, _building, _apt = org
    res = imp(caller, camt([Entry([Tx(f"{i}.00", name="X", texts=("y",))], bank_ref=f"PG{i}") for i in range(1, 6)]))
    # When it is read two at a time
    first = call(FN, "GET", f"/bank-statements/{res.data['id']}", token=caller.token, query={"limit": "2"})
    cursor = first.data["nextCursor"]
    second = statement(caller, res.data["id"], limit="2", cursor=cursor)
    # Then the pages follow the file order
    assert [e["amount"] for e in first.data["entries"]] == [1.0, 2.0]
    assert [e["amount"] for e in second["entries"]] == [3.0, 4.0]
    # And the cursor is refused for another statement or tenant
    other = imp(caller, camt([Entry([Tx("9.00", name="X", texts=("y",))], bank_ref="PGX")]))
    assert call(FN, "GET", f"/bank-statements/{other.data['id']}", token=caller.token,
                query={"cursor": cursor}).status == 400


def test_import_uses_batched_calls(org):
    # Given 60 apartments' worth of payments with unknown references (lookups only, no invoices)
    caller, _building, _apt = org
    content = camt([Entry([Tx("1.00", ref="20240001234", name=f"P{i}", iban=f"EE0010000010201456{i:02d}")],
                          bank_ref=f"C{i}") for i in range(60)])
    # When imported
    with count_calls("dynamodb") as counter:
        res = imp(caller, content)
    # Then identities, references and payers are looked up in batches and entries (with their fallback slots:
    # the primary key, the payer's IBAN, its national account number and name) written conditionally, 100
    # operations per transaction (20 such lines)
    assert res.data["entries"] == 60
    assert counter.count("GetItem") <= 3
    assert counter.count("TransactWriteItems") == 3 and counter.count("BatchWriteItem") == 0
    assert counter.count("BatchGetItem") <= 5  # identities; 240 slots (3); references and payers


def test_statement_file_is_kept_in_documents_bucket(org, aws):
    import boto3

    caller, _building, apt = org
    content = camt([Entry([Tx("1.00", ref=apt.reference)])])
    res = imp(caller, content)
    key = f"tenants/{caller.tenant_id}/statements/{res.data['id']}.xml"
    body = boto3.client("s3").get_object(Bucket=aws["DOCUMENTS_BUCKET"], Key=key)["Body"].read()
    assert body == content


def test_sample_event_routes_to_import(aws):
    event = load_event("api/payments/import-statement")
    assert event["rawPath"] == "/api/bank-statements/import"


def test_foreign_currency_line_is_left_for_a_person(org):
    # Given an open invoice in euros / When a USD line names its reference
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 1000)
    content = camt([Entry([Tx("10.00", ref=apt.reference)], bank_ref="FX1")]).replace(b'Ccy="EUR"', b'Ccy="USD"')
    res = imp(caller, content)
    # Then it is not paid automatically
    assert res.data["unmatched"] == 1 and res.data["matched"] == 0, res
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # And matching it by hand to a euro invoice is refused
    entry = statement(caller, res.data["id"])["entries"][0]
    done = call(FN, "POST", f"/bank-statements/{res.data['id']}/entries/{entry['id']}/match", token=caller.token,
                body={"invoiceId": invoice["id"]})
    assert done.status == 409


def test_generated_invoices_paid_by_statement_and_manual_payment(make_caller):
    # Given invoices made by bulk generation (generate-bulk → queue → worker), all through the public API
    from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment, new_building, new_charge

    caller = make_caller("manager")
    building = new_building(caller)
    for number in ("1", "2", "3"):
        new_apartment(caller, building["id"], number, ownerName=f"Resident {number}")
    new_charge(caller, building["id"], "Haldustasu", "per_apartment", 84.5)
    assert generate(caller, building["id"])["created"] == 3
    invoices = sorted(invoices_of(caller, buildingId=building["id"]), key=lambda i: i["number"])
    # When a statement pays the first two in full (by reference, by invoice number) and the third in part
    content = camt([
        Entry([Tx("84.50", ref=invoices[0]["referenceNumber"])], bank_ref="G1"),
        Entry([Tx("84.50", texts=(f"Arve nr {invoices[1]['number']}",), name="X")], bank_ref="G2"),
        Entry([Tx("50.00", texts=(f"viide {invoices[2]['referenceNumber']}",), name="Y")], bank_ref="G3"),
    ])
    res = imp(caller, content)
    assert res.data["matched"] == 3, res
    # And the manager records the rest of the third by hand
    assert call(FN, "POST", "/payments", token=caller.token, body={
        "invoiceId": invoices[2]["id"], "amount": 34.5, "paidDate": "2025-02-10", "method": "cash"}).status == 201
    # Then the invoices API shows all three paid
    after = {i["id"]: i for i in invoices_of(caller, buildingId=building["id"])}
    assert [(after[i["id"]]["status"], after[i["id"]]["balanceDue"]) for i in invoices] == [("paid", 0)] * 3


def test_same_bank_reference_twice_in_one_file_is_recorded_once(org):
    # Given a file that repeats an entry (same bank reference) / When imported
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 5000)
    res = imp(caller, camt([Entry([Tx("10.00", ref=apt.reference)], bank_ref="SAME"),
                            Entry([Tx("10.00", ref=apt.reference)], bank_ref="SAME")]))
    # Then the second is a duplicate and the invoice is paid once
    assert (res.data["matched"], res.data["duplicates"]) == (1, 1), res
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 1000
