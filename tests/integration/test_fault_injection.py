"""Fault injection: DynamoDB throttling (errors that botocore retries, and batch writes left unprocessed),
SES refusing mail, and a worker process killed in the middle of a batch. In every case no invoice, payment or
e-mail is lost or duplicated, and the job reports what happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    new_apartment,
    new_building,
    new_charge,
    run_sending,
)
from tests.support import LambdaContext, call, function_module, sqs_event, unique


@contextmanager
def dynamodb_faults(monkeypatch: Any, operation: str, *, times: int, kind: str = "throttle") -> Iterator[list[int]]:
    """The first ``times`` calls of ``operation`` reaching the (emulated) DynamoDB service are refused before it
    changes anything: ``throttle`` answers ProvisionedThroughputExceededException (botocore retries it, as on
    AWS); ``unprocessed`` accepts a BatchWriteItem but hands every item back unprocessed (the caller retries)."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    hits: list[int] = []
    method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
    real = getattr(DynamoHandler, method)

    def faulty(handler: Any) -> Any:
        if len(hits) < times:
            hits.append(1)
            if kind == "unprocessed":
                return ActionResult({"UnprocessedItems": handler.body["RequestItems"], "ConsumedCapacity": []})
            raise DynamodbException(ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException",
                                    message="Rate of requests exceeds the allowed throughput.")
        return real(handler)

    monkeypatch.setattr(DynamoHandler, method, faulty)
    try:
        yield hits
    finally:
        monkeypatch.setattr(DynamoHandler, method, real)


def _numbers(invoices: list[dict[str, Any]]) -> list[int]:
    return sorted(int(i["number"].rsplit("-", 1)[-1]) for i in invoices)


