"""Invoicing: generate the invoices of a 2,000-apartment building (BENCH_QUICK=1: 200) through the local stack,
started in a child process (``local.stack.spawn_stack``): POST /api/invoices/generate-bulk → SQS → the generation
worker (chunks of 400: one reservation UpdateItem, BatchWriteItem 25 at a time, one progress UpdateItem, PutEvents
10 at a time) → GET /api/jobs/{id} until completed.

Baseline, measured in the same run against the same moto server: the naive generator - the same lines and numbers,
then one PutItem and one PutEvents per invoice (one counter UpdateItem for the whole run, to be generous).

Printed: invoices per second of both and their ratio; DynamoDB write calls per invoice (goal <= 0.05) and PutEvents
calls per invoice (goal <= 0.1) of the stack's path; PDF rendering time per invoice against a one-cell document with
the same embedded font from the same library (fpdf2; goal <= 4x).

On the emulator every item costs far more than a call (moto processes each item in Python), so batching shows
less than it does against DynamoDB, where a call is a network round trip. ``BENCH_RTT_MS=5`` adds a modelled
round trip to every DynamoDB and EventBridge call of both runs (labelled as such in the output).

The calls per invoice are measured with the bus's rules detached (see ``_detach_rules``), so that only the
generator's own calls count. Then the rules are attached again and another building of the same size is
generated, and detached again for a third: the attached time against the mean of the two detached ones is what
the rules' deliveries (the webhook fan-out) cost the generation on the local stack (goal <= 1.3x).

The buildings are made through the API (building, charges); their apartments are written in batches (the API
would take minutes for 4,000 of them on the emulator, and the apartments are not what is measured). The stack's
AWS calls are the functions' calls the stack counts (``GET /_local/stats``), less what the job polling itself
costs (one GET /jobs measured alone, times the number of polls); the baseline's are counted by wrapping
botocore's ``BaseClient._make_api_call`` in this process, where the baseline runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
PERIOD = {"periodStart": "2025-01-01", "periodEnd": "2025-01-31", "issueDate": "2025-02-01"}


class Calls:
    """AWS calls by (service, operation) made in this process while ``counting`` (the naive baseline runs here)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.counting = False
        self.lock = threading.Lock()
        self.rtt = float(os.environ.get("BENCH_RTT_MS", "0")) / 1000

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        calls = self

        def counted(client: Any, operation: str, params: Any) -> Any:
            if calls.counting:
                service = client.meta.service_model.service_name
                with calls.lock:
                    calls.counts[(service, operation)] += 1
                if calls.rtt and service in ("dynamodb", "events"):
                    time.sleep(calls.rtt)  # a modelled network round trip (BENCH_RTT_MS), same for both runs
            return original(client, operation, params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    @contextmanager
    def window(self) -> Any:
        self.counts.clear()
        self.counting = True
        try:
            yield self
        finally:
            self.counting = False

    def writes(self) -> int:
        return sum(n for (svc, op), n in self.counts.items() if svc == "dynamodb" and op in WRITES)

    def put_events(self) -> int:
        return self.counts[("events", "PutEvents")]


def _events_client(stack: Any) -> Any:
    import boto3

    from local.emulator import STACK_ACCESS_KEY

    return boto3.session.Session(aws_access_key_id=STACK_ACCESS_KEY, aws_secret_access_key="local").client(
        "events", region_name="eu-north-1", endpoint_url=stack.moto_url)


def _detach_rules(stack: Any) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Take the targets off the bus's rules; returns them, to be put back (``_attach_rules``)."""
    events = _events_client(stack)
    removed = []
    for bus in events.list_event_buses()["EventBuses"]:
        for rule in events.list_rules(EventBusName=bus["Name"]).get("Rules", []):
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
            if targets:
                events.remove_targets(Rule=rule["Name"], EventBusName=bus["Name"], Ids=[t["Id"] for t in targets])
                removed.append((rule["Name"], bus["Name"], targets))
    return removed


def _attach_rules(stack: Any, removed: list[tuple[str, str, list[dict[str, Any]]]]) -> None:
    events = _events_client(stack)
    for rule, bus, targets in removed:
        events.put_targets(Rule=rule, EventBusName=bus, Targets=targets)


def _api(stack: Any) -> Any:
    import httpx

    return httpx.Client(base_url=stack.api_url, timeout=120)


def _organisation(http: Any, apartments: int) -> tuple[str, str, str]:
    """A registered organisation with one building (charges through the API, apartments in batches):
    (tenant id, token, building id)."""
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.buildings import Apartment
    from urbaneta.domain.references import make_731
    from urbaneta.store.buildings import apartment_item
    from urbaneta.store.table import batch_write

    email = f"bench-{new_id()[:8]}@example.com"
    from local.signup import register

    res = register(http, str(http.base_url), {"organizationName": "KÜ Õunapuu", "email": email,
                                              "password": "correct horse battery staple", "name": "Mari Maasikas"})
    res.raise_for_status()
    tenant_id, token = res.json()["data"]["tenantId"], res.json()["data"]["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    res = http.post("/buildings", headers=auth, json={
        "name": "Õunapuu 5", "address": {"street": "Õunapuu 5", "city": "Tartu", "postalCode": "50104",
                                         "country": "EE"},
        "billing": {"dueDays": 14, "vatRate": 22, "iban": "EE061010220000000016", "bankName": "Swedbank"}})
    res.raise_for_status()
    building_id = res.json()["data"]["id"]
    for body in ({"name": "Haldustasu", "type": "per_area", "unitPrice": 0.4515},
                 {"name": "Remondifond", "type": "per_area", "unitPrice": 0.35, "vatRate": 0},
                 {"name": "Prügivedu", "type": "per_resident", "unitPrice": 2.125},
                 {"name": "Koristus", "type": "per_apartment", "unitPrice": 6.5},
                 {"name": "Küte", "type": "shared_by_area", "unitPrice": 12345.67}):
        http.post(f"/buildings/{building_id}/charges", headers=auth, json=body).raise_for_status()
    now = now_iso()
    items = []
    for n in range(1, apartments + 1):
        apt = Apartment(id=new_id(), tenant_id=tenant_id, building_id=building_id, number=str(n),
                        area=Decimal(35) + Decimal(n % 50) + Decimal("0.3"), residents_count=n % 4,
                        owner_name=f"Jūratė Šeškauskienė {n}", email=f"apt{n}@example.com",
                        reference_number=make_731(str(1_000_000 + n)), created_at=now, updated_at=now)
        items.append(apartment_item(apt))
    batch_write(items)
    return tenant_id, token, building_id


