"""Maintenance requests end to end through the maintenance function (buildings and apartments are made
through the buildings function): create, list with filters, get with history, status changes and
comments, events, tenancy, roles and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support import LambdaContext, Result, call, count_calls, function_module, load_event, unique

FN = "maintenance"
PATH = "/maintenance-requests"


# --- helpers (fixture data through the public API) -----------------------------------------------------


def new_building(caller: Any) -> str:
    res = call("buildings", "POST", "/buildings", token=caller.token, body={
        "name": f"Building {unique()}", "address": {"street": "Pärnu mnt 10", "city": "Tallinn",
                                                    "postalCode": "10148", "country": "EE"}})
    assert res.status == 201, res
    return str(res.data["id"])


def new_apartment(caller: Any, building_id: str, number: str = "1") -> str:
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=caller.token,
               body={"number": number, "area": 52.5})
    assert res.status == 201, res
    return str(res.data["id"])


def create(caller: Any, **body: Any) -> Result:
    payload = {"title": "Leaking tap", "description": "The kitchen tap drips.", **body}
    return call(FN, "POST", PATH, token=caller.token, body=payload)


def patch(caller: Any, request_id: str, **body: Any) -> Result:
    return call(FN, "PATCH", f"{PATH}/{request_id}", token=caller.token, body=body)


def listing(caller: Any, **query: str) -> Result:
    return call(FN, "GET", PATH, token=caller.token, query=query or None)


@contextmanager
def published() -> Iterator[list[dict[str, Any]]]:
    """The domain events handed to EventBridge while the block runs (their ``detail``)."""
    from urbaneta.adapters.aws import client

    seen: list[dict[str, Any]] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        seen.extend(json.loads(e["Detail"]) for e in params["Entries"])

    events = client("events").meta.events
    events.register("provide-client-params.events.PutEvents", hook)
    try:
        yield seen
    finally:
        events.unregister("provide-client-params.events.PutEvents", hook)


@pytest.fixture
def org(make_caller):
    """A manager's organisation with a building of two apartments and a second building of one."""
    manager = make_caller("manager")
    b1 = new_building(manager)
    a1, a2 = new_apartment(manager, b1, "1"), new_apartment(manager, b1, "2")
    b2 = new_building(manager)
    a3 = new_apartment(manager, b2, "7")
    return {"manager": manager, "b1": b1, "b2": b2, "a1": a1, "a2": a2, "a3": a3}


# --- create ----------------------------------------------------------------------------------------------


def test_manager_creates_a_request_and_maintenance_created_is_published(org):
    manager = org["manager"]
    # Given a building and one of its apartments
    # When the manager opens a request for the apartment
    with published() as events:
        res = create(manager, buildingId=org["b1"], apartmentId=org["a1"], priority="high",
                     metadata={"ticket": "HD-1"})
    # Then it is open, with its first history entry, and the event is on the bus
    assert res.status == 201, res
    data = res.data
    assert res.headers["location"] == f"/api{PATH}/{data['id']}"
    assert (data["status"], data["priority"], data["buildingId"], data["apartmentId"]) == (
        "open", "high", org["b1"], org["a1"])
    assert data["metadata"] == {"ticket": "HD-1"} and data["createdBy"] == manager.user_id
    assert [(h["type"], h["toStatus"]) for h in data["history"]] == [("created", "open")]
    created = [e for e in events if e["event"] == "maintenance.created"]
    assert len(created) == 1 and created[0]["tenantId"] == manager.tenant_id
    assert created[0]["data"]["id"] == data["id"] and created[0]["data"]["apartmentId"] == org["a1"]


def test_manager_may_open_a_building_wide_request(org):
    # Given a building / When the manager opens a request without an apartment
    res = create(org["manager"], buildingId=org["b1"], title="Lift out of order")
    # Then it belongs to the building only, and the priority defaults to normal
    assert res.status == 201 and res.data["apartmentId"] is None and res.data["priority"] == "normal"


def test_resident_creates_for_their_own_apartment_only(org, make_caller):
    resident = make_caller("resident", org["manager"].tenant_id, apartment_ids=(org["a1"],))
    # When a resident opens a request for their apartment / Then it is created
    mine = create(resident, buildingId=org["b1"], apartmentId=org["a1"])
    assert mine.status == 201 and mine.data["createdBy"] == resident.user_id
    # When they name a neighbour's apartment / Then it is not found, and nothing was written
    other = create(resident, buildingId=org["b1"], apartmentId=org["a2"])
    assert other.status == 404
    # When they leave the apartment out / Then the field is required for residents
    missing = create(resident, buildingId=org["b1"])
    assert missing.status == 422 and missing.error["errors"][0]["field"] == "apartmentId"
    ids = [r["id"] for r in listing(org["manager"]).data]
    assert ids == [mine.data["id"]]


