"""Modelled AWS cost of 10,000 invoices generated, rendered, stored and e-mailed.

A sample building's month is run end to end in-process against moto (the API, the generation worker, the
sending worker that renders each PDF, stores it and e-mails it). Every AWS call is counted with botocore
event hooks, DynamoDB capacity is derived from the sizes of the items written and read, and each worker's
handler time is measured. The counts per invoice are then priced at the public on-demand prices below and
scaled to 10,000 invoices. Goal: at most 0.10 USD without e-mail.

Prices (USD, us-east-1 list prices; eu-north-1 is within a few percent): Lambda arm64 0.0000133334 per
GB-second and 0.20 per million requests; DynamoDB on-demand 0.625 per million write request units and 0.125
per million read request units; S3 Standard 0.005 per 1,000 PUTs and 0.023 per GB-month; SQS 0.40 per million
requests; EventBridge 1.00 per million events; SES 0.10 per 1,000 e-mails and 0.12 per GB of attachments.
Network time inside AWS is modelled as 5 ms per AWS call on top of the measured handler time."""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from typing import Any

from bench.common import Figure, quick, report

PRICE = {
    "lambda_gb_s": 0.0000133334, "lambda_request": 0.20 / 1e6,
    "wru": 0.625 / 1e6, "rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1000, "s3_gb_month": 0.023,
    "sqs_request": 0.40 / 1e6, "event": 1.00 / 1e6,
    "ses_email": 0.10 / 1000, "ses_gb": 0.12,
}
RTT = 0.005
INVOICES = 10_000


def _size(attrs: dict[str, Any]) -> int:
    return len(json.dumps(attrs, separators=(",", ":"), default=str))


