"""Bulk generation through the InvoicesFunction and the generation worker (against moto): lines, rounding, the
exact split, VAT, regeneration, numbering, metered charges, job progress, tenancy."""

from __future__ import annotations

import contextlib
import json
import threading
from decimal import Decimal

from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    new_apartment,
    new_building,
    new_charge,
    run_generation,
)
from tests.support import call, count_calls, unique
from urbaneta.models.messages import GenerationChunk


def test_generation_bills_every_apartment_with_exact_lines_and_totals(make_caller):
    # Given a building (VAT 22 %) with three apartments and one charge of each non-metered type
    mgr = make_caller("manager")
    b = new_building(mgr, vatRate=22, invoicePrefix="KU")
    apts = [new_apartment(mgr, b["id"], n, area, residentsCount=rc, ownerName=name, email=f"{n}@example.com")
            for n, area, rc, name in (("1", 33.3, 2, "Jūratė Šeškauskienė"), ("2", 33.3, 1, "Õie Ärm"),
                                      ("10", 33.4, 0, "Ņina Ķirse"))]
    new_charge(mgr, b["id"], "Haldus", "per_area", 0.4515)  # 33.3 x 0.4515 = 15.03495 -> 15.03
    new_charge(mgr, b["id"], "Prügivedu", "per_resident", 2.125)  # 2 x 2.125 = 4.25; 1 x -> 2.125 -> 2.13
    new_charge(mgr, b["id"], "Remondifond", "per_apartment", 10, vatRate=0)
    new_charge(mgr, b["id"], "Küte", "shared_by_area", 100.00)

    # When the manager generates January's invoices and the worker runs
    job = generate(mgr, b["id"], issueDate="2025-02-01")

    # Then the job is complete with one invoice per apartment
    assert job["status"] == "completed"
    assert (job["total"], job["processed"], job["created"], job["skipped"], job["failed"]) == (3, 3, 3, 0, 0)
    got = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    assert set(got) == {a["id"] for a in apts}
    first = got[apts[0]["id"]]
    lines = {ln["description"]: ln for ln in first["lines"]}
    # half-up per line, VAT per line half-up
    assert lines["Haldus"]["amount"] == 15.03 and lines["Haldus"]["vatAmount"] == 3.31  # 3.3066 -> 3.31
    assert lines["Prügivedu"]["amount"] == 4.25 and lines["Prügivedu"]["vatAmount"] == 0.94  # 0.935 -> 0.94
    second = {ln["description"]: ln for ln in got[apts[1]["id"]]["lines"]}
    assert second["Prügivedu"]["amount"] == 2.13  # 2.125 -> 2.13 (half-up at the half cent)
    assert lines["Remondifond"]["vatAmount"] == 0 and lines["Remondifond"]["vatRate"] == 0
    # the shared charge adds up to the building total exactly: 33.3/33.3/33.4 of 100.00 -> 33.30/33.30/33.40
    shared = [ln["amount"] for i in got.values() for ln in i["lines"] if ln["description"] == "Küte"]
    assert sum(Decimal(str(x)) for x in shared) == Decimal("100.00")
    # totals are sums of rounded lines
    for inv in got.values():
        sub = sum(Decimal(str(ln["amount"])) for ln in inv["lines"])
        vat = sum(Decimal(str(ln["vatAmount"])) for ln in inv["lines"])
        assert Decimal(str(inv["subtotal"])) == sub and Decimal(str(inv["vatTotal"])) == vat
        assert Decimal(str(inv["total"])) == sub + vat == Decimal(str(inv["balanceDue"]))
        assert inv["status"] == "draft" and inv["amountPaid"] == 0
        assert inv["issueDate"] == "2025-02-01" and inv["dueDate"] == "2025-02-15"
    # each invoice carries its apartment's reference number and its recipient
    for a in apts:
        assert got[a["id"]]["referenceNumber"] == a["referenceNumber"]
        assert got[a["id"]]["recipient"] == {"name": a["ownerName"], "email": a["email"]}
    # numbers: the prefix series, gapless, in apartment order
    assert sorted(i["number"] for i in got.values()) == ["KU-000001", "KU-000002", "KU-000003"]


