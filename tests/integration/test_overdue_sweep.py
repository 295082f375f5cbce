"""The overdue sweep fanned out through its queue: the daily schedule queues one slice per shard of the due index,
the worker marks each past-due, sent, unpaid invoice overdue once (one conditional UpdateItem each, no read), a
shard longer than a slice continues in the next message, and a redelivered slice changes nothing."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import pytest

from tests.integration.invoicing_helpers import load_event_sweep, receive_all, run_sweep_slices, watched_invoice
from tests.support import LambdaContext, count_calls, function_module, load_event, sqs_event

DAY = "2025-03-20T01:00:00Z"  # the schedule's day: invoices due before 2025-03-20 become overdue


@pytest.fixture(scope="module")
def portfolio(aws) -> dict[str, Any]:
    """30 organisations over the due index's shards, each with 3 invoices past due and sent, one not yet due,
    one overdue already and one paid (out of the watch)."""
    from urbaneta.clock import new_id
    from urbaneta.store import invoices, keys

    tenants = [new_id() for _ in range(30)]
    rows = {"due": [], "later": [], "overdue": [], "paid": []}
    for t in tenants:
        rows["due"] += [watched_invoice(t, n, due=f"2025-03-{10 + n:02d}") for n in range(3)]
        rows["later"].append(watched_invoice(t, 3, due="2025-03-20"))
        rows["overdue"].append(watched_invoice(t, 4, due="2025-03-01", status="overdue"))
        rows["paid"].append(watched_invoice(t, 5, due="2025-03-01", status="paid", balance=0))
    invoices.write_new([i for group in rows.values() for i in group])
    assert len({keys.due_shard(t) for t in tenants}) >= 4
    return {"tenants": set(tenants), **rows}


@pytest.fixture
def announced(monkeypatch) -> list[Any]:
    """The domain events the sweep publishes, kept here instead of going to EventBridge."""
    from urbaneta.services.invoicing import sweep

    seen: list[Any] = []
    monkeypatch.setattr(sweep, "publish", lambda events: seen.extend(events) or 0)
    return seen


def ours(events: list[Any], tenants: set[str]) -> list[Any]:
    return [e for e in events if e.tenantId in tenants]


def stored(inv: Any) -> Any:
    from urbaneta.store import invoices

    return invoices.get_invoice(inv.tenant_id, inv.id)


def receive_visible() -> list[dict[str, Any]]:
    """The sweep queue's messages, left in place (visible again at once)."""
    from urbaneta.adapters.aws import client

    messages = receive_all("OVERDUE_SWEEP_QUEUE_URL")
    for m in messages:
        client("sqs").change_message_visibility(QueueUrl=os.environ["OVERDUE_SWEEP_QUEUE_URL"],
                                                ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return messages


def slice_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return sqs_event("sqs/overdue_sweep", [{"MessageId": f"m-{i}", "ReceiptHandle": f"r-{i}", "Body": json.dumps(b)}
                                           for i, b in enumerate(bodies)])


def test_the_schedule_fans_out_and_every_past_due_invoice_becomes_overdue_once(portfolio, announced,
                                                                                 monkeypatch):
    # Given 90 sent invoices past due across 30 organisations, and slices of 7 index entries (the reminder slices
    # the schedule also queues are left out here: tests/integration/test_reminders.py covers them)
    from urbaneta.services.invoicing import reminders, sweep

    monkeypatch.setattr(sweep, "SLICE", 7)
    monkeypatch.setattr(reminders, "fan_out", lambda moment: [])
    # When the daily schedule runs
    event = {**load_event("schedule/overdue_sweep"), "time": DAY}
    result = function_module("overdue_sweep").handler(event, LambdaContext())
    # Then it queued one slice per shard of the due index
    assert result["sweepSlicesQueued"] == 8 and len(receive_visible()) == 8
    # When the queue is fed to the worker
    with count_calls("dynamodb") as dynamodb, count_calls("sqs") as sqs:
        assert not run_sweep_slices()
    # Then each past-due invoice is overdue, announced once; the others did not change
    mine = ours(announced, portfolio["tenants"])
    assert sorted(e.data["invoiceId"] for e in mine) == sorted(i.id for i in portfolio["due"])
    assert {e.event for e in mine} == {"invoice.overdue"}
    for inv in portfolio["due"]:
        after = stored(inv)
        assert (after.status, after.version, after.overdue_at is not None) == ("overdue", inv.version + 1, True)
    for inv in portfolio["later"] + portfolio["overdue"] + portfolio["paid"]:
        assert (stored(inv).status, stored(inv).version) == (inv.status, inv.version)
    # And each transition cost one UpdateItem (no GetItem, no transaction), each slice one Query and, for its sent
    # entries (the slim due index projects keys and status), one BatchGetItem per 100; the shards longer than a
    # slice went on in further slices
    assert dynamodb.count("GetItem", "TransactWriteItems") == 0
    assert dynamodb.count("UpdateItem") == len(announced)
    slices = dynamodb.count("Query")
    assert slices == 8 + sqs.count("SendMessage") and slices > 8
    assert dynamodb.count("BatchGetItem") <= slices * 2 and dynamodb.count("BatchGetItem") >= 1
    print(f"\noverdue sweep: {len(announced)} transitions, {dynamodb.count('UpdateItem')} UpdateItem, "
          f"{slices} Query, {sqs.count('SendMessage')} continuations")


def test_a_redelivered_slice_changes_nothing_and_announces_nothing(portfolio, announced):
    # Given the day's sweep has run
    from urbaneta.store import keys

    load_event_sweep(DAY)  # the first delivery here, if no earlier test of this worker ran it
    announced.clear()
    shard = keys.due_shard(next(iter(portfolio["tenants"])))
    before = {i.id: stored(i).version for i in portfolio["due"]}
    # When the first slice of a shard is delivered again
    worker = function_module("overdue_sweep_worker")
    answer = worker.handler(slice_event({"kind": "overdue-slice", "day": "2025-03-20", "shard": shard}),
                            LambdaContext())
    assert not run_sweep_slices()
    # Then it succeeded, changed no invoice and published no event
    assert answer == {"batchItemFailures": []}
    assert {i.id: stored(i).version for i in portfolio["due"]} == before
    assert not ours(announced, portfolio["tenants"])


def test_an_invoice_the_index_shows_older_is_judged_on_what_dynamodb_answers(aws, announced, monkeypatch):
    # Given three sent invoices past due, as the index held them a moment ago; since then one had a partial
    # payment (still sent: it becomes overdue), one was paid (it does not), one was marked by another run
    from urbaneta.clock import new_id
    from urbaneta.models.messages import OverdueSweepSlice
    from urbaneta.services.invoicing import sweep
    from urbaneta.store import invoices, keys

    tenant = new_id()
    old = [watched_invoice(tenant, n, due="2025-03-05") for n in range(3)]
    now = [old[0].model_copy(update={"version": 2, "balance_due_cents": 400, "amount_paid_cents": 600}),
           old[1].model_copy(update={"version": 2, "status": "paid", "balance_due_cents": 0,
                                     "amount_paid_cents": 1000}),
           old[2].model_copy(update={"version": 2, "status": "overdue"})]
    invoices.write_new(now)
    monkeypatch.setattr(invoices, "due_page", lambda *a, **k: (old, None))
    # When the slice runs
    with count_calls("dynamodb") as dynamodb:
        result = sweep.sweep_slice(OverdueSweepSlice(day=date(2025, 3, 20), shard=keys.due_shard(tenant)))
    # Then only the partly paid one became overdue (its balance kept), announced once
    assert (result.candidates, result.marked) == (3, 1)
    assert [e.data["invoiceId"] for e in announced] == [old[0].id]
    assert (stored(old[0]).status, stored(old[0]).balance_due_cents, stored(old[0]).version) == ("overdue", 400, 3)
    assert (stored(old[1]).status, stored(old[2]).version) == ("paid", 2)
    # And it cost one refused UpdateItem each, plus one for the transition judged again: no read
    assert dynamodb.calls == ["UpdateItem"] * 4


def test_a_malformed_slice_fails_alone_and_goes_back_to_the_queue(aws):
    # Given a batch of a good slice and two bad ones: without a day, and naming a shard the index does not have
    worker = function_module("overdue_sweep_worker")
    bodies = [{"kind": "overdue-slice", "day": "2025-03-20", "shard": 0}, {"kind": "overdue-slice", "shard": 1},
              {"kind": "overdue-slice", "day": "2025-03-20", "shard": 99}]
    # When the worker gets them
    answer = worker.handler(slice_event(*bodies), LambdaContext())
    # Then it reports the two bad ones as failed (SQS retries them, then the DLQ), the good one done
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert not run_sweep_slices()