class Meter:
    """botocore hooks on every client: calls per service and operation, DynamoDB request units, bytes."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.wru = 0.0
        self.rru = 0.0
        self.s3_bytes = 0
        self.events = 0
        self.emails = 0
        self.email_bytes = 0
        self.sqs_requests = 0

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        op = f"{model.service_model.service_name}.{model.name}"
        self.calls[op] += 1
        if op == "dynamodb.PutItem":
            self.wru += math.ceil(_size(params["Item"]) / 1024)
        elif op == "dynamodb.BatchWriteItem":
            for reqs in params["RequestItems"].values():
                for r in reqs:
                    self.wru += math.ceil(_size(r.get("PutRequest", {}).get("Item", {"k": 1})) / 1024)
        elif op == "dynamodb.TransactWriteItems":
            for t in params["TransactItems"]:
                item = t.get("Put", {}).get("Item") or {"k": 1}
                self.wru += 2 * math.ceil(_size(item) / 1024)
        elif op in ("dynamodb.UpdateItem", "dynamodb.DeleteItem"):
            self.wru += 1
        elif op == "s3.PutObject":
            body = params.get("Body", b"")
            self.s3_bytes += len(body) if isinstance(body, bytes | str) else 0
        elif op == "events.PutEvents":
            self.events += len(params["Entries"])
        elif op == "ses.SendRawEmail":
            self.emails += 1
            self.email_bytes += len(params["RawMessage"]["Data"])
        elif op.startswith("sqs.") and op != "sqs.GetQueueUrl":
            self.sqs_requests += 1

    def after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        op = f"{model.service_model.service_name}.{model.name}"
        if op == "dynamodb.GetItem":
            self.rru += max(1, math.ceil(_size(parsed.get("Item", {})) / 4096))
        elif op == "dynamodb.Query":
            self.rru += max(1, math.ceil(sum(_size(i) for i in parsed.get("Items", [])) / 4096)) / 2
        elif op == "dynamodb.BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.rru += sum(max(1, math.ceil(_size(i) / 4096)) for i in items)

    def attach(self) -> None:
        from urbaneta.adapters.aws import client

        for service in ("dynamodb", "s3", "events", "ses", "sqs"):
            events = client(service).meta.events
            events.register(f"before-parameter-build.{service}.*", self.before)
            events.register(f"after-call.{service}.*", self.after)


def _memory_mb(logical: str) -> int:
    from local import template as tpl

    glob = tpl.load()["Globals"]["Function"].get("MemorySize", 128)
    return int(tpl.resources()[logical]["Properties"].get("MemorySize", glob))


def run(apartments: int) -> dict[str, Any]:
    from tests.conftest import new_caller
    from tests.integration import invoicing_helpers as ih
    from tests.support import call, emulated_aws

    with emulated_aws(prefix="urbaneta-cost"):
        mgr = new_caller("manager")
        b = ih.new_building(mgr, invoicePrefix="COST")
        for n in range(1, apartments + 1):
            ih.new_apartment(mgr, b["id"], str(n), 40 + n % 30, ownerName=f"Jüri Õunapuu {n}",
                             email=f"apt{n}@example.com", residentsCount=n % 4)
        ih.new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.45)
        ih.new_charge(mgr, b["id"], "Prügivedu", "per_resident", 2.1)
        ih.new_charge(mgr, b["id"], "Remondifond", "per_apartment", 12)
        ih.new_charge(mgr, b["id"], "Küte", "shared_by_area", 2500)
        meter = Meter()
        meter.attach()
        timings: dict[str, float] = {}
        started = time.perf_counter()
        res = call("invoices", "POST", "/invoices/generate-bulk", token=mgr.token,
                   body={"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
        assert res.status == 202, res
        generation_calls_before = sum(meter.calls.values())
        t0 = time.perf_counter()
        assert not ih.run_generation()
        timings["generation"] = time.perf_counter() - t0
        generation_calls = sum(meter.calls.values()) - generation_calls_before
        res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
        assert res.status == 202, res
        sending_calls_before = sum(meter.calls.values())
        t0 = time.perf_counter()
        assert not ih.run_sending()
        timings["sending"] = time.perf_counter() - t0
        sending_calls = sum(meter.calls.values()) - sending_calls_before
        timings["total"] = time.perf_counter() - started
        return {"meter": meter, "timings": timings, "generation_calls": generation_calls,
                "sending_calls": sending_calls}


def price(result: dict[str, Any], apartments: int) -> dict[str, float]:
    m: Meter = result["meter"]
    scale = INVOICES / apartments
    gen_s = result["timings"]["generation"] + result["generation_calls"] * RTT
    send_s = result["timings"]["sending"] + result["sending_calls"] * RTT
    gen_gb = _memory_mb("InvoiceGenerationWorkerFunction") / 1024
    send_gb = _memory_mb("InvoiceSendingWorkerFunction") / 1024
    sqs_messages = m.calls["sqs.SendMessageBatch"] + m.calls["sqs.SendMessage"]
    cost = {
        "lambda": (gen_s * gen_gb + send_s * send_gb) * scale * PRICE["lambda_gb_s"]
        + sqs_messages * scale * PRICE["lambda_request"],
        "dynamodb": (m.wru * PRICE["wru"] + m.rru * PRICE["rru"]) * scale,
        "s3": (m.calls["s3.PutObject"] * PRICE["s3_put"] + m.s3_bytes / 1e9 * PRICE["s3_gb_month"]) * scale,
        "sqs": m.sqs_requests * scale * PRICE["sqs_request"],
        "eventbridge": m.events * scale * PRICE["event"],
        "ses": (m.emails * PRICE["ses_email"] + m.email_bytes / 1e9 * PRICE["ses_gb"]) * scale,
    }
    cost["without_email"] = sum(v for k, v in cost.items() if k != "ses")
    cost["with_email"] = cost["without_email"] + cost["ses"]
    return cost


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    apartments = 40 if quick() else 200
    result = run(apartments)
    cost = price(result, apartments)
    m: Meter = result["meter"]
    print(f"{apartments} invoices in-process: generation {result['timings']['generation']:.2f} s, sending (PDF, "
          f"S3, SES) {result['timings']['sending']:.2f} s; AWS calls: {dict(sorted(m.calls.items()))}")
    print(f"per invoice: {m.wru / apartments:.2f} WRU, {m.rru / apartments:.2f} RRU, "
          f"{m.s3_bytes / apartments / 1024:.1f} KiB PDF, {m.email_bytes / max(1, m.emails) / 1024:.1f} KiB e-mail")
    print("cost of 10,000 invoices (USD): " + ", ".join(f"{k} {v:.4f}" for k, v in cost.items()))
    report("cost", [
        Figure("cost", "USD per 10k invoices, without e-mail", cost["without_email"], "USD", None, "<= 0.10"),
        Figure("cost", "USD per 10k invoices, with e-mail", cost["with_email"], "USD", None, ""),
        Figure("cost", "  of which Lambda", cost["lambda"], "USD", None, ""),
        Figure("cost", "  of which DynamoDB", cost["dynamodb"], "USD", None, ""),
        Figure("cost", "  of which S3", cost["s3"], "USD", None, ""),
        Figure("cost", "  of which SES", cost["ses"], "USD", None, ""),
    ])


if __name__ == "__main__":
    main()
