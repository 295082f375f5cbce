"""Invoices after generation, through the InvoicesFunction and the workers (against moto): reading and listing with
tenancy and residents, the life cycle (PATCH, sending, the overdue sweep, credit notes), PDFs and e-mail."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    new_apartment,
    new_building,
    new_charge,
    run_sending,
    sent_mail,
)
from tests.integration.invoicing_helpers import (
    load_event_sweep as sweep,
)
from tests.support import call

BALTIC_NAME = "Jūratė Šeškauskienė-Ņikitina õäöü ąčęėįųūēīķļ"


@pytest.fixture
def billed(make_caller) -> dict[str, Any]:
    """A manager's building with two apartments billed for January 2025 (draft invoices)."""
    mgr = make_caller("manager")
    b = new_building(mgr, vatRate=22)
    a1 = new_apartment(mgr, b["id"], "1", 52.5, ownerName=BALTIC_NAME, email="jurate@example.com")
    a2 = new_apartment(mgr, b["id"], "2", 47.5, ownerName="Õie Ärm", email="oie@example.com")
    new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    new_charge(mgr, b["id"], "Küte", "shared_by_area", 120)
    generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    invoices = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    return {"mgr": mgr, "building": b, "apartments": [a1, a2], "invoices": [invoices[a1["id"]], invoices[a2["id"]]]}


def patch(caller, invoice_id: str, body: dict[str, Any]):
    return call("invoices", "PATCH", f"/invoices/{invoice_id}", token=caller.token, body=body)


# ---- reading -------------------------------------------------------------------------------------------------


def test_get_invoice_has_the_contract_fields(billed):
    # Given a generated invoice / When it is read
    mgr, inv = billed["mgr"], billed["invoices"][0]
    res = call("invoices", "GET", f"/invoices/{inv['id']}", token=mgr.token)
    # Then it carries every field of API.md
    assert res.status == 200
    expected = {"id", "number", "referenceNumber", "buildingId", "apartmentId", "periodStart", "periodEnd", "issueDate",
                "dueDate", "status", "currency", "lines", "subtotal", "vatTotal", "total", "amountPaid", "balanceDue",
                "paidDate", "recipient"}
    assert expected <= set(res.data)
    assert set(res.data["lines"][0]) == {"description", "quantity", "unit", "unitPrice", "amount", "vatRate",
                                         "vatAmount", "previousReading", "currentReading"}  # readings: metered lines
    assert res.data["lines"][0]["previousReading"] is None
    assert res.data["currency"] == "EUR" and res.data["recipient"]["name"] == BALTIC_NAME


def test_other_tenants_get_404_on_every_route_and_nothing_changes(billed, make_caller):
    # Given another organisation's manager
    inv = billed["invoices"][0]
    other = make_caller("manager")
    # When they try every invoice route with this tenant's ids
    for method, path, body in (("GET", f"/invoices/{inv['id']}", None), ("GET", f"/invoices/{inv['id']}/pdf", None),
                               ("PATCH", f"/invoices/{inv['id']}", {"status": "sent"}),
                               ("POST", f"/invoices/{inv['id']}/credit-note", None)):
        res = call("invoices", method, path, token=other.token, body=body)
        # Then each is 404
        assert res.status == 404, (method, path, res)
    assert invoices_of(other) == []
    assert invoices_of(other, buildingId=billed["building"]["id"]) == []
    # and the invoice is untouched
    again = call("invoices", "GET", f"/invoices/{inv['id']}", token=billed["mgr"].token).data
    assert again["status"] == "draft" and again["updatedAt"] == inv["updatedAt"]


def test_residents_see_only_their_sent_invoices(billed, make_caller):
    # Given a resident of apartment 1, and invoice 1 sent
    mgr, (a1, a2), (i1, i2) = billed["mgr"], billed["apartments"], billed["invoices"]
    resident = make_caller("resident", mgr.tenant_id, apartment_ids=(a1["id"],))
    # While the invoice is a draft the resident does not see it
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=resident.token).status == 404
    assert invoices_of(resident) == []
    assert patch(mgr, i1["id"], {"status": "sent"}).status == 200
    # Then the resident reads their invoice, its PDF, and lists it; the neighbour's invoice is 404
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=resident.token).status == 200
    assert call("invoices", "GET", f"/invoices/{i1['id']}/pdf", token=resident.token).status == 200
    assert [i["id"] for i in invoices_of(resident)] == [i1["id"]]
    assert call("invoices", "GET", f"/invoices/{i2['id']}", token=resident.token).status == 404
    res = call("invoices", "GET", "/invoices", token=resident.token, query={"apartmentId": a2["id"]})
    assert res.status == 404
    # and may not change anything
    assert patch(resident, i1["id"], {"status": "paid"}).status == 403
    assert call("invoices", "POST", f"/invoices/{i1['id']}/credit-note", token=resident.token).status == 403
    assert call("invoices", "POST", "/invoices/send-bulk", token=resident.token,
                body={"invoiceIds": [i1["id"]]}).status == 403


