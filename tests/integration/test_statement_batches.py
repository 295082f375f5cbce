"""Statement lines applied in groups (issue 19, item 2) and a worker chunk cut short by time (issue 16, item 4):
payments of different apartments share one TransactWriteItems with their ledger entries and the entries' new
status; a payment refused in its group is applied alone; a chunk the time cut short is queued again and counted
once."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.invoicing_helpers import receive_all
from tests.integration.test_statement_import import CSV, FN, WORKER, imp, job  # noqa: F401
from tests.payments_support.files import Entry, Tx, camt
from tests.payments_support.org import invoice_state, new_apartment, new_building, new_invoice
from tests.support import call, count_calls


def _org(make_caller: Any, apartments: int) -> tuple[Any, list[Any], list[dict[str, Any]]]:
    caller = make_caller("manager")
    building = new_building(caller)
    apts = [new_apartment(caller, building, str(n + 1)) for n in range(apartments)]
    invoices = [new_invoice(caller, building, apt, 5000) for apt in apts]
    receive_all(WORKER)
    return caller, apts, invoices


def _ledger_payments(caller: Any, apartment_id: str) -> list[Any]:
    """The apartment account's payment entries (amounts)."""
    res = call("accounts", "GET", f"/apartments/{apartment_id}/account", token=caller.token)
    assert res.status == 200, res
    return [e["amount"] for e in res.data["entries"] if e["type"] == "payment"]


def test_payments_of_different_apartments_share_one_transaction(make_caller):
    # Given three apartments with an open invoice of 50.00 each
    caller, apts, invoices = _org(make_caller, 3)
    content = camt([Entry([Tx("50.00", ref=a.reference, iban=None, name=f"P{n}")], bank_ref=f"GRP{n}")
                    for n, a in enumerate(apts)])
    # When their statement is imported
    with count_calls("dynamodb") as counter:
        res = imp(caller, content)
    # Then the entries are claimed in one transaction and the three payments written in one more
    assert (res.status, res.data["matched"]) == (201, 3), res
    assert counter.count("TransactWriteItems") == 2
    # And every invoice is paid once, with its apartment's ledger in the same unit
    for apt, invoice in zip(apts, invoices, strict=True):
        assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 5000
        assert _ledger_payments(caller, apt.id) == [-50.0]
    # When the same file comes again / Then nothing is recorded twice
    again = imp(caller, content)
    assert (again.data["duplicates"], again.data["matched"]) == (3, 0), again.data


def test_a_payment_refused_in_its_group_is_applied_alone(make_caller, monkeypatch):
    # Given two apartments, and a cash payment on the first one's invoice landing after the import read it
    from urbaneta.services.reconciliation import slices

    caller, apts, invoices = _org(make_caller, 2)
    read = slices.prefetch

    def read_then_pay(*args: Any, **kwargs: Any) -> Any:
        cache = read(*args, **kwargs)
        paid = call(FN, "POST", "/payments", token=caller.token, body={
            "invoiceId": invoices[0]["id"], "amount": 10, "paidDate": "2024-03-05", "method": "cash"})
        assert paid.status == 201, paid
        return cache

    monkeypatch.setattr(slices, "prefetch", read_then_pay)
    content = camt([Entry([Tx("20.00", ref=a.reference, iban=None)], bank_ref=f"RFS{n}") for n, a in enumerate(apts)])
    # When the statement is imported (the group's condition on the first invoice fails)
    res = imp(caller, content)
    # Then both payments are recorded: the second in the group, the first alone on the invoice as it is now
    assert (res.status, res.data["matched"], res.data["duplicates"]) == (201, 2, 0), res
    assert invoice_state(caller, invoices[0]["id"])["amountPaidCents"] == 3000
    assert invoice_state(caller, invoices[1]["id"])["amountPaidCents"] == 2000
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoices[0]["id"]}).data
    assert sorted(p["amount"] for p in listed) == [10.0, 20.0]


def test_a_chunk_cut_short_by_time_is_queued_again_and_counted_once(make_caller):
    from urbaneta.services import reconciliation

    # Given an asynchronous import of three payments
    caller, apts, invoices = _org(make_caller, 3)
    content = camt([Entry([Tx("50.00", ref=a.reference, iban=None)], bank_ref=f"CUT{n}") for n, a in enumerate(apts)])
    res = imp(caller, content, **{"async": "true"})
    assert res.status == 202, res
    # When the worker's time runs short after the first payment
    budget = iter([600_000, 600_000] + [0] * 20)
    for message in receive_all(WORKER):
        reconciliation.handle_message(json.loads(message["Body"]), lambda: next(budget))
    # Then the chunk is not counted yet, and it is queued again
    half = job(caller, res.data["jobId"]).data
    assert (half["status"], half["processed"]) == ("running", 0), half
    again = receive_all(WORKER)
    assert [json.loads(m["Body"])["chunk"] for m in again] == [0]
    # When the worker runs it again with time enough
    for message in again:
        reconciliation.handle_message(json.loads(message["Body"]), lambda: 600_000)
    # Then the job completes with each payment counted once
    done = job(caller, res.data["jobId"]).data
    assert (done["status"], done["processed"], done["matched"], done["duplicates"]) == ("completed", 3, 3, 0), done
    assert all(invoice_state(caller, i["id"])["amountPaidCents"] == 5000 for i in invoices)