def test_shared_split_gives_leftover_cents_to_largest_remainders(make_caller):
    # Given three equal apartments and a 100.00 shared charge (33.333... each)
    mgr = make_caller("manager")
    b = new_building(mgr)
    apts = [new_apartment(mgr, b["id"], n, 40) for n in ("3", "1", "2")]
    new_charge(mgr, b["id"], "Lift", "shared_by_area", 100)
    # When generated
    generate(mgr, b["id"])
    # Then the parts add up to 100.00 exactly; the tie on the remainder goes to the lowest number
    by_number = {a["number"]: a["id"] for a in apts}
    got = {i["apartmentId"]: i["total"] for i in invoices_of(mgr, buildingId=b["id"])}
    assert [got[by_number[n]] for n in ("1", "2", "3")] == [33.34, 33.33, 33.33]


def _two_apartments(mgr, charge_type: str, price: float) -> dict:
    """A building of apartments 1 and 2 with one charge."""
    b = new_building(mgr)
    for n in ("1", "2"):
        new_apartment(mgr, b["id"], n)
    new_charge(mgr, b["id"], "Haldus", charge_type, price)
    return b


def test_regeneration_creates_nothing_twice(make_caller):
    # Given a building whose January invoices exist
    mgr = make_caller("manager")
    b = _two_apartments(mgr, "per_area", 1)
    generate(mgr, b["id"])
    before = invoices_of(mgr, buildingId=b["id"])
    # When the same period is generated again after a new apartment arrived
    new_apartment(mgr, b["id"], "3")
    job = generate(mgr, b["id"])
    # Then only the new apartment gets an invoice, with the next number
    assert (job["total"], job["created"], job["skipped"]) == (3, 1, 2)
    after = invoices_of(mgr, buildingId=b["id"])
    assert len(after) == 3 and {i["id"] for i in before} < {i["id"] for i in after}
    year = before[0]["number"].split("-")[0]
    assert sorted(i["number"] for i in after) == [f"{year}-00000{k}" for k in (1, 2, 3)]


def test_redelivered_chunk_counts_and_creates_nothing_twice(make_caller, aws):
    # Given a generation job whose chunk message is delivered twice
    from tests.integration.invoicing_helpers import receive_all
    from tests.support import LambdaContext, function_module, sqs_event

    mgr = make_caller("manager")
    b = new_building(mgr)
    new_apartment(mgr, b["id"], "1")
    new_charge(mgr, b["id"], "Haldus", "per_area", 1)
    res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
               body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    worker = function_module("invoice_generation_worker").handler
    plan = receive_all("INVOICE_GENERATION_QUEUE_URL")
    worker(sqs_event("sqs/invoice_generation", plan), LambdaContext(120_000))
    chunk = receive_all("INVOICE_GENERATION_QUEUE_URL")
    # When the chunk is processed twice
    for _ in range(2):
        answer = worker(sqs_event("sqs/invoice_generation", chunk), LambdaContext(120_000))
        assert answer["batchItemFailures"] == []
    # Then one invoice exists and the job counts the apartment once
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["processed"], job["created"]) == ("completed", 1, 1)
    assert len(invoices_of(mgr, buildingId=b["id"])) == 1


def _two_jobs(mgr, prefix: str, apartments: int) -> list[dict]:
    """Two buildings of one organisation with the same prefix, planned; returns their chunk messages."""
    from tests.integration.invoicing_helpers import receive_all
    from urbaneta.services.invoicing import generation as invoicing

    buildings = [new_building(mgr, invoicePrefix=prefix) for _ in range(2)]
    for b in buildings:
        for n in range(1, apartments + 1):
            new_apartment(mgr, b["id"], str(n))
        new_charge(mgr, b["id"], "Haldus", "per_apartment", 5)
        res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
                   body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
        assert res.status == 202
    for m in receive_all("INVOICE_GENERATION_QUEUE_URL"):  # the two plans
        invoicing.handle_generation_message(json.loads(m["Body"]))
    return [json.loads(m["Body"]) for m in receive_all("INVOICE_GENERATION_QUEUE_URL")]