def _building_with(mgr: Any, count: int, **billing: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    b = new_building(mgr, invoicePrefix=unique("F").upper(), **billing)
    apts = [new_apartment(mgr, b["id"], str(n), 40 + n, email=f"apt{n}-{unique()}@example.com",
                          ownerName=f"Ülle Õunapuu {n}") for n in range(1, count + 1)]
    new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    return b, apts


def test_generation_under_dynamodb_throttling_creates_each_invoice_once(make_caller, monkeypatch):
    # Given a building of 12 apartments
    mgr = make_caller("manager")
    b, apts = _building_with(mgr, 12)
    # When DynamoDB throttles the worker's writes (errors botocore retries, and batches left unprocessed)
    with dynamodb_faults(monkeypatch, "BatchWriteItem", times=3, kind="unprocessed") as unprocessed_hits, \
            dynamodb_faults(monkeypatch, "TransactWriteItems", times=2) as throttled_tx, \
            dynamodb_faults(monkeypatch, "UpdateItem", times=2) as throttled_updates:
        job = generate(mgr, b["id"])
    # Then every apartment got exactly one invoice, numbered without gaps, and the job says so
    invoices = invoices_of(mgr, buildingId=b["id"])
    assert sorted(i["apartmentId"] for i in invoices) == sorted(a["id"] for a in apts)
    numbers = _numbers(invoices)
    assert numbers == list(range(numbers[0], numbers[0] + len(apts)))
    assert (job["status"], job["created"], job["failed"]) == ("completed", 12, 0)
    assert sum(throttled_updates) == 2 and sum(unprocessed_hits) + sum(throttled_tx) > 0, "no fault was injected"


class Killed(BaseException):
    """A process dying mid-batch: not an Exception, so nothing inside the worker can catch it."""


def test_sending_worker_killed_mid_batch_sends_every_email_exactly_once(make_caller, aws, monkeypatch):
    from local import mailbox
    from urbaneta.adapters import mail

    # Given five generated invoices with recipients
    mgr = make_caller("manager")
    b, apts = _building_with(mgr, 5)
    generate(mgr, b["id"])
    recipients = {a["email"] for a in apts}
    # When the sending worker's process dies while sending the third e-mail
    real_send, sent = mail.send_email, []

    def dying_send(to: Any, *args: Any, **kwargs: Any) -> str:
        if len(sent) == 2:
            sent.append("killed")
            raise Killed()
        sent.append(to[0])
        return real_send(to, *args, **kwargs)

    monkeypatch.setattr(mail, "send_email", dying_send)
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
    assert res.status == 202, res
    with pytest.raises(Killed):
        for _ in range(10):
            _deliver_once("INVOICE_SENDING_QUEUE_URL", "invoice_sending_worker", "sqs/invoice_sending")
    # and the dead batch comes back after the visibility timeout, to a healthy worker
    monkeypatch.setattr(mail, "send_email", real_send)
    assert "killed" in sent
    assert not run_sending()
    # Then each resident has exactly one e-mail with the PDF, every invoice is sent, and the job is complete
    mails = [m for m in mailbox.messages() if set(m["to"]) & recipients]
    assert sorted(m["to"][0] for m in mails) == sorted(recipients)
    assert all(m["attachments"][0]["contentType"] == "application/pdf" for m in mails)
    assert {i["status"] for i in invoices_of(mgr, buildingId=b["id"])} == {"sent"}
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert (job["status"], job["processed"], job["created"] + job["skipped"]) == ("completed", 5, 5)


def _deliver_once(queue_env: str, function: str, sample: str) -> None:
    """One batch, as Lambda's poller hands it over; if the worker process dies, the batch's messages become
    visible again (what the visibility timeout does) and the death propagates."""
    import os

    from urbaneta.adapters.aws import client

    sqs, url = client("sqs"), os.environ[queue_env]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    context = LambdaContext(120_000)  # the workers' timeout: time enough for every chunk of the batch
    try:
        answer = function_module(function).handler(sqs_event(sample, messages), context) if messages else {}
    except Killed:
        for m in messages:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        raise
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
    for m in messages:
        if m["MessageId"] in failed:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_ses_refusing_one_recipient_leaves_that_invoice_unsent_and_the_job_says_why(make_caller, monkeypatch):
    from local import mailbox

    # Given three invoices
    mgr = make_caller("manager")
    b, apts = _building_with(mgr, 3)
    generate(mgr, b["id"])
    refused = apts[1]["email"]

    from moto.ses.exceptions import MessageRejectedError
    from moto.ses.models import SESBackend

    real_send = SESBackend.send_raw_email

    def refusing(backend: Any, source: str, destinations: list[str], raw_data: str) -> Any:
        if refused in destinations:
            raise MessageRejectedError("Email address is not verified.")
        return real_send(backend, source, destinations, raw_data)

    # When SES refuses the second resident's e-mail
    monkeypatch.setattr(SESBackend, "send_raw_email", refusing)
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
    assert not run_sending()
    monkeypatch.setattr(SESBackend, "send_raw_email", real_send)
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    by_apartment = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    # Then that invoice is still a draft, the others are sent, and the job names the failure
    assert by_apartment[apts[1]["id"]]["status"] == "draft"
    assert {by_apartment[a["id"]]["status"] for a in (apts[0], apts[2])} == {"sent"}
    assert job["failed"] == 1 and job["errors"][0]["invoiceId"] == by_apartment[apts[1]["id"]]["id"]
    # When SES recovers and the manager sends again
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
    assert not run_sending()
    # Then the refused resident gets one e-mail and nobody gets a second
    mails = [m["to"][0] for m in mailbox.messages() if m["to"][0] in {a["email"] for a in apts}]
    assert sorted(mails) == sorted(a["email"] for a in apts)


def test_payments_under_throttling_leave_the_exact_balance(make_caller, monkeypatch):
    # Given one invoice
    mgr = make_caller("manager")
    b, _ = _building_with(mgr, 1)
    generate(mgr, b["id"])
    invoice = invoices_of(mgr, buildingId=b["id"])[0]
    total = Decimal(str(invoice["total"]))
    # When three partial payments are recorded while DynamoDB throttles their transactions
    with dynamodb_faults(monkeypatch, "TransactWriteItems", times=4) as hits:
        for amount in ("1.00", "2.50", "0.75"):
            res = call("payments", "POST", "/payments", token=mgr.token, body={
                "invoiceId": invoice["id"], "amount": float(amount), "paidDate": "2025-02-03", "method": "cash"})
            assert res.status == 201, res
    # Then each payment counts once and the balance is exact
    after = call("invoices", "GET", f"/invoices/{invoice['id']}", token=mgr.token).data
    assert Decimal(str(after["amountPaid"])) == Decimal("4.25")
    assert Decimal(str(after["balanceDue"])) == total - Decimal("4.25")
    assert sum(hits) == 4


def test_ses_throttling_is_waited_out_and_every_invoice_is_sent_exactly_once(make_caller, monkeypatch):
    from moto.ses.exceptions import SesError
    from moto.ses.models import SESBackend

    from local import mailbox

    class Throttled(SesError):
        code = "Throttling"

    from urbaneta import backoff
    from urbaneta.adapters import mail

    # Given three invoices, and SES that throttles 10 calls in a row after the first e-mail (more than one e-mail's
    # tries: the chunk must come back from the queue)
    mgr = make_caller("manager")
    b, apts = _building_with(mgr, 3)
    generate(mgr, b["id"])
    real_send = SESBackend.send_raw_email
    calls = {"n": 0}

    def throttling(backend: Any, source: str, destinations: list[str], raw_data: str) -> Any:
        calls["n"] += 1
        if 2 <= calls["n"] <= 11:
            raise Throttled("Maximum sending rate exceeded.")
        return real_send(backend, source, destinations, raw_data)

    monkeypatch.setattr(SESBackend, "send_raw_email", throttling)
    monkeypatch.setattr(backoff, "pause", lambda *a, **k: None)  # the waits themselves are not what is tested
    # When the manager sends them and the worker runs until the queue is empty
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
    assert not run_sending()
    # Then throttling was retried, never a failure: every invoice is sent and each resident got one e-mail
    assert calls["n"] == 11 + 2 and mail.THROTTLE_ATTEMPTS == 8
    assert {i["status"] for i in invoices_of(mgr, buildingId=b["id"])} == {"sent"}
    mails = [m["to"][0] for m in mailbox.messages() if m["to"][0] in {a["email"] for a in apts}]
    assert sorted(mails) == sorted(a["email"] for a in apts)
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=mgr.token).data
    assert job["status"] == "completed" and job["failed"] == 0