def test_list_filters_by_apartment_status_and_issue_dates_with_a_bound_cursor(billed):
    mgr, (a1, _a2), (i1, i2) = billed["mgr"], billed["apartments"], billed["invoices"]
    b = billed["building"]["id"]
    patch(mgr, i2["id"], {"status": "sent"})
    # apartment
    assert [i["id"] for i in invoices_of(mgr, apartmentId=a1["id"])] == [i1["id"]]
    # status
    assert [i["id"] for i in invoices_of(mgr, buildingId=b, status="sent")] == [i2["id"]]
    # issue-date range (inclusive), with and without a building or an apartment
    assert len(invoices_of(mgr, buildingId=b, **{"from": "2025-02-01", "to": "2025-02-01"})) == 2
    assert invoices_of(mgr, buildingId=b, **{"from": "2025-02-02"}) == []
    assert invoices_of(mgr, apartmentId=a1["id"], to="2025-01-31") == []
    assert len(invoices_of(mgr, **{"from": "2025-01-01", "to": "2025-12-31"})) == 2
    # pagination: a page of one, then the next with the cursor; the cursor is refused for another query
    first = call("invoices", "GET", "/invoices", token=mgr.token, query={"buildingId": b, "limit": "1"})
    assert first.status == 200 and len(first.data) == 1 and first.json["nextCursor"]
    second = call("invoices", "GET", "/invoices", token=mgr.token,
                  query={"buildingId": b, "limit": "1", "cursor": first.json["nextCursor"]})
    assert second.status == 200 and second.data[0]["id"] != first.data[0]["id"]
    wrong = call("invoices", "GET", "/invoices", token=mgr.token,
                 query={"status": "sent", "limit": "1", "cursor": first.json["nextCursor"]})
    assert wrong.status == 400
    # bad filters are 422
    for query in ({"status": "late"}, {"from": "2025-13-01"}, {"from": "2025-02-02", "to": "2025-02-01"},
                  {"limit": "0"}):
        assert call("invoices", "GET", "/invoices", token=mgr.token, query=query).status == 422, query


# ---- life cycle ----------------------------------------------------------------------------------------------


def test_manual_transitions_allowed(billed):
    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    # draft → sent
    res = patch(mgr, i1["id"], {"status": "sent"})
    assert res.status == 200 and res.data["status"] == "sent"
    # sent → paid (by hand, with its date and a reference)
    res = patch(mgr, i1["id"], {"status": "paid", "paidDate": "2025-02-10", "reference": "cash 12"})
    assert res.status == 200
    assert (res.data["status"], res.data["paidDate"], res.data["balanceDue"], res.data["amountPaid"]) == (
        "paid", "2025-02-10", 0, i1["total"])
    assert res.data["reference"] == "cash 12"


def test_overdue_then_paid(billed):
    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    patch(mgr, i1["id"], {"status": "sent"})
    # sent → overdue by the sweep, then overdue → paid by hand
    assert sweep("2025-02-16T01:00:00Z")["sweepSlicesQueued"] == 8
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=mgr.token).data["status"] == "overdue"
    res = patch(mgr, i1["id"], {"status": "paid"})
    assert res.status == 200 and res.data["status"] == "paid"


def test_transitions_refused_with_409(billed):
    mgr, (i1, i2) = billed["mgr"], billed["invoices"]

    def refused(inv_id: str, target: str) -> None:
        before = call("invoices", "GET", f"/invoices/{inv_id}", token=mgr.token).data
        # When a transition the life cycle does not allow (by hand) is asked for
        res = patch(mgr, inv_id, {"status": target})
        # Then 409 and nothing changed
        assert res.status == 409, (before["status"], target, res)
        assert call("invoices", "GET", f"/invoices/{inv_id}", token=mgr.token).data == before

    # Given a draft: it cannot become paid, overdue or cancelled by hand
    for target in ("paid", "overdue", "cancelled"):
        refused(i1["id"], target)
    # Given a sent invoice: not back to draft, not overdue or cancelled by hand
    patch(mgr, i2["id"], {"status": "sent"})
    for target in ("draft", "overdue", "cancelled"):
        refused(i2["id"], target)
    # Given a paid invoice: not back to sent, draft or overdue by hand
    patch(mgr, i2["id"], {"status": "paid"})
    for target in ("sent", "draft", "overdue"):
        refused(i2["id"], target)