def test_concurrent_jobs_share_one_gapless_series(make_caller, aws, monkeypatch):
    # Given two generation jobs of one organisation and prefix, two chunks each
    from urbaneta.adapters.aws import bulk_client, client
    from urbaneta.services.invoicing import generation as invoicing

    mgr = make_caller("manager")
    monkeypatch.setattr(invoicing, "GENERATION_CHUNK", 3)
    chunks = _two_jobs(mgr, "A", 5)
    assert len(chunks) == 4
    # (moto is not thread-safe: each AWS call is made atomic, the workers interleave between calls)
    lock = threading.Lock()
    for api in [client(service) for service in ("dynamodb", "events", "sqs")] + [bulk_client("dynamodb")]:
        original = api._make_api_call

        def locked(operation, params, _original=original):
            with lock:
                return _original(operation, params)

        monkeypatch.setattr(api, "_make_api_call", locked)
    errors: list[BaseException] = []

    def work(message):
        try:
            invoicing.generate_chunk(GenerationChunk.parse(message))
        except BaseException as exc:  # reported below
            errors.append(exc)

    # When four workers process the chunks at the same time
    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then 10 invoices hold the numbers A-000001..A-000010, each exactly once
    assert not errors
    numbers = sorted(i["number"] for i in invoices_of(mgr))
    assert numbers == [f"A-{k:06d}" for k in range(1, 11)]


def test_a_chunk_that_dies_after_reserving_reuses_its_numbers(make_caller, aws, monkeypatch):
    # Given a generation chunk whose worker dies after reserving numbers, before writing the invoices
    from urbaneta.services.accounts import posting as store
    from urbaneta.services.invoicing import generation as invoicing

    mgr = make_caller("manager")
    first, second = _two_jobs(mgr, "R", 3)[:2]
    write_new = store.write_invoices

    def die(invoices):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(store, "write_invoices", die)
    with contextlib.suppress(RuntimeError):
        invoicing.generate_chunk(GenerationChunk.parse(first))
    monkeypatch.setattr(store, "write_invoices", write_new)
    # When another chunk takes numbers, then the first chunk is delivered again
    invoicing.generate_chunk(GenerationChunk.parse(second))
    again = invoicing.generate_chunk(GenerationChunk.parse(first))
    # Then the retried chunk wrote the numbers it had reserved: the series has no gap and no number twice
    assert sorted(i.number for i in again.created) == ["R-000001", "R-000002", "R-000003"]
    assert sorted(i["number"] for i in invoices_of(mgr)) == [f"R-{k:06d}" for k in range(1, 7)]


def test_a_chunk_that_dies_half_way_through_writing_completes_the_rest(make_caller, aws, monkeypatch):
    # Given a chunk whose worker wrote part of its invoices and died
    from urbaneta.services.accounts import posting as store
    from urbaneta.services.invoicing import generation as invoicing

    mgr = make_caller("manager")
    first = _two_jobs(mgr, "H", 4)[0]
    write_new = store.write_invoices
    monkeypatch.setattr(store, "write_invoices", lambda invoices: (write_new(invoices[:2]), 1 / 0))
    with contextlib.suppress(ZeroDivisionError):
        invoicing.generate_chunk(GenerationChunk.parse(first))
    monkeypatch.setattr(store, "write_invoices", write_new)
    assert len(invoices_of(mgr)) == 2
    # When it is delivered again
    again = invoicing.generate_chunk(GenerationChunk.parse(first))
    # Then the other two are written with their reserved numbers and the job counts four created, once
    assert sorted(i["number"] for i in invoices_of(mgr)) == [f"H-{k:06d}" for k in range(1, 5)]
    assert len(again.created) == 4 and not again.already_counted
    job = call("invoices", "GET", f"/jobs/{first['jobId']}", token=mgr.token).data
    assert (job["created"], job["processed"], job["status"]) == (4, 4, "completed")


def test_metered_charge_without_readings_is_reported_never_billed_as_zero(make_caller):
    # Given an apartment with a cold water meter read in the period and one whose meter has no reading
    mgr = make_caller("manager")
    b = new_building(mgr)
    read = new_apartment(mgr, b["id"], "1")
    unread = new_apartment(mgr, b["id"], "2")
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2.5, meterType="cold_water")
    new_charge(mgr, b["id"], "Haldus", "per_apartment", 10)
    meters = {}
    for apt in (read, unread):
        res = call("meters", "POST", "/meters", token=mgr.token,
                   body={"buildingId": b["id"], "apartmentId": apt["id"], "type": "cold_water", "unit": "m3",
                         "serialNumber": unique("SN"), "initialReading": 100,
                         "initialReadingDate": "2024-11-30"})
        assert res.status == 201, res
        meters[apt["id"]] = res.data
    for value, day in ((101.5, "2024-12-31"), (104.25, "2025-01-31")):
        res = call("meters", "POST", f"/meters/{meters[read['id']]['id']}/readings", token=mgr.token,
                   body={"value": value, "readingDate": day})
        assert res.status == 201, res
    # When January is generated
    job = generate(mgr, b["id"])
    # Then the read apartment is billed 2.75 m3 x 2.5 = 6.88 (half-up), the other gets no water line and the
    # job names the apartment and the meter
    got = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    water = [ln for ln in got[read["id"]]["lines"] if ln["description"] == "Külm vesi"]
    assert water and water[0]["quantity"] == 2.75 and water[0]["amount"] == 6.88 and water[0]["unit"] == "m3"
    assert [ln["description"] for ln in got[unread["id"]]["lines"]] == ["Haldus"]
    assert job["created"] == 2
    problems = [e for e in job["errors"] if e.get("apartmentId") == unread["id"]]
    assert problems and meters[unread["id"]]["id"] in problems[0]["meterId"]