def test_create_refuses_bad_input_and_writes_nothing(org):
    manager = org["manager"]
    # When the body misses fields, has wrong types, or tries to set server-owned fields
    cases = [
        ({"buildingId": org["b1"]}, {"title", "description"}),
        ({"buildingId": 5, "title": "x", "description": "y", "priority": "asap"}, {"buildingId", "priority"}),
        ({"buildingId": org["b1"], "title": "x", "description": "y", "status": "closed", "tenantId": "t",
          "createdBy": "u"}, {"status", "tenantId", "createdBy"}),
        ({"buildingId": org["b1"], "title": "", "description": "y"}, {"title"}),
    ]
    for body, fields in cases:
        res = call(FN, "POST", PATH, token=manager.token, body=body)
        # Then 422 lists every failing field
        assert res.status == 422, (body, res)
        assert {e["field"] for e in res.error["errors"]} == fields
    # When the body is not JSON / Then 400
    assert call(FN, "POST", PATH, token=manager.token, raw_body="{oops").status == 400
    # And nothing was written
    assert listing(manager).data == []


def test_metadata_limits_are_422(org):
    manager = org["manager"]
    too_many = {f"k{i}": "v" for i in range(21)}
    for metadata in (too_many, {"k" * 41: "v"}, {"key": "v" * 501}):
        # When metadata breaks a limit / Then 422 on metadata
        res = create(manager, buildingId=org["b1"], metadata=metadata)
        assert res.status == 422 and res.error["errors"][0]["field"].startswith("metadata")
    # When it is exactly at the limits / Then it is kept
    edge = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(20)}
    ok = create(manager, buildingId=org["b1"], metadata=edge)
    assert ok.status == 201 and ok.data["metadata"] == edge


def test_apartment_of_another_building_is_422(org):
    # When the apartment is not in the named building / Then 422 on apartmentId
    res = create(org["manager"], buildingId=org["b1"], apartmentId=org["a3"])
    assert res.status == 422 and res.error["errors"][0]["field"] == "apartmentId"


def test_unknown_building_or_apartment_is_404(org):
    assert create(org["manager"], buildingId=unique("b")).status == 404
    assert create(org["manager"], buildingId=org["b1"], apartmentId=unique("a")).status == 404


# --- status life cycle and history -------------------------------------------------------------------------


