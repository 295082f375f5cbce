"""Generation's reads per invoice, and the bulk client's CPU, before and after (issue 19).

A building of N apartments (BENCH_QUICK=1: 40; else 200), each with a cold water meter read monthly, a metered
and a per-area charge and late interest; January is generated and left overdue, then February is generated
and every DynamoDB call of it counted (botocore's ``BaseClient._make_api_call``, both clients). The same
script runs in a child process against each checkout, alternately (``BENCH_AGAINST=<checkout>``, e.g. a
``git archive`` of the commit before; default: this checkout only), on equal data.

The second figure is the client-side CPU of the generation worker's writes: the TransactWriteItems calls one
February run made are replayed on two clients, with and without botocore's parameter validation, against a
stubbed HTTP layer (no server: only the client's own work is timed), alternating, five rounds each.

    BENCH_AGAINST=/tmp/before python -m bench.bench_generation_reads
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

APARTMENTS = 40 if os.environ.get("BENCH_QUICK") == "1" else 200  # as bench.common.quick()


def _org(tenant_id: str) -> tuple[str, int]:
    """The building, its apartments, meters and readings, written in batches. Returns (building id, count)."""
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain import references
    from urbaneta.domain.buildings import Address, Apartment, BillingSettings, Building, Charge
    from urbaneta.domain.meters import Meter, Reading
    from urbaneta.store import buildings, meters, table

    now = now_iso()
    b = Building(id=new_id(), tenant_id=tenant_id, name="Bench", created_at=now, updated_at=now,
                 address=Address(street="Pikk 1", city="Tallinn", postal_code="10123", country="EE"),
                 billing=BillingSettings(late_interest_daily_rate=Decimal("0.05")))
    buildings.create_building(b)
    items: list[dict[str, Any]] = []
    for kind, price, meter_type in (("per_area", Decimal(1), None), ("metered", Decimal(2), "cold_water")):
        items.append(buildings.charge_item(Charge(id=new_id(), tenant_id=tenant_id, building_id=b.id, name=kind,
                                                  type=kind, unit_price=price, meter_type=meter_type,
                                                  created_at=now, updated_at=now)))
    for n in range(1, APARTMENTS + 1):
        apt = Apartment(id=new_id(), tenant_id=tenant_id, building_id=b.id, number=str(n), area=Decimal(50),
                        reference_number=references.make_731(str(5_000_000 + n)), created_at=now, updated_at=now)
        m = Meter(id=new_id(), tenant_id=tenant_id, building_id=b.id, apartment_id=apt.id, type="cold_water",
                  unit="m3", serial_number=f"SN{n}", initial_reading=Decimal(100), created_at=now, updated_at=now)
        items += [buildings.apartment_item(apt), meters.meter_item(m)]
        for k, day in enumerate(("2024-12-31", "2025-01-31", "2025-02-28")):
            items.append(meters.reading_item(Reading(
                id=new_id(), tenant_id=tenant_id, meter_id=m.id, building_id=b.id, apartment_id=apt.id,
                value=Decimal(101 + k), reading_date=date.fromisoformat(day), consumption=Decimal(1),
                created_at=now)))
    table.batch_write(items)
    return b.id, APARTMENTS


def _generate(token: str, building_id: str, start: str, end: str, issue: str) -> None:
    from tests.support import call
    from urbaneta.adapters.aws import client
    from urbaneta.services.invoicing.generation import handle_generation_message

    res = call("invoices", "POST", "/invoices/generate-bulk", token=token,
               body={"buildingId": building_id, "periodStart": start, "periodEnd": end, "issueDate": issue})
    assert res.status == 202, res
    url, sqs = os.environ["INVOICE_GENERATION_QUEUE_URL"], client("sqs")
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return
        for m in got:
            handle_generation_message(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _make_overdue(tenant_id: str, building_id: str) -> None:
    from urbaneta.store import invoices, keys, table

    for inv in invoices.invoices_of_building(tenant_id, building_id):
        table.update(keys.invoice(tenant_id, inv.id), "SET #st = :o", names={"#st": "status"},
                     vals={":o": "overdue"}, return_new=False)


def measure() -> dict[str, Any]:
    """In this process (``sys.path`` names the checkout): DynamoDB calls of February's generation per invoice."""
    from botocore.client import BaseClient

    from tests.conftest import new_caller
    from tests.support import emulated_aws

    calls: Counter[str] = Counter()
    writes: list[dict[str, Any]] = []
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
            if operation == "TransactWriteItems":
                writes.append(params)
        return original(self, operation, params)

    with emulated_aws("urbaneta-bench"):
        mgr = new_caller("manager")
        building_id, count = _org(mgr.tenant_id)
        _generate(mgr.token, building_id, "2025-01-01", "2025-01-31", "2025-02-01")
        _make_overdue(mgr.tenant_id, building_id)
        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        try:
            _generate(mgr.token, building_id, "2025-02-01", "2025-02-28", "2025-03-01")
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]
        billed = _february(mgr.tenant_id, building_id)
    return {"invoices": count, "calls": dict(calls), "writes": writes, "billed": billed}