def test_generation_writes_one_transaction_per_chunk(make_caller, aws, monkeypatch):
    # Given a building of 7 apartments generated in chunks of 3 (3 chunks)
    from urbaneta.services.invoicing import generation as invoicing

    monkeypatch.setattr(invoicing, "GENERATION_CHUNK", 3)
    mgr = make_caller("manager")
    b = new_building(mgr)
    for n in range(1, 8):
        new_apartment(mgr, b["id"], str(n))
    new_charge(mgr, b["id"], "Haldus", "per_area", 0.5)
    res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
               body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    assert res.status == 202
    # When the worker generates them, counting AWS calls
    with count_calls("dynamodb") as ddb, count_calls("events") as events:
        assert not run_generation()
    # Then the writes are: per chunk ONE reservation, one TransactWriteItems per 24 invoices (each with its
    # ledger entries and account) and one progress update; then the completion and the release of the
    # reservations (2), and the plan's signing key (1) - nothing per invoice; and one PutEvents per 10 invoices
    assert ddb.count("TransactWriteItems") == 3
    assert ddb.count("BatchWriteItem", "PutItem", "DeleteItem") == 0
    assert ddb.count("UpdateItem") == 3 + 3 + 2 + 1
    assert events.count("PutEvents") == 3  # 3, 3 and 1 events
    assert len(invoices_of(mgr, buildingId=b["id"])) == 7


