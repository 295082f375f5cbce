"""A unit of work of ONE Put, Update or Delete is written as that single conditional call, not as a one-item
TransactWriteItems (issue 19, cost: a transaction costs twice the write units and buys nothing for one item).
Callers see the same behaviour: a refused condition raises ConditionFailed with the operation's label, throttling
is retried. Sending's draft → sent transition is such a unit, and sending keeps each PDF without reading the
bucket first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.invoicing_helpers import generate, new_apartment, new_building, new_charge, run_sending
from tests.support import CallCounter, call, count_calls, unique

MESSAGE = "The thing changed at the same time; try again."


def _key() -> dict[str, str]:
    return {"PK": f"T#{unique()}#SINGLE", "SK": "SINGLE"}


def _seed(key: dict[str, str], version: int = 1) -> None:
    from urbaneta.store import table

    table.put({**key, "version": version, "note": "before"})


def _bump(key: dict[str, str], expected: int, label: str = "thing") -> Any:
    from urbaneta.store.transactions import tx_update

    return tx_update(key, "SET version = :next, note = :note", vals={":v": expected, ":next": expected + 1,
                                                                     ":note": "after"},
                     condition="version = :v", label=label)


def test_sw1_a_one_operation_update_is_one_conditional_update_item(aws: Any) -> None:
    from urbaneta.store import table
    from urbaneta.store.transactions import UnitOfWork

    # Given an item at version 1
    key = _key()
    _seed(key)
    # When a unit of work of one versioned update commits
    with count_calls() as ddb:
        UnitOfWork(MESSAGE).add(_bump(key, 1)).commit()
    # Then it was one UpdateItem, no transaction, and the item moved on
    assert (ddb.count("UpdateItem"), ddb.count("TransactWriteItems")) == (1, 0)
    assert table.get(key) == {**key, "version": 2, "note": "after"}


def test_sw2_a_refused_single_write_raises_condition_failed_with_its_label(aws: Any) -> None:
    from urbaneta.store import table
    from urbaneta.store.table import ConditionFailed
    from urbaneta.store.transactions import UnitOfWork

    # Given an item that moved on to version 2
    key = _key()
    _seed(key, version=2)
    # When a unit of work still expecting version 1 commits
    with count_calls() as ddb, pytest.raises(ConditionFailed) as refused:
        UnitOfWork(MESSAGE).add(_bump(key, 1, label="invoice:x")).commit()
    # Then the refusal names the operation's label and carries the caller's message, as a transaction's did
    assert refused.value.labels == frozenset({"invoice:x"})
    assert str(refused.value) == MESSAGE
    # And it was one UpdateItem, and nothing changed
    assert (ddb.count("UpdateItem"), ddb.count("TransactWriteItems")) == (1, 0)
    assert table.get(key) == {**key, "version": 2, "note": "before"}


def test_sw3_a_lone_put_and_a_lone_delete_are_single_calls_with_their_conditions(aws: Any) -> None:
    from urbaneta.store import table
    from urbaneta.store.table import ConditionFailed
    from urbaneta.store.transactions import transact, tx_delete, tx_put

    # Given a new guard item
    key = _key()
    with count_calls() as ddb:
        # When it is put alone, then put again (it must not exist), then deleted alone on a condition
        transact([tx_put({**key, "owner": "a"}, label="dedupe")])
        with pytest.raises(ConditionFailed) as refused:
            transact([tx_put({**key, "owner": "b"}, label="dedupe")])
        with pytest.raises(ConditionFailed):
            transact([tx_delete(key, condition="#o = :o", names={"#o": "owner"}, vals={":o": "b"}, label="mine")])
        transact([tx_delete(key, condition="#o = :o", names={"#o": "owner"}, vals={":o": "a"}, label="mine")])
    # Then each was its own PutItem or DeleteItem, the second put refused by its label, and the item is gone
    assert refused.value.labels == frozenset({"dedupe"})
    assert (ddb.count("PutItem"), ddb.count("DeleteItem"), ddb.count("TransactWriteItems")) == (2, 2, 0)
    assert table.get(key) is None


def test_sw4_two_operations_stay_one_transaction_naming_only_the_failed_label(aws: Any) -> None:
    from urbaneta.store import table
    from urbaneta.store.table import ConditionFailed
    from urbaneta.store.transactions import UnitOfWork, tx_put

    # Given an item at version 2 and a guard that does not exist yet
    key, guard = _key(), _key()
    _seed(key, version=2)
    # When a unit of work puts the guard and bumps the item from version 1
    with count_calls() as ddb, pytest.raises(ConditionFailed) as refused:
        UnitOfWork(MESSAGE).add(tx_put(guard, label="guard"), _bump(key, 1)).commit()
    # Then it was one TransactWriteItems, refused for the item alone, and the guard was not written either
    assert (ddb.count("TransactWriteItems"), ddb.count("UpdateItem"), ddb.count("PutItem")) == (1, 0, 0)
    assert refused.value.labels == frozenset({"thing"})
    assert table.get(guard) is None
    # And with the right version both are written together, still in one transaction
    with count_calls() as ddb:
        UnitOfWork(MESSAGE).add(tx_put(guard, label="guard"), _bump(key, 2)).commit()
    assert ddb.count("TransactWriteItems") == 1 and table.get(guard) == guard


def test_sw5_a_lone_condition_check_and_a_tokened_write_stay_transactions(aws: Any) -> None:
    from urbaneta.store.table import ConditionFailed
    from urbaneta.store.transactions import transact, tx_check

    # Given an item at version 1
    key = _key()
    _seed(key)
    with count_calls() as ddb:
        # When a lone condition check fails, and a one-item update asks for an idempotency token
        with pytest.raises(ConditionFailed) as refused:
            transact([tx_check(key, "version = :v", vals={":v": 5}, label="check")])
        transact([_bump(key, 1)], token=unique("token"))
    # Then both went through TransactWriteItems (a check writes nothing alone; a token is a transaction's)
    assert (ddb.count("TransactWriteItems"), ddb.count("UpdateItem")) == (2, 0)
    assert refused.value.labels == frozenset({"check"})


@contextmanager
def _throttled(times: int, code: str) -> Iterator[list[str]]:
    """The table client's UpdateItem answers ``code`` for its first ``times`` calls (-1: always), as it does once
    botocore's own retries are spent, then writes; backoff pauses are recorded, not slept."""
    from urbaneta import backoff
    from urbaneta.store import table

    pauses: list[str] = []
    client = table.ddb()
    real = client.update_item

    def update_item(**kwargs: Any) -> Any:
        if len(pauses) < times or times < 0:
            raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "UpdateItem")
        return real(**kwargs)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(client, "update_item", update_item)
        patched.setattr(backoff, "pause", lambda attempt, **_: pauses.append(f"pause {attempt}"))
        yield pauses