def test_life_cycle_with_comments_kept_as_history(org):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]
    # When the manager moves it through the life cycle with comments, and comments without a status
    with published() as events:
        steps = [
            patch(manager, rid, status="in_progress", comment="Plumber booked for Monday."),
            patch(manager, rid, comment="Plumber is delayed to Tuesday."),
            patch(manager, rid, status="resolved", comment="Gasket replaced."),
            patch(manager, rid, status="closed"),
        ]
    # Then each change answers 200 with the new state
    assert [s.status for s in steps] == [200] * 4
    assert [s.data["status"] for s in steps] == ["in_progress", "in_progress", "resolved", "closed"]
    # And GET returns the whole history, oldest first
    got = call(FN, "GET", f"{PATH}/{rid}", token=manager.token)
    assert got.status == 200 and got.data["status"] == "closed"
    assert [(h["type"], h.get("fromStatus"), h.get("toStatus"), h.get("comment")) for h in got.data["history"]] == [
        ("created", None, "open", None),
        ("status_changed", "open", "in_progress", "Plumber booked for Monday."),
        ("comment", None, None, "Plumber is delayed to Tuesday."),
        ("status_changed", "in_progress", "resolved", "Gasket replaced."),
        ("status_changed", "resolved", "closed", None),
    ]
    assert all(h["by"] == manager.user_id and h["byRole"] == "manager" for h in got.data["history"])
    # And every change is a maintenance.updated event
    updated = [e["data"] for e in events if e["event"] == "maintenance.updated"]
    assert [(u["previousStatus"], u["status"]) for u in updated] == [
        ("open", "in_progress"), ("in_progress", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed")]
    assert updated[1]["changes"] == [] and updated[1]["comment"] == "Plumber is delayed to Tuesday."


def test_disallowed_transitions_are_409_and_change_nothing(org):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"]).data["id"]
    # When a step outside the life cycle is asked for, or the current status again
    for target in ("resolved", "closed", "open"):
        res = patch(manager, rid, status=target, comment="skip ahead")
        # Then 409
        assert res.status == 409 and res.error["code"] == "CONFLICT", (target, res)
        assert [e["field"] for e in res.error["errors"]] == ["status"]
    # And the request and its history are unchanged
    got = call(FN, "GET", f"{PATH}/{rid}", token=manager.token).data
    assert got["status"] == "open" and len(got["history"]) == 1


def test_reopen_a_resolved_request(org):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"]).data["id"]
    patch(manager, rid, status="in_progress")
    patch(manager, rid, status="resolved")
    # When a resolved request is reopened / Then it is in progress again
    res = patch(manager, rid, status="in_progress", comment="Still dripping.")
    assert res.status == 200 and res.data["status"] == "in_progress"


def test_resident_comments_and_confirms_but_does_not_drive_the_work(org, make_caller):
    manager = org["manager"]
    resident = make_caller("resident", manager.tenant_id, apartment_ids=(org["a1"],))
    rid = create(resident, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]
    # When the resident comments / Then it is kept
    assert patch(resident, rid, comment="It is getting worse.").status == 200
    # When the resident tries to start the work, or to change priority or metadata / Then 403
    assert patch(resident, rid, status="in_progress").status == 403
    assert patch(resident, rid, priority="urgent").status == 403
    assert patch(resident, rid, metadata={"x": "y"}).status == 403
    # When staff resolve it and the resident confirms / Then it is closed
    patch(manager, rid, status="in_progress")
    patch(manager, rid, status="resolved")
    closed = patch(resident, rid, status="closed", comment="Works now, thanks.")
    assert closed.status == 200 and closed.data["status"] == "closed"
    roles = [h["byRole"] for h in closed.data["history"]]
    assert roles == ["resident", "resident", "manager", "manager", "resident"]


def test_manager_changes_priority_and_metadata(org):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"], metadata={"a": "1"}).data["id"]
    # When priority and metadata are changed / Then the new values are kept, the status unchanged
    res = patch(manager, rid, priority="urgent", metadata={"b": "2"})
    assert res.status == 200
    assert (res.data["priority"], res.data["metadata"], res.data["status"]) == ("urgent", {"b": "2"}, "open")
    assert res.data["history"][-1]["type"] == "updated"


def test_patch_refuses_bad_input(org):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"]).data["id"]
    for body, field in (({}, "body"), ({"status": "done"}, "status"), ({"comment": ""}, "comment"),
                        ({"comment": "x" * 2001}, "comment"), ({"buildingId": org["b2"]}, "buildingId"),
                        ({"historyCount": 0}, "historyCount"), ({"status": None, "comment": "x"}, "body"),
                        ({"priority": None}, "body")):
        # When the body is empty, has a bad value, or an unknown/server-owned field / Then 422
        res = patch(manager, rid, **body)
        assert res.status == 422, (body, res)
        assert any(e["field"] == field or e["field"].startswith(field) for e in res.error["errors"]), res
    got = call(FN, "GET", f"{PATH}/{rid}", token=manager.token).data
    assert got["buildingId"] == org["b1"] and len(got["history"]) == 1


# --- lists ------------------------------------------------------------------------------------------------


def test_lists_filter_by_building_apartment_and_status_with_pagination(org):
    manager = org["manager"]
    r1 = create(manager, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]
    r2 = create(manager, buildingId=org["b1"], apartmentId=org["a2"]).data["id"]
    r3 = create(manager, buildingId=org["b2"], apartmentId=org["a3"]).data["id"]
    r4 = create(manager, buildingId=org["b1"]).data["id"]
    patch(manager, r2, status="in_progress")
    # Then the tenant list has them all, open ones first (oldest first), then in progress
    assert [r["id"] for r in listing(manager).data] == [r1, r3, r4, r2]
    assert "history" not in listing(manager).data[0]
    # And filters narrow by building, status, and apartment
    assert [r["id"] for r in listing(manager, buildingId=org["b1"]).data] == [r1, r4, r2]
    assert [r["id"] for r in listing(manager, buildingId=org["b1"], status="open").data] == [r1, r4]
    assert [r["id"] for r in listing(manager, status="in_progress").data] == [r2]
    assert [r["id"] for r in listing(manager, apartmentId=org["a3"]).data] == [r3]
    assert listing(manager, apartmentId=org["a3"], buildingId=org["b1"]).data == []
    assert listing(manager, status="closed").data == []
    # When paging one by one / Then every request comes once and the last page has no cursor
    seen, cursor = [], None
    for _ in range(6):
        page = listing(manager, limit="1", **({"cursor": cursor} if cursor else {}))
        assert page.status == 200 and len(page.data) <= 1
        seen += [r["id"] for r in page.data]
        cursor = page.json["nextCursor"]
        if not cursor:
            break
    assert seen == [r1, r3, r4, r2] and cursor is None


def test_list_refuses_bad_query_and_foreign_cursors(org, make_caller):
    manager = org["manager"]
    create(manager, buildingId=org["b1"])
    create(manager, buildingId=org["b1"])
    cursor = listing(manager, buildingId=org["b1"], limit="1").json["nextCursor"]
    assert cursor
    # When the cursor is used with other filters, or by another tenant / Then 400
    assert listing(manager, buildingId=org["b2"], cursor=cursor).status == 400
    other = make_caller("manager")
    assert listing(other, buildingId=org["b1"], cursor=cursor).status == 400
    # When the status or limit is invalid / Then 422
    assert listing(manager, status="done").status == 422
    assert listing(manager, limit="0").status == 422
    assert listing(manager, limit="101").status == 422


def test_resident_lists_only_their_apartments_across_pages(org, make_caller):
    manager = org["manager"]
    resident = make_caller("resident", manager.tenant_id, apartment_ids=(org["a1"], org["a3"]))
    mine = {create(manager, buildingId=org["b1"], apartmentId=org["a1"]).data["id"],
            create(manager, buildingId=org["b2"], apartmentId=org["a3"]).data["id"],
            create(resident, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]}
    create(manager, buildingId=org["b1"], apartmentId=org["a2"])  # a neighbour's
    create(manager, buildingId=org["b1"])  # building-wide
    # When the resident pages through their list
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = listing(resident, limit="1", **({"cursor": cursor} if cursor else {}))
        assert page.status == 200
        seen += [r["id"] for r in page.data]
        cursor = page.json["nextCursor"]
        if not cursor:
            break
    # Then exactly their apartments' requests come, each once
    assert sorted(seen) == sorted(mine)
    # And filters work within their apartments
    assert {r["id"] for r in listing(resident, buildingId=org["b2"]).data} <= mine
    assert len(listing(resident, apartmentId=org["a3"]).data) == 1
    # When they name a neighbour's apartment / Then 404
    assert listing(resident, apartmentId=org["a2"]).status == 404


def test_resident_sees_only_their_requests_by_id(org, make_caller):
    manager = org["manager"]
    resident = make_caller("resident", manager.tenant_id, apartment_ids=(org["a1"],))
    neighbour = create(manager, buildingId=org["b1"], apartmentId=org["a2"]).data["id"]
    building_wide = create(manager, buildingId=org["b1"]).data["id"]
    for rid in (neighbour, building_wide):
        # When the resident reads or comments on a request that is not theirs / Then 404, nothing changes
        assert call(FN, "GET", f"{PATH}/{rid}", token=resident.token).status == 404
        assert patch(resident, rid, comment="hello").status == 404
        assert len(call(FN, "GET", f"{PATH}/{rid}", token=manager.token).data["history"]) == 1


def test_list_and_get_cost_at_most_two_dynamodb_calls(org, make_caller):
    manager = org["manager"]
    resident = make_caller("resident", manager.tenant_id, apartment_ids=(org["a1"], org["a3"]))
    rid = create(manager, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]
    patch(manager, rid, comment="note")
    queries = [(manager, {}), (manager, {"buildingId": org["b1"], "status": "open"}),
               (manager, {"apartmentId": org["a1"]}), (manager, {"status": "closed"}), (resident, {}),
               (resident, {"status": "open", "buildingId": org["b1"]})]
    for caller, query in queries:
        # When a list is served / Then authentication + one Query
        with count_calls("dynamodb") as counter:
            assert listing(caller, **query).status == 200
        assert counter.count() <= 2 and counter.count("Query") == 1, (query, counter.calls)
    for caller in (manager, resident):
        # When one request with its history is read / Then authentication + one Query
        with count_calls("dynamodb") as counter:
            assert call(FN, "GET", f"{PATH}/{rid}", token=caller.token).status == 200
        assert counter.count() == 2 and counter.count("Scan") == 0, counter.calls


# --- tenancy and authentication ---------------------------------------------------------------------------


def test_another_organisations_ids_are_404_and_change_nothing(org, make_caller):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"], apartmentId=org["a1"]).data["id"]
    intruder = make_caller("manager")
    intruder_resident = make_caller("resident", intruder.tenant_id, apartment_ids=(org["a1"],))
    for caller in (intruder, intruder_resident):
        # When another organisation reads, changes, or creates with our ids
        assert call(FN, "GET", f"{PATH}/{rid}", token=caller.token).status == 404
        assert patch(caller, rid, status="in_progress", comment="mine now").status == 404
        assert create(caller, buildingId=org["b1"], apartmentId=org["a1"]).status == 404
        # Then their lists do not show ours
        assert listing(caller, buildingId=org["b1"]).data == []
        assert listing(caller, apartmentId=org["a1"]).data == []
    # And nothing changed here
    got = call(FN, "GET", f"{PATH}/{rid}", token=manager.token).data
    assert got["status"] == "open" and len(got["history"]) == 1
    assert len(listing(manager).data) == 1


def test_every_route_needs_a_token(org):
    rid = create(org["manager"], buildingId=org["b1"]).data["id"]
    for method, path, body in (("POST", PATH, {"buildingId": org["b1"], "title": "x", "description": "y"}),
                               ("GET", PATH, None), ("GET", f"{PATH}/{rid}", None),
                               ("PATCH", f"{PATH}/{rid}", {"status": "in_progress"})):
        # When no token is sent / Then 401, and nothing changes
        res = call(FN, method, path, body=body)
        assert res.status == 401 and res.error["code"] == "UNAUTHORIZED", (method, path)
    got = call(FN, "GET", f"{PATH}/{rid}", token=org["manager"].token).data
    assert got["status"] == "open" and len(listing(org["manager"]).data) == 1


def test_concurrent_change_loses_cleanly(org, monkeypatch):
    manager = org["manager"]
    rid = create(manager, buildingId=org["b1"]).data["id"]
    # Given a change that read the request before another change landed
    from urbaneta.services import maintenance as service
    from urbaneta.store import maintenance as store

    stale = store.load(manager.tenant_id, rid)
    assert patch(manager, rid, status="in_progress").status == 200
    monkeypatch.setattr(service.store, "load", lambda *_a: stale)
    # When the stale change is saved / Then 409 and the first change stands
    res = patch(manager, rid, comment="late")
    assert res.status == 409
    monkeypatch.undo()
    got = call(FN, "GET", f"{PATH}/{rid}", token=manager.token).data
    assert got["status"] == "in_progress" and len(got["history"]) == 2


# --- sample events -----------------------------------------------------------------------------------------


def sample(name: str, token: str, **subs: str) -> Result:
    text = json.dumps(load_event(f"api/maintenance/{name}")).replace("<accessToken>", token)
    for placeholder, value in subs.items():
        text = text.replace(f"<{placeholder}>", value)
    return Result(function_module(FN).handler(json.loads(text), LambdaContext()))


def test_sample_events_drive_the_function(org):
    manager = org["manager"]
    # Given the sample events of events/api/maintenance / When they are invoked as Lambda would
    made = sample("create", manager.token, buildingId=org["b1"], apartmentId=org["a1"])
    assert made.status == 201
    listed = sample("list", manager.token, buildingId=org["b1"])
    assert [r["id"] for r in listed.data] == [made.data["id"]]
    changed = sample("update", manager.token, requestId=made.data["id"])
    # Then they create, list and change a request
    assert changed.status == 200 and changed.data["status"] == "in_progress"


def test_a_retried_create_with_the_same_idempotency_key_opens_one_request(org):
    manager = org["manager"]
    body = {"buildingId": org["b1"], "apartmentId": org["a1"], "title": "Broken window", "description": "Stairwell"}
    key = {"Idempotency-Key": unique("idem-")}
    # When the same POST is sent twice with one Idempotency-Key
    with published() as events:
        first = call(FN, "POST", PATH, token=manager.token, body=body, headers=key)
        again = call(FN, "POST", PATH, token=manager.token, body=body, headers=key)
    # Then the first answer is replayed, one request exists and one event was published
    assert first.status == again.status == 201 and again.data["id"] == first.data["id"]
    assert [r["id"] for r in listing(manager).data] == [first.data["id"]]
    assert [e["event"] for e in events] == ["maintenance.created"]
    # And the same key with another body is refused
    other = call(FN, "POST", PATH, token=manager.token, body={**body, "title": "Other"}, headers=key)
    assert other.status == 422