def test_generate_bulk_refuses_bad_input_and_other_tenants(make_caller):
    mgr = make_caller("manager")
    b = new_building(mgr)
    new_charge(mgr, b["id"], "Haldus", "per_area", 1)
    other = make_caller("manager")
    url = "/invoices/generate-bulk"
    ok_body = {"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"}
    # Then: no token 401, resident 403, another tenant's building 404, bad dates 422, unknown field 422
    assert call("invoices", "POST", url, body=ok_body).status == 401
    assert call("invoices", "POST", url, body=ok_body, token=make_caller("resident", mgr.tenant_id).token
                ).status == 403
    assert call("invoices", "POST", url, body=ok_body, token=other.token).status == 404
    res = call("invoices", "POST", url, token=mgr.token, body={**ok_body, "periodEnd": "2024-12-31"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "periodEnd"
    res = call("invoices", "POST", url, token=mgr.token, body={**ok_body, "total": 1})
    assert res.status == 422
    # a building without charges has nothing to bill
    empty = new_building(mgr)
    res = call("invoices", "POST", url, token=mgr.token, body={**ok_body, "buildingId": empty["id"]})
    assert res.status == 422
    # and nothing was queued by the refusals
    assert not run_generation()
    # another tenant cannot read the job
    job = call("invoices", "POST", url, token=mgr.token, body=ok_body).data
    assert call("invoices", "GET", f"/jobs/{job['jobId']}", token=other.token).status == 404
    run_generation()


def test_next_invoice_carries_late_interest_on_overdue_balances(make_caller):
    # Given a building charging 0.05 % per day late interest, whose January invoice went unpaid past its due date
    from tests.integration.invoicing_helpers import load_event_sweep

    mgr = make_caller("manager")
    b = new_building(mgr, lateInterestDailyRate=0.05)
    new_apartment(mgr, b["id"], "1", 100)
    new_charge(mgr, b["id"], "Haldus", "per_area", 1)  # 100.00 a month
    generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    january = invoices_of(mgr, buildingId=b["id"])[0]
    sent = call("invoices", "PATCH", f"/invoices/{january['id']}", token=mgr.token, body={"status": "sent"})
    assert sent.status == 200
    load_event_sweep("2025-02-20T01:00:00Z")
    # When February is generated on 2025-03-01
    generate(mgr, b["id"], "2025-02-01", "2025-02-28", issueDate="2025-03-01")
    february = next(i for i in invoices_of(mgr, buildingId=b["id"]) if i["periodStart"] == "2025-02-01")
    # Then it carries 14 days of interest on 100.00 at 0.05 %/day = 0.70, without VAT
    interest = [ln for ln in february["lines"] if ln["description"].startswith("Late interest")]
    assert [(ln["quantity"], ln["unit"], ln["amount"], ln["vatAmount"]) for ln in interest] == [(14, "day", 0.7, 0)]
    assert february["total"] == 100.7


def test_a_wrong_chunk_message_for_a_new_job_is_never_counted(make_caller, aws):
    # Given a generation job not planned yet, and a well-formed chunk 0 for it that its plan did not make
    from tests.integration.invoicing_helpers import receive_all
    from tests.support import LambdaContext, function_module, sqs_event
    from urbaneta.services.invoicing import generation as invoicing

    mgr = make_caller("manager")
    b = new_building(mgr)
    new_apartment(mgr, b["id"], "1")
    new_charge(mgr, b["id"], "Haldus", "per_area", 1)
    res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
               body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    job_id = res.data["jobId"]
    wrong = {"kind": "chunk", "tenantId": mgr.tenant_id, "jobId": job_id, "chunk": 0, "chunks": 1, "total": 5,
             "buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31",
             "issueDate": "2025-02-01", "dueDate": "2025-02-15", "currency": "EUR", "vatRate": "0",
             "lateInterestDailyRate": None, "prefix": "2025-", "charges": [], "apartments": [], "shared": {},
             "mac": "0" * 64}
    # When it is processed before the plan
    from urbaneta.models.messages import parse_generation

    result = invoicing.generate_chunk(parse_generation(wrong))  # type: ignore[arg-type]
    # Then it is refused, and the job is not counted
    assert result.already_counted
    job = call("invoices", "GET", f"/jobs/{job_id}", token=mgr.token).data
    assert (job["status"], job["processed"]) == ("queued", 0)
    # And the real plan and chunk complete the job
    worker = function_module("invoice_generation_worker").handler
    worker(sqs_event("sqs/invoice_generation", receive_all("INVOICE_GENERATION_QUEUE_URL")), LambdaContext(120_000))
    chunk = receive_all("INVOICE_GENERATION_QUEUE_URL")
    worker(sqs_event("sqs/invoice_generation", chunk), LambdaContext(120_000))
    # And a copy of the real chunk with another total is refused too
    import json

    forged = {**json.loads(chunk[0]["Body"]), "total": 5}
    assert invoicing.generate_chunk(parse_generation(forged)).already_counted  # type: ignore[arg-type]
    job = call("invoices", "GET", f"/jobs/{job_id}", token=mgr.token).data
    assert (job["status"], job["processed"], job["created"]) == ("completed", 1, 1)


def test_a_chunk_late_in_a_batch_is_queued_again_whole_and_then_bills(make_caller):
    from tests.integration.invoicing_helpers import receive_all
    from urbaneta.services.invoicing import generation as invoicing

    # Given a planned generation job of one building: its chunk message
    mgr = make_caller("manager")
    b = _two_apartments(mgr, "per_apartment", 5)
    res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
               body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    (plan,) = receive_all("INVOICE_GENERATION_QUEUE_URL")
    invoicing.handle_generation_message(json.loads(plan["Body"]))
    (chunk,) = receive_all("INVOICE_GENERATION_QUEUE_URL")
    # When it comes with less time left than a chunk needs
    with count_calls() as ddb:
        invoicing.handle_generation_message(json.loads(chunk["Body"]), lambda: invoicing.CHUNK_TIME_MS - 1)
    # Then nothing is written and the same message (its signature intact) is queued again
    assert ddb.count() == 0 and invoices_of(mgr, buildingId=b["id"]) == []
    (again,) = receive_all("INVOICE_GENERATION_QUEUE_URL")
    assert json.loads(again["Body"]) == json.loads(chunk["Body"])
    # When it comes again with time enough, it bills both apartments and the job completes
    invoicing.handle_generation_message(json.loads(again["Body"]), lambda: invoicing.CHUNK_TIME_MS)
    assert len(invoices_of(mgr, buildingId=b["id"])) == 2
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["created"]) == ("completed", 2)