def test_sw6_a_throttled_single_write_is_retried_then_answers_busy(aws: Any) -> None:
    from urbaneta.errors import ServiceUnavailable
    from urbaneta.store import table
    from urbaneta.store.transactions import transact

    # Given an item, and a table that throttles the single write twice more than botocore retried
    key = _key()
    _seed(key)
    with _throttled(2, "ProvisionedThroughputExceededException") as pauses:
        # When a one-item unit of work commits
        transact([_bump(key, 1)])
    # Then it waited twice with the package's backoff and wrote once
    assert pauses == ["pause 0", "pause 1"] and table.get(key)["version"] == 2
    # When the table never stops throttling / Then the caller gets "busy" (503) after 8 waits
    with _throttled(-1, "ThrottlingException") as pauses, \
            pytest.raises(ServiceUnavailable):
        transact([_bump(key, 2)])
    assert len(pauses) == 8
    # When the write fails for another reason / Then that error reaches the caller unchanged, without a wait
    with _throttled(-1, "ValidationException") as pauses, pytest.raises(ClientError):
        transact([_bump(key, 2)])
    assert pauses == [] and table.get(key)["version"] == 2


def test_sw7_a_validated_single_write_goes_through_the_bulk_client(aws: Any) -> None:
    from urbaneta.adapters.aws import bulk_client
    from urbaneta.store import table
    from urbaneta.store.transactions import transact

    # Given an item, and a counter on the bulk writers' client alone
    key = _key()
    _seed(key)
    bulk = CallCounter()
    events = bulk_client("dynamodb").meta.events
    events.register("before-call.dynamodb.*", bulk)
    try:
        # When a bulk worker commits one validated update
        transact([_bump(key, 1)], validated=True)
    finally:
        events.unregister("before-call.dynamodb.*", bulk)
    # Then the bulk client made the one UpdateItem
    assert bulk.calls == ["UpdateItem"] and table.get(key)["version"] == 2


