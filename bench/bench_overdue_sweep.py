"""The overdue sweep: what one transition costs, the fan-out against the serial sweep it replaced.

Two equal data sets (organisations spread over the due index's 8 shards, each with 10 sent invoices past due
and 2 already overdue) are swept on two days in alternating order, one by the fan-out (the schedule, then its
slices through the queue's worker), one by the serial sweep as it was until 2026-11-30 (one Query pass over
every shard, then per invoice one GetItem and a one-item TransactWriteItems), then again with the roles swapped.
Figures: DynamoDB calls per transition, write units per transition (a one-item transaction costs twice a plain
conditional write), Lambda invocations per run. No time figure: moto deep-copies the whole table for every
TransactWriteItems, so the baseline's time in moto says nothing about DynamoDB's.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime
from typing import Any

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

PER_TENANT, OVERDUE_PER_TENANT = 10, 2


def _seed(tenants: int, due: str) -> list[Any]:
    from tests.integration.invoicing_helpers import watched_invoice
    from urbaneta.clock import new_id
    from urbaneta.store import invoices

    rows = []
    for _ in range(tenants):
        t = new_id()
        rows += [watched_invoice(t, n, due=due) for n in range(PER_TENANT)]
        rows += [watched_invoice(t, 100 + n, due=due, status="overdue") for n in range(OVERDUE_PER_TENANT)]
    invoices.write_new(rows)
    return [r for r in rows if r.status == "sent"]


def serial_sweep(day: date) -> int:
    """The sweep as it was: every shard in one invocation, a read and a one-item transaction per invoice."""
    from urbaneta.adapters.events import publish
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain import invoice_state
    from urbaneta.errors import Conflict
    from urbaneta.services.invoicing.common import invoice_event
    from urbaneta.store import invoices as store
    from urbaneta.store.invoices.lifecycle import transition_op
    from urbaneta.store.keys import DUE_SHARDS
    from urbaneta.store.transactions import transact

    marked, pending = 0, []
    for shard in range(DUE_SHARDS):
        for indexed in store.due_before(shard, day):
            if not invoice_state.becomes_overdue(indexed, day):
                continue
            inv = store.get_invoice(indexed.tenant_id, indexed.id)
            if not invoice_state.becomes_overdue(inv, day):
                continue
            after = inv.model_copy(update={"status": "overdue", "overdue_at": now_iso()})
            try:  # as it was: a one-item TransactWriteItems (a token keeps ``transact`` from making it one write)
                transact([transition_op(inv, after)], conflict_message=store.CHANGED, token=new_id())
            except Conflict:
                continue
            marked += 1
            pending.append(invoice_event("invoice.overdue", after))
    publish(pending)
    return marked


def fanned_out(day: date) -> int:
    """The schedule's fan-out, then every slice through the worker (one invocation per slice)."""
    from tests.integration.invoicing_helpers import run_sweep_slices
    from urbaneta.services.invoicing import sweep

    sweep.fan_out(datetime(day.year, day.month, day.day, 1, tzinfo=UTC))
    assert not run_sweep_slices()
    return 1


def _measure(run: Any, day: date, expected: list[Any]) -> dict[str, float]:
    from tests.support import count_calls
    from urbaneta.store import invoices

    with count_calls("dynamodb") as ddb:
        run(day)
    done = sum(invoices.get_invoice(i.tenant_id, i.id).status == "overdue" for i in expected)
    assert done == len(expected), (done, len(expected))
    writes = ddb.count("UpdateItem") + 2 * ddb.count("TransactWriteItems")
    # the serial sweep is one invocation; the fan-out, the schedule's and one per slice (each slice one Query)
    invocations = 1 if run is serial_sweep else 1 + ddb.count("Query")
    return {"calls": ddb.count() / done, "writes": writes / done, "invocations": invocations}


def main() -> None:
    from tests.support import start_emulated_aws

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    start_emulated_aws("urbaneta-bench")
    tenants = 10 if quick() else 25  # moto deep-copies the table for every transaction: keep the baseline short
    # alternating order on equal data: fan-out, serial, serial, fan-out, each run on its own day, over the data
    # set due the day before it (the earlier sets are overdue by then: filtered out, as in production)
    plan = [(fanned_out, "2025-04-02"), (serial_sweep, "2025-04-03"), (serial_sweep, "2025-04-04"),
            (fanned_out, "2025-04-05")]
    seeded = [_seed(tenants, f"2025-04-{1 + k:02d}") for k in range(len(plan))]
    results: dict[str, list[dict[str, float]]] = {"fan-out": [], "serial": []}
    for (run, day), expected in zip(plan, seeded, strict=True):
        name = "serial" if run is serial_sweep else "fan-out"
        results[name].append(_measure(run, date.fromisoformat(day), expected))

    def mean(name: str, key: str) -> float:
        return sum(r[key] for r in results[name]) / len(results[name])

    transitions = tenants * PER_TENANT
    report("overdue_sweep", [
        Figure("overdue_sweep", f"DynamoDB calls per transition ({transitions}/run)", mean("fan-out", "calls"),
               "calls", mean("serial", "calls"), "<= 0.6x"),
        Figure("overdue_sweep", "table write units per transition (item < 1 KB)", mean("fan-out", "writes"), "WCU",
               mean("serial", "writes"), "0.5x"),
        Figure("overdue_sweep", "Lambda invocations per run", mean("fan-out", "invocations"), "invocations",
               mean("serial", "invocations"), "8 + continuations"),
    ])


if __name__ == "__main__":
    main()