def _february(tenant_id: str, building_id: str) -> list[list[Any]]:
    """What February billed, apartment by apartment: the same before and after, or the change is wrong."""
    from urbaneta.store import invoices

    found = [i for i in invoices.invoices_of_building(tenant_id, building_id) if i.period_start.month == 2]
    return sorted([i.reference_number, i.total_cents, [ln.amount_cents for ln in i.lines]] for i in found)


def _client(validation: bool) -> Any:
    """A DynamoDB client whose HTTP layer answers 200 ``{}`` at once: only the client's own work remains."""
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    class _Raw:
        def stream(self, **_: Any) -> Any:
            yield b"{}"

    api = boto3.session.Session().client(
        "dynamodb", region_name="eu-north-1", endpoint_url="http://localhost:9", aws_access_key_id="x",
        aws_secret_access_key="x", config=Config(parameter_validation=validation))
    api.meta.events.register("before-send.dynamodb.*", lambda request, **_: AWSResponse(request.url, 200, {}, _Raw()))
    return api


def _cpu_per_invoice(writes: list[dict[str, Any]], invoices: int) -> tuple[float, float]:
    """Client CPU (µs per invoice) of replaying the worker's transactions, without and with validation."""
    from bench.common import median

    clients = {False: _client(False), True: _client(True)}
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(5):
        for validation in (False, True):
            start = time.process_time()
            for params in writes:
                clients[validation].transact_write_items(**params)
            times[validation].append((time.process_time() - start) / invoices * 1e6)
    return median(times[False]), median(times[True])


def _child(root: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", str(root)], capture_output=True, text=True,
                         check=False, cwd=root)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    from bench.common import ROOT, Figure, median, report

    against = os.environ.get("BENCH_AGAINST")
    roots = {"after": ROOT, **({"before": Path(against)} if against else {})}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in roots}
    for _ in range(int(os.environ.get("BENCH_ROUNDS", "2"))):  # alternating
        for name, root in roots.items():
            runs[name].append(_child(root))
    per = {name: [sum(r["calls"].values()) / r["invoices"] for r in rs] for name, rs in runs.items()}
    after = runs["after"][-1]
    off, on = _cpu_per_invoice(after["writes"], after["invoices"])
    base = median(per["before"]) if "before" in per else None
    print(json.dumps({name: rs[-1]["calls"] for name, rs in runs.items()}))
    same = all(r["billed"] == after["billed"] for rs in runs.values() for r in rs)
    print(f"February billed identically in every run: {same} ({len(after['billed'])} invoices, "
          f"{sum(len(b[2]) for b in after['billed'])} lines)")
    report("generation_reads", [
        Figure("generation", f"DynamoDB calls per invoice ({APARTMENTS} apts)", median(per["after"]), "calls",
               base, "fewer than before"),
        Figure("generation", "client CPU per invoice, writes, no validation", off, "µs", on, "< 1x"),
    ])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        sys.path[:0] = [str(Path(sys.argv[2]) / "layers" / "shared"), sys.argv[2]]
        result = measure()
        print(json.dumps(result, default=str))
    else:
        main()