def test_sw8_sending_writes_each_transition_alone_and_never_reads_the_bucket(make_caller: Any) -> None:
    # Given a building's three draft invoices, one of whose PDFs was already downloaded
    mgr = make_caller("manager")
    b = new_building(mgr, invoicePrefix=unique("S").upper())
    for n in range(1, 4):
        new_apartment(mgr, b["id"], str(n), 40 + n, email=f"single{n}-{unique()}@example.com", ownerName=f"Ülo {n}")
    new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    generate(mgr, b["id"])
    drafts = call("invoices", "GET", "/invoices", token=mgr.token, query={"buildingId": b["id"]}).data
    assert call("invoices", "GET", f"/invoices/{drafts[0]['id']}/pdf", token=mgr.token).status == 200
    # When they are sent
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"buildingId": b["id"]})
    assert res.status == 202, res
    with count_calls("s3") as s3, count_calls() as ddb:
        assert not run_sending()
    # Then each PDF was rendered and kept without a read of the bucket first
    assert (s3.count("GetObject"), s3.count("PutObject")) == (0, 3)
    # And each draft → sent was one conditional UpdateItem (besides the job's progress and completion), no
    # transaction
    assert ddb.count("TransactWriteItems") == 0 and ddb.count("UpdateItem") == 3 + 2
    sent = call("invoices", "GET", "/invoices", token=mgr.token, query={"buildingId": b["id"]}).data
    assert sorted(i["status"] for i in sent) == ["sent"] * 3
    # And a later download reads the kept PDF (one GET, no render)
    with count_calls("s3") as s3:
        again = call("invoices", "GET", f"/invoices/{drafts[1]['id']}/pdf", token=mgr.token)
    assert again.status == 200 and again.content.startswith(b"%PDF")
    assert (s3.count("GetObject"), s3.count("PutObject")) == (1, 0)


def test_sw9_another_organisation_cannot_send_or_download_the_invoices(make_caller: Any) -> None:
    # Given a building's draft invoice
    mgr = make_caller("manager")
    b = new_building(mgr, invoicePrefix=unique("T").upper())
    new_apartment(mgr, b["id"], "1", 40, email=f"single-{unique()}@example.com", ownerName="Õie")
    new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    generate(mgr, b["id"])
    (draft,) = call("invoices", "GET", "/invoices", token=mgr.token, query={"buildingId": b["id"]}).data
    # When another organisation's manager asks to send it and to download its PDF
    other = make_caller("manager")
    with count_calls("s3") as s3:
        pdf = call("invoices", "GET", f"/invoices/{draft['id']}/pdf", token=other.token)
        res = call("invoices", "POST", "/invoices/send-bulk", token=other.token, body={"invoiceIds": [draft["id"]]})
        if res.status == 202:
            assert not run_sending()
    # Then the PDF is not found, nothing reached the bucket, and the invoice is still a draft
    assert pdf.status == 404 and s3.count() == 0
    assert call("invoices", "GET", f"/invoices/{draft['id']}", token=mgr.token).data["status"] == "draft"