def _functions_calls(stack: Any) -> Counter[tuple[str, str]]:
    counts = stack.stats()["aws"]["functions"]
    return Counter({tuple(k.split(":", 1)): v for k, v in counts.items()})


def _poll_job(http: Any, auth: dict[str, str], job_id: str) -> tuple[dict[str, Any], int]:
    polls = 0
    while True:
        polls += 1
        job = http.get(f"/jobs/{job_id}", headers=auth).json()["data"]
        if job["status"] in ("completed", "failed"):
            return job, polls
        time.sleep(0.1)


def _stack_generation(stack: Any, http: Any, token: str, building_id: str) -> tuple[float, dict[str, Any],
                                                                                   Counter[tuple[str, str]]]:
    """(seconds, the job, the functions' AWS calls less the polling's own) of one bulk generation."""
    auth = {"Authorization": f"Bearer {token}"}
    before = _functions_calls(stack)
    started = time.perf_counter()
    res = http.post("/invoices/generate-bulk", headers=auth, json={"buildingId": building_id, **PERIOD})
    res.raise_for_status()
    job, polls = _poll_job(http, auth, res.json()["data"]["jobId"])
    elapsed = time.perf_counter() - started
    during = _functions_calls(stack) - before
    one = _functions_calls(stack)
    http.get(f"/jobs/{job['id']}", headers=auth).raise_for_status()
    per_poll = _functions_calls(stack) - one
    for key, n in per_poll.items():
        during[key] -= n * polls
    return elapsed, job, +during


