"""The slim invoice indexes (issue 19, cost): GSI4 (invoices by number, keys only) and GSI5 (the due watch, keys and
status). Sending and paying an invoice write nothing to GSI4 and only entering or leaving the watch writes to
GSI5; queries on them read the invoices after the entries, as they are now, in the entries' order, and never
another tenant's (against moto, the table built from template.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cost_model
from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment, new_building, new_charge
from tests.support import call, count_calls
from urbaneta.store import invoices as store
from urbaneta.store import keys, table
from urbaneta.store.invoices import items


@pytest.fixture
def billed(make_caller) -> dict[str, Any]:
    """A manager's building of three apartments billed for January 2025 (drafts), and another tenant's."""
    mgr = make_caller("manager")
    b = new_building(mgr)
    for n in ("1", "2", "3"):
        new_apartment(mgr, b["id"], n, 40 + int(n))
    new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    other = make_caller("manager")
    ob = new_building(other)
    new_apartment(other, ob["id"], "1", 50)
    new_charge(other, ob["id"], "Haldustasu", "per_area", 0.5)
    generate(other, ob["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    return {"mgr": mgr, "other": other, "invoices": sorted(invoices_of(mgr, buildingId=b["id"]),
                                                          key=lambda i: i["number"])}


def _projections() -> dict[str, dict[str, Any]]:
    return {name: projection for name, _keys, projection in cost_model.indexes() if name}


def test_the_template_declares_the_slim_projections_the_store_reads():
    # Given template.yaml's indexes; Then GSI1..GSI3 project whole items and GSI4/GSI5 what keys.py says
    got = _projections()
    assert {n: got[n]["ProjectionType"] for n in ("GSI1", "GSI2", "GSI3")} == dict.fromkeys(("GSI1", "GSI2", "GSI3"),
                                                                                           "ALL")
    assert set(keys.SLIM_INDEXES) == {"GSI4", "GSI5"} and set(keys.INDEXES) == set(got)
    for name, attributes in keys.SLIM_PROJECTIONS.items():
        assert tuple(got[name].get("NonKeyAttributes", ())) == attributes
        assert got[name]["ProjectionType"] == ("INCLUDE" if attributes else "KEYS_ONLY")


def test_sending_and_paying_write_nothing_to_the_number_index_and_one_unit_to_the_watch(billed):
    # Given a draft as generation wrote it
    mgr, first = billed["mgr"], billed["invoices"][0]
    draft = store.get_invoice(mgr.tenant_id, first["id"])
    wire = dict(table.serialize(items.invoice_item(draft)))
    # When it is sent (it enters the watch) and then paid (it leaves it)
    sent = draft.model_copy(update={"status": "sent", "sent_at": "2025-02-01T08:00:00Z", "version": 1})
    paid = sent.model_copy(update={"status": "paid", "balance_due_cents": 0, "version": 2})
    sent_wire = dict(table.serialize(items.invoice_item(sent)))
    paid_wire = dict(table.serialize(items.invoice_item(paid)))
    created = cost_model.write_cost(None, wire, True)
    sending = cost_model.write_cost(wire, sent_wire, False, "Update")
    paying = cost_model.write_cost(sent_wire, paid_wire, True, "Update")
    # Then GSI4 is written once, at creation (keys only: one unit), GSI5 once on each move, nothing else
    assert created["GSI4"] == 1 and "GSI5" not in created
    assert "GSI4" not in sending and sending["GSI5"] == 1
    assert "GSI4" not in paying and paying["GSI5"] == 1


def test_the_tenant_wide_list_reads_whole_invoices_in_number_order_and_filters_them(billed):
    mgr, invoices = billed["mgr"], billed["invoices"]
    call("invoices", "PATCH", f"/invoices/{invoices[1]['id']}", token=mgr.token, body={"status": "sent"})
    # When the manager lists every invoice (no building: GSI4), two a page
    first = call("invoices", "GET", "/invoices", token=mgr.token, query={"limit": "2"})
    rest = call("invoices", "GET", "/invoices", token=mgr.token,
                query={"limit": "2", "cursor": first.json["nextCursor"]})
    # Then the pages hold the whole invoices, in number order, only the tenant's
    listed = first.data + rest.data
    assert [i["number"] for i in listed] == [i["number"] for i in invoices]
    assert listed[0]["lines"] == invoices[0]["lines"] and listed[0]["total"] == invoices[0]["total"]
    # When filtered by status, the filter applies to the invoices read after the entries
    sent = call("invoices", "GET", "/invoices", token=mgr.token, query={"status": "sent"})
    drafts = call("invoices", "GET", "/invoices", token=mgr.token, query={"status": "draft", "limit": "10"})
    assert [i["id"] for i in sent.data] == [invoices[1]["id"]]
    assert {i["id"] for i in drafts.data} == {invoices[0]["id"], invoices[2]["id"]}
    # and another tenant's list never holds them
    theirs = call("invoices", "GET", "/invoices", token=billed["other"].token, query={"limit": "10"})
    assert not {i["id"] for i in theirs.data} & {i["id"] for i in invoices} and len(theirs.data) == 1


def test_a_read_after_the_entries_leaves_out_what_was_deleted_or_moved_meanwhile(billed):
    # Given the number index's entries of three invoices
    mgr, invoices = billed["mgr"], billed["invoices"]
    partition = keys.invoice_numbers_partition(mgr.tenant_id)
    entries, _ = table.query_page(partition, index="GSI4", limit=10, entries_only=True)
    assert [e["GSI4SK"] for e in entries] == [i["number"] for i in invoices]
    assert set(entries[0]) == {"PK", "SK", "GSI4PK", "GSI4SK"}  # keys only
    # When one invoice leaves the partition and another is deleted before the items are read
    table.update(keys.invoice(mgr.tenant_id, invoices[0]["id"]), "SET GSI4PK = :elsewhere",
                 vals={":elsewhere": "T#elsewhere#INVNO"})
    table.delete(keys.invoice(mgr.tenant_id, invoices[2]["id"]))
    found = table.hydrated(entries, "GSI4PK", partition)
    # Then only the one still there is answered, whole
    assert [i["id"] for i in found] == [invoices[1]["id"]] and found[0]["lines"]


def test_numbers_to_ids_read_only_the_index(billed):
    mgr, invoices = billed["mgr"], billed["invoices"]
    with count_calls() as counter:
        found = store.invoice_ids_by_number(mgr.tenant_id, [invoices[0]["number"], "NO-SUCH"])
    assert found == {invoices[0]["number"]: invoices[0]["id"]}
    assert counter.count() == 2 and counter.count("Query") == 2  # one per number; no item read
    # and under another tenant the same number never names this tenant's invoice
    theirs = store.invoice_ids_by_number(billed["other"].tenant_id, [invoices[0]["number"]])
    assert invoices[0]["id"] not in theirs.values()


def test_the_migration_moves_invoices_written_before_the_slim_indexes_once(billed):
    from local.migrate_invoice_indexes import migrate

    # Given a sent invoice as the code before wrote it: by number in GSI2, watched in GSI3
    mgr, inv = billed["mgr"], billed["invoices"][0]
    call("invoices", "PATCH", f"/invoices/{inv['id']}", token=mgr.token, body={"status": "sent"})
    key = keys.invoice(mgr.tenant_id, inv["id"])
    now = table.get(key)
    assert now is not None and "GSI5PK" in now
    table.update(key, "SET GSI2PK = :a, GSI2SK = :b, GSI3PK = :c, GSI3SK = :d REMOVE GSI4PK, GSI4SK, GSI5PK, GSI5SK",
                 vals={":a": now["GSI4PK"], ":b": now["GSI4SK"], ":c": now["GSI5PK"], ":d": now["GSI5SK"]},
                 return_new=False)
    assert store.find_invoice_by_number(mgr.tenant_id, inv["number"]) is None
    # When the migration runs
    moved = migrate()
    # Then it is found by number and watched again, without the old keys; a second run moves nothing
    after = table.get(key)
    assert moved >= 1 and after is not None
    assert (after["GSI4PK"], after["GSI5SK"]) == (now["GSI4PK"], now["GSI5SK"])
    assert not {"GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK"} & set(after)
    assert store.find_invoice_by_number(mgr.tenant_id, inv["number"]).id == inv["id"]
    assert migrate() == 0
