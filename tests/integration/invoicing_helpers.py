"""Helpers of the invoicing tests: buildings made through the public API, and the SQS queues pumped into the
worker handlers the way Lambda would (sample events from events/sqs)."""

from __future__ import annotations

import json
import os
from typing import Any

from tests.support import LambdaContext, call, function_module, load_event, sqs_event

ADDRESS = {"street": "Õunapuu 5", "city": "Tartu", "postalCode": "50104", "country": "EE"}


def new_building(caller: Any, **billing: Any) -> dict[str, Any]:
    body = {"name": "KÜ Õunapuu 5", "address": ADDRESS,
            "billing": {"dueDays": 14, "vatRate": 0, "iban": "EE061010220000000016", "bankName": "Swedbank",
                        **billing}}
    res = call("buildings", "POST", "/buildings", token=caller.token, body=body)
    assert res.status == 201, res
    return res.data


def new_apartment(caller: Any, building_id: str, number: str, area: float = 50.0, **over: Any) -> dict[str, Any]:
    body = {"number": number, "area": area, **over}
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=caller.token, body=body)
    assert res.status == 201, res
    return res.data


def new_charge(caller: Any, building_id: str, name: str, type_: str, unit_price: float, **over: Any) -> dict[str, Any]:
    body = {"name": name, "type": type_, "unitPrice": unit_price, **over}
    res = call("buildings", "POST", f"/buildings/{building_id}/charges", token=caller.token, body=body)
    assert res.status == 201, res
    return res.data


def _sqs() -> Any:
    from urbaneta.adapters.aws import client

    return client("sqs")


def receive_all(queue_env: str) -> list[dict[str, Any]]:
    url = os.environ[queue_env]
    out: list[dict[str, Any]] = []
    while True:
        got = _sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return out
        out.extend(got)


def pump(queue_env: str, function: str, sample: str, *, batch: int = 5, rounds: int = 100,
         remaining_ms: int = 30_000) -> list[dict[str, Any]]:
    """Feed the queue's messages to the worker in batches until the queue is empty (messages acknowledged as
    Lambda's SQS integration would: deleted unless reported as batch item failures). Returns the failures."""
    url = os.environ[queue_env]
    handler = function_module(function).handler
    failures: list[dict[str, Any]] = []
    for _ in range(rounds):
        messages = receive_all(queue_env)
        if not messages:
            return failures
        for start in range(0, len(messages), batch):
            part = messages[start : start + batch]
            answer = handler(sqs_event(f"sqs/{sample}", part), LambdaContext(remaining_ms))
            failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            for m in part:
                if m["MessageId"] in failed:
                    failures.append(m)
                    _sqs().change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                     VisibilityTimeout=0)
                else:
                    _sqs().delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if failures:
            return failures
    return failures


def run_generation() -> list[dict[str, Any]]:
    return pump("INVOICE_GENERATION_QUEUE_URL", "invoice_generation_worker", "invoice_generation",
                remaining_ms=120_000)  # the worker's timeout: a chunk starts only with CHUNK_TIME_MS left


def run_sending() -> list[dict[str, Any]]:
    return pump("INVOICE_SENDING_QUEUE_URL", "invoice_sending_worker", "invoice_sending", remaining_ms=120_000)


def generate(caller: Any, building_id: str, start: str = "2025-01-01", end: str = "2025-01-31", **over: Any
             ) -> dict[str, Any]:
    """POST generate-bulk, run the worker, return the job as GET /jobs/{id} shows it."""
    res = call("invoices", "POST", "/invoices/generate-bulk", token=caller.token,
               body={"buildingId": building_id, "periodStart": start, "periodEnd": end, **over})
    assert res.status == 202, res
    assert not run_generation()
    job = call("invoices", "GET", f"/jobs/{res.data['jobId']}", token=caller.token)
    assert job.status == 200, job
    return job.data


def invoices_of(caller: Any, **query: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = {"limit": "100", **query, **({"cursor": cursor} if cursor else {})}
        res = call("invoices", "GET", "/invoices", token=caller.token, query=q)
        assert res.status == 200, res
        out.extend(res.data)
        cursor = res.json["nextCursor"]
        if not cursor:
            return out


def sent_mail() -> list[dict[str, Any]]:
    """Every raw e-mail moto's SES kept (decoded to subject, recipients and attachments)."""
    from email import message_from_bytes
    from email.policy import default

    from moto.backends import get_backend

    backend = get_backend("ses")["123456789012"]["eu-north-1"]
    out = []
    for raw in backend.sent_messages:
        data = getattr(raw, "raw_data", None)
        if data is None:
            continue
        msg = message_from_bytes(data.encode() if isinstance(data, str) else data, policy=default)
        attachments = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
                       for p in msg.iter_attachments()]
        out.append({"to": sorted(set(raw.destinations)), "subject": str(msg["Subject"]), "attachments": attachments,
                    "text": msg.get_body(preferencelist=("plain",)).get_content()})
    return out


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, default=str)


def run_sweep_slices() -> list[dict[str, Any]]:
    """Feed the overdue sweep queue to its worker, one slice per invocation, until it is empty."""
    return pump("OVERDUE_SWEEP_QUEUE_URL", "overdue_sweep_worker", "overdue_sweep", batch=1)


def load_event_sweep(time: str) -> dict[str, Any]:
    """Run the daily schedule with the sample schedule event at ``time``, then its sweep's slices (as the queue
    would), so that the invoices it marks are overdue when this returns."""
    event = {**load_event("schedule/overdue_sweep"), "time": time}
    result: dict[str, Any] = function_module("overdue_sweep").handler(event, LambdaContext())
    assert not run_sweep_slices()
    return result


def watched_invoice(tenant_id: str, n: int, *, due: str, status: str = "sent", balance: int = 1000) -> Any:
    """An invoice of 10.00 as the due index watches it (``status`` sent or overdue with a balance), made without
    the API, to be written with ``store.invoices.write_new`` (many organisations at once, for the sweep)."""
    from datetime import date

    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.invoices import Invoice

    return Invoice(id=new_id(), tenant_id=tenant_id, number=f"2025-{n:06d}", reference_number="1234561",
                   building_id="b-sweep", apartment_id=f"a{n}", period_start=date(2025, 2, 1),
                   period_end=date(2025, 2, 28), issue_date=date(2025, 3, 1), due_date=date.fromisoformat(due),
                   subtotal_cents=1000, vat_total_cents=0, total_cents=1000, balance_due_cents=balance,
                   amount_paid_cents=1000 - balance, status=status, created_at=now_iso(), updated_at=now_iso())