def _baseline(tenant_id: str, building_id: str, calls: Calls) -> tuple[float, int]:
    """The naive generator: the same plan and lines, then one PutItem and one PutEvents per invoice."""
    from urbaneta.adapters.aws import client
    from urbaneta.adapters.events import _entry
    from urbaneta.domain import billing
    from urbaneta.domain.invoices import Invoice, Recipient
    from urbaneta.services.invoicing.common import invoice_event
    from urbaneta.services.invoicing.documents import pdf_key
    from urbaneta.store import buildings
    from urbaneta.store import invoices as store
    from urbaneta.store.table import serialize, table_name

    with calls.window():
        started = time.perf_counter()
        building = buildings.get_building(tenant_id, building_id)
        apartments = sorted(buildings.list_apartments(tenant_id, building_id),
                            key=lambda a: billing.natural_key(a.number))
        charges = buildings.list_charges(tenant_id, building_id)
        areas = [billing.AreaShare(a.id, a.number, a.area) for a in apartments]
        shared = {c.id: billing.split_by_area(billing.half_up_cents(c.unit_price), areas)
                  for c in charges if c.type == "shared_by_area"}
        issue, start, end = date(2025, 2, 1), date(2025, 1, 1), date(2025, 1, 31)
        counter = client("dynamodb").update_item(
            TableName=table_name(), Key=serialize({"PK": f"T#{tenant_id}#INVCOUNTER#naive", "SK": "COUNTER"}),
            UpdateExpression="ADD #last :n", ExpressionAttributeNames={"#last": "last"},
            ExpressionAttributeValues=serialize({":n": len(apartments)}), ReturnValues="UPDATED_NEW")
        first = int(counter["Attributes"]["last"]["N"]) - len(apartments) + 1
        created = 0
        for k, a in enumerate(apartments):
            lines, _ = billing.build_lines(a, charges, default_vat_rate=building.billing.vat_rate,
                                           shared={cid: s[a.id] for cid, s in shared.items()},
                                           consumption=billing.Consumption())
            totals = billing.totals(lines)
            invoice_id = store.invoice_id_for(tenant_id, a.id, start, end, 0)
            inv = Invoice(id=invoice_id, tenant_id=tenant_id, number=billing.format_number("N", first + k),
                          reference_number=a.reference_number, building_id=building_id, apartment_id=a.id,
                          period_start=start, period_end=end, issue_date=issue, due_date=date(2025, 2, 15),
                          lines=lines, subtotal_cents=totals.subtotal_cents, vat_total_cents=totals.vat_total_cents,
                          total_cents=totals.total_cents, balance_due_cents=totals.total_cents,
                          recipient=Recipient(name=a.owner_name, email=a.email), pdf_key=pdf_key(tenant_id, invoice_id),
                          created_at="", updated_at="")
            client("dynamodb").put_item(TableName=table_name(), Item=serialize(store.invoice_item(inv)))
            client("events").put_events(Entries=[_entry(invoice_event("invoice.created", inv))])
            created += 1
        elapsed = time.perf_counter() - started
    return elapsed, created


def _documents(tenant_id: str, building_id: str, samples: int) -> list[Any]:
    """What the PDFs of some generated invoices show, with their recipients' texts (read from the table before
    the stack stops)."""
    from urbaneta.services.invoicing.documents import document
    from urbaneta.store import invoices as store

    return [document(inv) for inv in list(store.invoices_of_building(tenant_id, building_id))[:samples]]


def _pdf_times(docs: list[Any]) -> tuple[float, float]:
    """Median seconds per invoice PDF and per one-cell document (same library, same embedded font), measured
    with the stack stopped so that its threads do not share the CPU."""
    from urbaneta.adapters.pdf import render_invoice, render_one_cell

    render_invoice(*docs[0]), render_one_cell("warm")  # imports and first-use costs out of the measure
    invoice_times, cell_times = [], []
    for i, doc in enumerate(docs):
        t0 = time.perf_counter()
        render_one_cell(f"Arve {i}")
        t1 = time.perf_counter()
        render_invoice(*doc)
        t2 = time.perf_counter()
        cell_times.append(t1 - t0)
        invoice_times.append(t2 - t1)
    return statistics.median(invoice_times), statistics.median(cell_times)