def test_cancelled_invoice_is_never_changed(billed):
    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    assert call("invoices", "POST", f"/invoices/{i1['id']}/credit-note", token=mgr.token).status == 201
    for body in ({"status": "sent"}, {"status": "paid"}, {"reference": "x"}):
        assert patch(mgr, i1["id"], body).status == 409
    assert call("invoices", "POST", f"/invoices/{i1['id']}/credit-note", token=mgr.token).status == 409


def test_patch_refuses_bad_bodies(billed):
    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    assert patch(mgr, i1["id"], {}).status == 422
    assert patch(mgr, i1["id"], {"status": "late"}).status == 422
    assert patch(mgr, i1["id"], {"total": 1}).status == 422
    assert patch(mgr, i1["id"], {"paidDate": "2025-02-10"}).status == 422  # not paid
    assert call("invoices", "PATCH", f"/invoices/{i1['id']}", body={"status": "sent"}).status == 401
    assert call("invoices", "GET", "/invoices/nope", token=mgr.token).status == 404


def test_credit_note_cancels_and_regeneration_replaces(billed):
    mgr, (a1, _a2), (i1, _i2) = billed["mgr"], billed["apartments"], billed["invoices"]
    b = billed["building"]["id"]
    # When the first invoice is credited
    res = call("invoices", "POST", f"/invoices/{i1['id']}/credit-note", token=mgr.token)
    # Then the credit note has negated amounts, its own next number, and points to the original
    assert res.status == 201
    note = res.data
    assert note["creditNoteOf"] == i1["id"] and note["total"] == -i1["total"]
    assert [ln["amount"] for ln in note["lines"]] == [-ln["amount"] for ln in i1["lines"]]
    prefix = i1["number"].rsplit("-", 1)[0]
    assert note["number"] == f"{prefix}-000003" and note["balanceDue"] == 0
    original = call("invoices", "GET", f"/invoices/{i1['id']}", token=mgr.token).data
    assert original["status"] == "cancelled" and original["cancelledBy"] == note["id"]
    # When January is generated again, a replacement invoice is created for that apartment only
    job = generate(mgr, b, issueDate="2025-02-03")
    assert (job["created"], job["skipped"]) == (1, 1)
    mine = [i for i in invoices_of(mgr, apartmentId=a1["id"]) if not i.get("creditNoteOf")]
    live = [i for i in mine if i["status"] != "cancelled"]
    assert len(live) == 1 and live[0]["number"] == f"{prefix}-000004" and live[0]["id"] != i1["id"]


def test_credit_note_refused_when_paid(billed):
    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    patch(mgr, i1["id"], {"status": "sent"})
    patch(mgr, i1["id"], {"status": "paid"})
    assert call("invoices", "POST", f"/invoices/{i1['id']}/credit-note", token=mgr.token).status == 409


# ---- overdue sweep -------------------------------------------------------------------------------------------


def test_sweep_marks_past_due_sent_invoices_overdue_once(billed, aws, monkeypatch):
    from urbaneta.services.invoicing import sweep as sweeping

    # Given two sent invoices due 2025-02-15, one of them paid (and the sweep's events kept here: other tests'
    # organisations share the table, so only this one's are counted)
    mgr, (i1, i2) = billed["mgr"], billed["invoices"]
    for inv in (i1, i2):
        patch(mgr, inv["id"], {"status": "sent"})
    patch(mgr, i2["id"], {"status": "paid"})
    published: list = []
    monkeypatch.setattr(sweeping, "publish", lambda events: published.extend(events) or 0)
    # When the sweep runs on the due date: nothing is overdue yet
    sweep("2025-02-15T01:00:00Z")
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=mgr.token).data["status"] == "sent"
    # When it runs the day after (judged by the event's time, not the clock), twice
    sweep("2025-02-16T01:00:00Z")
    sweep("2025-02-17T01:00:00Z")
    # Then the unpaid one is overdue, once (one event), the paid one stays paid
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=mgr.token).data["status"] == "overdue"
    assert call("invoices", "GET", f"/invoices/{i2['id']}", token=mgr.token).data["status"] == "paid"
    mine = [e for e in published if e.tenantId == mgr.tenant_id]
    assert [(e.event, e.data["invoiceId"]) for e in mine] == [("invoice.overdue", i1["id"])]


