"""Modelled AWS cost of 10,000 invoices generated, rendered, stored and e-mailed.

A sample building's month is run end to end in-process against moto (the API, the generation worker, the
sending worker that renders each PDF, stores it and e-mails it). Every AWS call is counted
(``bench/cost_model.py``: ``Counted``), DynamoDB write units are charged from the items moto holds before and after
each write as DynamoDB charges them (1 unit per started KB, twice in a transaction, and again for every index the
item is projected to: ``local/capacity.py``), read units from the items answered, and each worker's handler time
is measured. The counts per invoice are then priced at the public on-demand prices below and scaled to 10,000
invoices. Goal: at most 0.10 USD without e-mail. The cost model (``cost_model.model``) states the same per-invoice
counts from the code's items and chunk sizes for buildings of 60 and 4,000 apartments;
``tests/integration/test_cost_model.py`` holds it to what is counted here.

Prices (USD, us-east-1 list prices; eu-north-1 is within a few percent): Lambda arm64 0.0000133334 per
GB-second and 0.20 per million requests; DynamoDB on-demand 0.625 per million write request units and 0.125
per million read request units; S3 Standard 0.005 per 1,000 PUTs and 0.023 per GB-month; SQS 0.40 per million
requests; EventBridge 1.00 per million events; SES 0.10 per 1,000 e-mails and 0.12 per GB of attachments; S3
GET 0.0004 per 1,000.
Network time inside AWS is modelled as 5 ms per AWS call on top of the measured handler time."""

from __future__ import annotations

import os
from typing import Any

from bench.common import Figure, quick, report

PRICE = {
    "lambda_gb_s": 0.0000133334, "lambda_request": 0.20 / 1e6,
    "wru": 0.625 / 1e6, "rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1000, "s3_get": 0.0004 / 1000, "s3_gb_month": 0.023,
    "sqs_request": 0.40 / 1e6, "event": 1.00 / 1e6,
    "ses_email": 0.10 / 1000, "ses_gb": 0.12,
}
RTT = 0.005
INVOICES = 10_000


def _memory_mb(logical: str) -> int:
    from local import template as tpl

    glob = tpl.load()["Globals"]["Function"].get("MemorySize", 128)
    return int(tpl.resources()[logical]["Properties"].get("MemorySize", glob))


def run(apartments: int) -> dict[str, Any]:
    """One building's month in-process on moto, every AWS call and DynamoDB unit counted (``cost_model``)."""
    from bench.cost_model import Sample, counted_month

    month = counted_month(apartments)
    total = month["generation"] + month["sending"]
    sample = Sample(draft=month["draft"], pdf_bytes=total.s3_bytes // max(1, total.calls["s3:PutObject"]))
    return {"counts": total, "timings": month["timings"], "sample": sample}


def price(counts: Any, invoices: int, lambda_seconds: dict[str, float]) -> dict[str, float]:
    """USD per 10,000 invoices of ``counts`` (``cost_model.Counts`` of ``invoices`` invoices); Lambda time:
    the handler seconds measured per worker, plus ``RTT`` per AWS call."""
    scale = INVOICES / invoices
    c = counts.calls
    aws_calls = sum(c.values())
    memory = sum(_memory_mb(fn) for fn in lambda_seconds) / max(1, len(lambda_seconds)) / 1024
    gb_s = sum(s * _memory_mb(fn) / 1024 for fn, s in lambda_seconds.items()) + aws_calls * RTT * memory
    cost = {
        "lambda": gb_s * scale * PRICE["lambda_gb_s"]
        + (c["sqs:SendMessageBatch"] + c["sqs:SendMessage"]) * scale * PRICE["lambda_request"],
        "dynamodb": (counts.write_units() * PRICE["wru"] + counts.units.get("read", 0) * PRICE["rru"]) * scale,
        "s3": (c["s3:PutObject"] * PRICE["s3_put"] + c["s3:GetObject"] * PRICE["s3_get"]
               + counts.s3_bytes / 1e9 * PRICE["s3_gb_month"]) * scale,
        "sqs": sum(n for k, n in c.items() if k.startswith("sqs:")) * scale * PRICE["sqs_request"],
        "eventbridge": counts.units.get("events", 0) * scale * PRICE["event"],
        "ses": (c["ses:SendRawEmail"] * PRICE["ses_email"] + counts.email_bytes / 1e9 * PRICE["ses_gb"]) * scale,
    }
    cost["without_email"] = sum(v for k, v in cost.items() if k != "ses")
    cost["with_email"] = cost["without_email"] + cost["ses"]
    return cost


def main() -> None:
    from bench.cost_model import model

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    apartments = 40 if quick() else 200
    result = run(apartments)
    counts = result["counts"]
    seconds = {"InvoiceGenerationWorkerFunction": result["timings"]["generation"],
               "InvoiceSendingWorkerFunction": result["timings"]["sending"]}
    cost = price(counts, apartments, seconds)
    print(f"{apartments} invoices in-process: generation {seconds['InvoiceGenerationWorkerFunction']:.2f} s, "
          f"sending (PDF, S3, SES) {seconds['InvoiceSendingWorkerFunction']:.2f} s; AWS calls: "
          f"{dict(sorted(counts.calls.items()))}")
    print(f"per invoice counted: {counts.write_units() / apartments:.2f} write units "
          f"({', '.join(f'{k} {v / apartments:.2f}' for k, v in sorted(counts.units.items()))}), "
          f"{counts.s3_bytes / apartments / 1024:.1f} KiB PDF, "
          f"{counts.email_bytes / max(1, counts.calls['ses:SendRawEmail']) / 1024:.1f} KiB e-mail")
    for n in (60, 4000):
        stated = model(n, result["sample"])
        print(f"model, a building of {n}: {stated.write_units() / n:.2f} write units, "
              f"{sum(v for k, v in stated.calls.items() if k.startswith('dynamodb:')) / n:.3f} DynamoDB calls, "
              f"{stated.units['events'] / n:.0f} events per invoice (per-job calls left out)")
    print("cost of 10,000 invoices (USD): " + ", ".join(f"{k} {v:.4f}" for k, v in cost.items()))
    report("cost", [
        Figure("cost", "USD per 10k invoices, without e-mail", cost["without_email"], "USD", None, "<= 0.10"),
        Figure("cost", "USD per 10k invoices, with e-mail", cost["with_email"], "USD", None, ""),
        Figure("cost", "  of which Lambda", cost["lambda"], "USD", None, ""),
        Figure("cost", "  of which DynamoDB", cost["dynamodb"], "USD", None, ""),
        Figure("cost", "  of which S3", cost["s3"], "USD", None, ""),
        Figure("cost", "  of which SES", cost["ses"], "USD", None, ""),
        Figure("cost", "DynamoDB write units per invoice", counts.write_units() / apartments, "units", None, ""),
    ])


if __name__ == "__main__":
    main()