def main() -> None:
    from local.stack import spawn_stack

    apartments = 200 if quick() else 2000
    rtt = os.environ.get("BENCH_RTT_MS", "0")
    stack = spawn_stack(env={"POWERTOOLS_LOG_LEVEL": "ERROR"}, args=["--aws-latency-ms", rtt])
    os.environ.update({k: v for k, v in stack.environments["InvoiceGenerationWorkerFunction"].items()
                       if k not in ("PATH", "LANG") and not k.startswith("PYTHON")})
    os.environ.update({"AWS_ENDPOINT_URL": stack.moto_url, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    calls = Calls()
    calls.install()
    try:
        http = _api(stack)
        tenant, token, building = _organisation(http, apartments)
        _attached_tenant, attached_token, attached_building = _organisation(http, apartments)
        _later_tenant, later_token, later_building = _organisation(http, apartments)
        naive_tenant, _naive_token, naive_building = _organisation(http, apartments)

        # detached, attached, detached again: the table grows with every run (and moto's index queries walk
        # every item), so the attached run is held against the mean of the runs before and after it
        detached = _detach_rules(stack)
        seconds, job, counted = _stack_generation(stack, http, token, building)
        writes = sum(n for (svc, op), n in counted.items() if svc == "dynamodb" and op in WRITES)
        events = counted[("events", "PutEvents")]
        base_seconds, base_created = _baseline(naive_tenant, naive_building, calls)
        base_writes, base_events = calls.writes(), calls.put_events()
        _attach_rules(stack, detached)
        attached_seconds, attached_job, _ = _stack_generation(stack, http, attached_token, attached_building)
        _detach_rules(stack)
        later_seconds, later_job, _ = _stack_generation(stack, http, later_token, later_building)
        for finished in (job, attached_job, later_job):
            assert finished["status"] == "completed" and finished["created"] == apartments, finished
        assert base_created == apartments
        docs = _documents(tenant, building, 20 if quick() else 50)
    finally:
        stack.stop()
    pdf_invoice, pdf_cell = _pdf_times(docs)

    rate, base_rate = apartments / seconds, apartments / base_seconds
    if rtt != "0":
        print(f"(modelled network round trip: {rtt} ms per DynamoDB/EventBridge call)")
    print(f"{apartments} apartments: stack {seconds:.2f} s ({rate:.0f} invoices/s), naive baseline "
          f"{base_seconds:.2f} s ({base_rate:.0f} invoices/s), ratio {rate / base_rate:.2f}x")
    without = (seconds + later_seconds) / 2
    print(f"with the bus's rules attached: {attached_seconds:.2f} s ({attached_seconds / without:.2f}x the "
          f"{without:.2f} s without them, the mean of the runs before and after)")
    print(f"stack path: {writes} DynamoDB write calls ({writes / apartments:.4f}/invoice), {events} PutEvents "
          f"({events / apartments:.3f}/invoice); baseline: {base_writes / apartments:.3f} and "
          f"{base_events / apartments:.3f} per invoice")
    print(f"PDF: {pdf_invoice * 1000:.1f} ms per invoice vs {pdf_cell * 1000:.1f} ms per one-cell document "
          f"({pdf_invoice / pdf_cell:.2f}x)")
    report("invoicing", [
        Figure("invoicing", "invoices per second (stack vs naive)", rate, "invoices/s", base_rate),
        Figure("invoicing", "generation time, rules attached vs detached", attached_seconds, "s", without,
               "<= 1.3x"),
        Figure("invoicing", "DynamoDB write calls per invoice", writes / apartments, "calls/invoice",
               base_writes / apartments, "<= 0.05"),
        Figure("invoicing", "PutEvents calls per invoice", events / apartments, "calls/invoice",
               base_events / apartments, "<= 0.1"),
        Figure("invoicing", "PDF render time per invoice (vs one-cell doc)", pdf_invoice * 1000, "ms",
               pdf_cell * 1000, "<= 4x"),
    ])


if __name__ == "__main__":
    main()