# ---- PDF and sending -----------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_prints_baltic_name_number_and_reference(billed, aws):
    mgr, (a1, _a2), (i1, _i2) = billed["mgr"], billed["apartments"], billed["invoices"]
    # When the PDF is asked for (twice)
    res = call("invoices", "GET", f"/invoices/{i1['id']}/pdf", token=mgr.token)
    # Then it is an A4 PDF whose text holds the resident's Baltic name, the invoice number and the reference
    assert res.status == 200 and res.headers["content-type"] == "application/pdf"
    assert res.content.startswith(b"%PDF")
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(res.content)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = _pdf_text(res.content)
    assert BALTIC_NAME in text and i1["number"] in text and a1["referenceNumber"] in text
    assert "2/15/2025" in text and "KÜ Õunapuu 5" in text and "EE061010220000000016" in text
    # and it was rendered once: the second answer is the stored object
    from tests.support import count_calls

    with count_calls("s3") as s3:
        again = call("invoices", "GET", f"/invoices/{i1['id']}/pdf", token=mgr.token)
    assert again.content == res.content and s3.count("PutObject") == 0 and s3.count("GetObject") == 1


def test_send_bulk_mails_each_resident_with_the_pdf_and_marks_sent(billed, aws):
    mgr, (i1, i2) = billed["mgr"], billed["invoices"]
    before = len(sent_mail())
    # When the building's invoices are sent
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token,
               body={"buildingId": billed["building"]["id"]})
    assert res.status == 202
    assert not run_sending()
    # Then the job is complete, each recipient got one e-mail with the PDF, and both invoices are sent
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["total"], job["created"], job["failed"]) == ("completed", 2, 2, 0)
    mails = sent_mail()[before:]
    assert sorted(m["to"][0] for m in mails) == ["jurate@example.com", "oie@example.com"]
    for mail in mails:
        (name, ctype, content), = mail["attachments"]
        assert ctype == "application/pdf" and name.endswith(".pdf") and content.startswith(b"%PDF")
    jurate = next(m for m in mails if m["to"] == ["jurate@example.com"])
    assert i1["number"] in _pdf_text(jurate["attachments"][0][2])
    for inv in (i1, i2):
        assert call("invoices", "GET", f"/invoices/{inv['id']}", token=mgr.token).data["status"] == "sent"
    # When sent again, nothing is mailed twice
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"invoiceIds": [i1["id"]]})
    assert not run_sending()
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["skipped"], job["created"]) == (1, 0) and len(sent_mail()) == before + 2


def test_a_sending_chunk_late_in_a_batch_is_queued_again_and_mails_nothing_until_it_runs(billed, aws):
    import json

    from tests.integration.invoicing_helpers import receive_all
    from urbaneta.services.invoicing import sending

    mgr = billed["mgr"]
    before = len(sent_mail())
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token,
               body={"buildingId": billed["building"]["id"]})
    (plan,) = receive_all("INVOICE_SENDING_QUEUE_URL")
    sending.handle_sending_message(json.loads(plan["Body"]))
    (chunk,) = receive_all("INVOICE_SENDING_QUEUE_URL")
    # When the chunk comes with less time left than it needs
    sending.handle_sending_message(json.loads(chunk["Body"]), lambda: sending.CHUNK_TIME_MS - 1)
    # Then nothing is mailed or changed, and the same message is queued again
    assert len(sent_mail()) == before
    assert {i["status"] for i in invoices_of(mgr, buildingId=billed["building"]["id"])} == {"draft"}
    (again,) = receive_all("INVOICE_SENDING_QUEUE_URL")
    assert json.loads(again["Body"]) == json.loads(chunk["Body"])
    # When it runs with time enough, both are mailed once and the job completes
    sending.handle_sending_message(json.loads(again["Body"]), lambda: sending.CHUNK_TIME_MS)
    assert len(sent_mail()) == before + 2
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["created"]) == ("completed", 2)


def test_failed_email_leaves_the_invoice_as_it_was_and_is_reported(billed, aws, monkeypatch):
    mgr, (i1, i2) = billed["mgr"], billed["invoices"]
    from urbaneta.adapters import mail

    real = mail.send_email

    def flaky(to, subject, text, **kw):
        if to == ["oie@example.com"]:
            raise RuntimeError("MessageRejected")
        return real(to, subject, text, **kw)

    monkeypatch.setattr(mail, "send_email", flaky)
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token,
               body={"invoiceIds": [i1["id"], i2["id"], "00000000-0000-0000-0000-000000000000"]})
    assert not run_sending()
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["created"], job["failed"]) == ("completed", 1, 2)
    assert {e.get("invoiceId") for e in job["errors"]} == {i2["id"], "00000000-0000-0000-0000-000000000000"}
    assert call("invoices", "GET", f"/invoices/{i2['id']}", token=mgr.token).data["status"] == "draft"
    assert call("invoices", "GET", f"/invoices/{i1['id']}", token=mgr.token).data["status"] == "sent"


def test_send_bulk_refuses_bad_input(billed, make_caller):
    mgr = billed["mgr"]
    assert call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={}).status == 422
    other = make_caller("manager")
    assert call("invoices", "POST", "/invoices/send-bulk", token=other.token,
                body={"buildingId": billed["building"]["id"]}).status == 404
    assert call("invoices", "POST", "/invoices/send-bulk", body={"buildingId": "x"}).status == 401


# ---- the payments interface ----------------------------------------------------------------------------------


def test_payment_update_op_settles_leaves_the_watch_and_reverses(billed, aws):
    from datetime import date

    from urbaneta.domain import invoice_state
    from urbaneta.store import invoices as store
    from urbaneta.store import keys
    from urbaneta.store.table import ConditionFailed, get
    from urbaneta.store.transactions import transact

    def payment_update_op(invoice, delta_cents, paid_date):
        return store.transition_op(invoice, invoice_state.after_payment(invoice, delta_cents, paid_date))

    mgr, (i1, _i2) = billed["mgr"], billed["invoices"]
    patch(mgr, i1["id"], {"status": "sent"})
    inv = store.get_invoice(mgr.tenant_id, i1["id"])
    total = inv.total_cents
    # Given a sent invoice in the overdue watch; When a partial payment is applied
    assert not invoice_state.payment_settles(inv, total - 100)
    transact([payment_update_op(inv, total - 100, date(2025, 2, 10))])
    part = store.get_invoice(mgr.tenant_id, inv.id)
    # Then it stays sent with the balance left, still watched
    assert (part.status, part.amount_paid_cents, part.balance_due_cents) == ("sent", total - 100, 100)
    assert "GSI5PK" in get(keys.invoice(mgr.tenant_id, inv.id))
    # When a stale copy is used, the version check refuses it
    with pytest.raises(ConditionFailed):
        transact([payment_update_op(inv, 100, date(2025, 2, 11))])
    # When the rest is paid, the op settles it and it leaves the watch
    assert invoice_state.payment_settles(part, 100)
    transact([payment_update_op(part, 100, date(2025, 2, 11))])
    paid = store.get_invoice(mgr.tenant_id, inv.id)
    assert (paid.status, paid.balance_due_cents, paid.paid_date) == ("paid", 0, date(2025, 2, 11))
    assert "GSI5PK" not in get(keys.invoice(mgr.tenant_id, inv.id))
    assert sweep("2025-03-01T01:00:00Z") is not None
    assert store.get_invoice(mgr.tenant_id, inv.id).status == "paid"
    # When the payment is reversed, it is sent again, back in the watch, and the sweep finds it
    transact([payment_update_op(paid, -100, None)])
    back = store.get_invoice(mgr.tenant_id, inv.id)
    assert (back.status, back.balance_due_cents, back.paid_date) == ("sent", 100, None)
    sweep("2025-03-01T01:00:00Z")
    assert store.get_invoice(mgr.tenant_id, inv.id).status == "overdue"
    # and the open invoices of the apartment (for payments) list it
    assert [i.id for i in store.list_open_invoices_for_apartment(mgr.tenant_id, inv.apartment_id)] == [inv.id]
    assert store.find_invoice_by_number(mgr.tenant_id, inv.number).id == inv.id
    assert store.has_invoices_for_apartment(mgr.tenant_id, inv.apartment_id)
    assert store.has_invoices_for_building(mgr.tenant_id, inv.building_id)
