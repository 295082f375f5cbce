"""Meters and readings through the MetersFunction handler (against moto)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support import LambdaContext, Result, call, function_module, load_event, unique

FN = "meters"
TODAY = date.today()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


# ---- helpers -------------------------------------------------------------------------------------------------


def new_building(caller: Any) -> str:
    body = {"name": f"Pikk {unique()}", "address": {"street": "Pikk 1", "city": "Tallinn", "postalCode": "10123",
                                                   "country": "EE"}}
    res = call("buildings", "POST", "/buildings", token=caller.token, body=body)
    assert res.status == 201, res
    return str(res.data["id"])


def new_apartment(caller: Any, building_id: str, number: str = "1") -> str:
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=caller.token,
               body={"number": number, "area": 50.5})
    assert res.status == 201, res
    return str(res.data["id"])


def new_meter(caller: Any, building_id: str, **over: Any) -> dict[str, Any]:
    body = {"buildingId": building_id, "type": "cold_water", "unit": "m3", "serialNumber": unique("SN-"), **over}
    res = call(FN, "POST", "/meters", token=caller.token, body=body)
    assert res.status == 201, res
    return dict(res.data)


def submit(caller: Any, meter_id: str, value: Any, on: str, **over: Any) -> Result:
    return call(FN, "POST", f"/meters/{meter_id}/readings", token=caller.token,
                body={"value": value, "readingDate": on, **over})


def readings(caller: Any, meter_id: str, **query: str) -> list[dict[str, Any]]:
    res = call(FN, "GET", f"/meters/{meter_id}/readings", token=caller.token, query={"limit": "100", **query})
    assert res.status == 200, res
    return list(res.data)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Domain events the meters service publishes (they still go to the bus)."""
    from urbaneta.services.meters import inventory, readings

    seen: list[Any] = []
    real = readings.publish

    def record(evts: Any) -> int:
        evts = list(evts)
        seen.extend(evts)
        return real(evts)

    for service in (inventory, readings):
        monkeypatch.setattr(service, "publish", record)
    return seen


@pytest.fixture
def estate(make_caller: Any) -> dict[str, Any]:
    """A tenant with a manager, a building with two apartments, and a resident of the first."""
    manager = make_caller("manager")
    building = new_building(manager)
    apt_a = new_apartment(manager, building, "1")
    apt_b = new_apartment(manager, building, "2")
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apt_a,))
    return {"manager": manager, "building": building, "a": apt_a, "b": apt_b, "resident": resident}


# ---- meters ---------------------------------------------------------------------------------------------------


def test_sample_event_creates_a_meter_with_its_initial_reading(aws, estate):
    # Given the sample event of POST /meters, filled with a real building and apartment
    event = copy.deepcopy(load_event("api/meters/create_meter"))
    event["body"] = event["body"].replace("{buildingId}", estate["building"]).replace("{apartmentId}", estate["a"])
    event["headers"]["authorization"] = f"Bearer {estate['manager'].token}"
    # When it is invoked
    res = Result(function_module(FN).handler(event, LambdaContext()))
    # Then the meter exists with its initial reading as the baseline
    assert res.status == 201, res
    meter = res.data
    assert meter["status"] == "active" and meter["apartmentId"] == estate["a"]
    assert meter["initialReading"] == 12.345 and meter["lastReading"]["value"] == 12.345
    got = call(FN, "GET", f"/meters/{meter['id']}", token=estate["manager"].token)
    assert got.status == 200 and got.data == meter
    history = readings(estate["manager"], meter["id"])
    assert [(r["kind"], r["status"], r["value"]) for r in history] == [("initial", "confirmed", 12.345)]


def test_list_meters_by_building_and_apartment_with_cursor(aws, estate):
    # Given three meters: two of apartment A, one common
    m = estate["manager"]
    ids = [new_meter(m, estate["building"], apartmentId=estate["a"])["id"],
           new_meter(m, estate["building"], apartmentId=estate["a"], type="hot_water")["id"],
           new_meter(m, estate["building"], type="heating", unit="MWh")["id"]]
    # When the building's meters are listed two at a time
    first = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"], "limit": "2"})
    second = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"], "limit": "2",
                                                              "cursor": first.json["nextCursor"]})
    # Then every meter comes once
    assert first.status == 200 and second.status == 200
    listed = [x["id"] for x in first.data + second.data]
    assert len(listed) == 3 and set(listed) == set(ids) and second.json["nextCursor"] is None
    # And the apartment filter gives only apartment A's meters
    only_a = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"],
                                                              "apartmentId": estate["a"]})
    assert {x["id"] for x in only_a.data} == set(ids[:2])
    # And a cursor of another query is refused
    other = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"],
                                                             "apartmentId": estate["a"],
                                                             "cursor": first.json["nextCursor"]})
    assert other.status == 400
    # And buildingId is required
    assert call(FN, "GET", "/meters", token=m.token).status == 422


@pytest.mark.parametrize(("body", "fields"), [
    ({"type": "steam", "unit": "l"}, {"type", "unit"}),
    ({"initialReading": -1}, {"initialReading"}),
    ({"initialReading": 1.2345}, {"initialReading"}),
    ({"serialNumber": ""}, {"serialNumber"}),
    ({"tenantId": "x", "status": "replaced"}, {"tenantId", "status"}),
    ({"initialReadingDate": "2999-01-01", "initialReading": 1}, {"initialReadingDate"}),
])
def test_create_meter_refuses_bad_input_and_writes_nothing(aws, estate, body, fields):
    # Given a manager and a building
    m = estate["manager"]
    full = {"buildingId": estate["building"], "type": "cold_water", "unit": "m3", "serialNumber": "S1", **body}
    # When a meter with bad fields is created
    res = call(FN, "POST", "/meters", token=m.token, body=full)
    # Then 422 names every bad field and nothing was written
    assert res.status == 422, res
    assert {e["field"] for e in res.error["errors"]} == fields
    listed = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"]})
    assert listed.data == []


def test_serial_number_is_unique_within_the_building(aws, estate, make_caller):
    # Given a meter with a serial number
    m = estate["manager"]
    first = new_meter(m, estate["building"], serialNumber="ab 123")
    # When another meter of the building takes the same serial (spacing and case aside)
    dup = call(FN, "POST", "/meters", token=m.token, body={"buildingId": estate["building"], "type": "gas",
                                                           "unit": "m3", "serialNumber": "AB123"})
    # Then 409, while another building may use it
    assert dup.status == 409 and dup.error["code"] == "CONFLICT"
    new_meter(m, new_building(m), serialNumber="AB123")
    # And renaming a second meter to the taken serial is 409 too
    second = new_meter(m, estate["building"], serialNumber="XY-1")
    clash = call(FN, "PATCH", f"/meters/{second['id']}", token=m.token, body={"serialNumber": "AB 123"})
    assert clash.status == 409
    # And renaming the first frees its old serial for a new meter
    renamed = call(FN, "PATCH", f"/meters/{first['id']}", token=m.token, body={"serialNumber": "AB-999"})
    assert renamed.status == 200 and renamed.data["serialNumber"] == "AB-999"
    new_meter(m, estate["building"], serialNumber="ab 123")


def test_update_meter_moves_it_between_apartments_and_to_common(aws, estate):
    # Given a meter of apartment A
    m = estate["manager"]
    meter = new_meter(m, estate["building"], apartmentId=estate["a"])
    # When it is moved to apartment B, then made a common meter
    moved = call(FN, "PATCH", f"/meters/{meter['id']}", token=m.token,
                 body={"apartmentId": estate["b"], "metadata": {"location": "bathroom"}})
    assert moved.status == 200 and moved.data["apartmentId"] == estate["b"]
    assert moved.data["metadata"] == {"location": "bathroom"}
    listed_b = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"],
                                                                "apartmentId": estate["b"]})
    assert [x["id"] for x in listed_b.data] == [meter["id"]]
    common = call(FN, "PATCH", f"/meters/{meter['id']}", token=m.token, body={"apartmentId": None})
    # Then it belongs to no apartment and no apartment lists it
    assert common.status == 200 and common.data["apartmentId"] is None
    listed_b = call(FN, "GET", "/meters", token=m.token, query={"buildingId": estate["building"],
                                                                "apartmentId": estate["b"]})
    assert listed_b.data == []
    # And type and unit cannot be changed
    fixed = call(FN, "PATCH", f"/meters/{meter['id']}", token=m.token, body={"unit": "kWh"})
    assert fixed.status == 422


def test_meter_references_are_checked(aws, estate, make_caller):
    # Given a second building and another tenant's building and apartment
    m = estate["manager"]
    other_building = new_building(m)
    stranger = make_caller("manager")
    foreign_building = new_building(stranger)
    foreign_apartment = new_apartment(stranger, foreign_building)
    base = {"type": "cold_water", "unit": "m3", "serialNumber": "S-1"}
    # When meters point at them
    wrong_building = call(FN, "POST", "/meters", token=m.token,
                          body={**base, "buildingId": other_building, "apartmentId": estate["a"]})
    foreign = call(FN, "POST", "/meters", token=m.token, body={**base, "buildingId": foreign_building})
    foreign_apt = call(FN, "POST", "/meters", token=m.token,
                       body={**base, "buildingId": estate["building"], "apartmentId": foreign_apartment})
    # Then an apartment of another building is 422, another tenant's ids are 404
    assert wrong_building.status == 422 and wrong_building.error["errors"][0]["field"] == "apartmentId"
    assert foreign.status == 404 and foreign_apt.status == 404
    assert call(FN, "GET", "/meters", token=m.token, query={"buildingId": foreign_building}).status == 404


# ---- readings ---------------------------------------------------------------------------------------------------


def test_reading_computes_consumption_and_publishes_submitted(aws, estate, events):
    # Given a meter with an initial reading of 100
    m = estate["manager"]
    meter = new_meter(m, estate["building"], apartmentId=estate["a"], initialReading=100,
                      initialReadingDate=days_ago(60))
    # When a reading of 112.5 is submitted
    res = submit(m, meter["id"], 112.5, days_ago(30))
    # Then 201 with the consumption since the previous reading, status submitted
    assert res.status == 201, res
    assert res.data["value"] == 112.5 and res.data["consumption"] == 12.5 and res.data["status"] == "submitted"
    assert res.data["readingDate"] == days_ago(30) and res.data["days"] == 30 and res.data["flagged"] is False
    # And reading.submitted went to the bus with the reading
    submitted = [e for e in events if e.event == "reading.submitted"]
    assert len(submitted) == 1 and submitted[0].tenantId == m.tenant_id
    assert submitted[0].data["readingId"] == res.data["id"] and submitted[0].data["consumption"] == "12.5"
    # And the meter's last reading moved
    got = call(FN, "GET", f"/meters/{meter['id']}", token=m.token)
    assert got.data["lastReading"] == {"id": res.data["id"], "value": 112.5, "readingDate": days_ago(30)}


@pytest.mark.parametrize(("value", "on", "fields"), [
    (99, days_ago(10), {"value"}),
    (120, (TODAY + timedelta(days=1)).isoformat(), {"readingDate"}),
    (120, days_ago(40), {"readingDate"}),
    (90, days_ago(40), {"value", "readingDate"}),
    (-1, days_ago(1), {"value"}),
    (1.0001, days_ago(1), {"value"}),
])
def test_implausible_reading_is_422_and_nothing_is_written(aws, estate, events, value, on, fields):
    # Given a meter whose latest reading is 100 on days_ago(30)
    m = estate["manager"]
    meter = new_meter(m, estate["building"], initialReading=100, initialReadingDate=days_ago(30))
    # When an implausible reading is submitted
    res = submit(m, meter["id"], value, on)
    # Then 422 lists every broken rule, and there is no new reading nor event
    assert res.status == 422, res
    assert {e["field"] for e in res.error["errors"]} == fields
    assert len(readings(m, meter["id"])) == 1 and events == []


def test_first_reading_without_initial_reading_has_zero_consumption(aws, estate):
    # Given a meter without an initial reading
    m = estate["manager"]
    meter = new_meter(m, estate["building"])
    # When its first readings are submitted
    first = submit(m, meter["id"], 50, days_ago(20))
    second = submit(m, meter["id"], 50, days_ago(20))
    # Then the first consumed nothing measurable and a same-day equal value is allowed
    assert first.status == 201 and first.data["consumption"] == 0 and first.data["days"] is None
    assert second.status == 201 and second.data["consumption"] == 0 and second.data["days"] == 0


def test_confirm_and_reject_by_a_manager(aws, estate, events):
    # Given two submitted readings
    m = estate["manager"]
    meter = new_meter(m, estate["building"], apartmentId=estate["a"], initialReading=0,
                      initialReadingDate=days_ago(90))
    one = submit(m, meter["id"], 10, days_ago(60)).data
    two = submit(m, meter["id"], 20, days_ago(30)).data
    # When the first is confirmed and the second rejected with a reason
    ok = call(FN, "POST", f"/meters/{meter['id']}/readings/{one['id']}/confirm", token=m.token)
    no = call(FN, "POST", f"/meters/{meter['id']}/readings/{two['id']}/reject", token=m.token,
              body={"reason": "photo shows 12"})
    # Then their statuses change and the events name them
    assert ok.status == 200 and ok.data["status"] == "confirmed" and ok.data["decidedBy"] == m.user_id
    assert no.status == 200 and no.data["status"] == "rejected" and no.data["reason"] == "photo shows 12"
    kinds = [(e.event, e.data["readingId"]) for e in events]
    assert ("reading.confirmed", one["id"]) in kinds and ("reading.rejected", two["id"]) in kinds
    # And deciding again is a conflict
    again = call(FN, "POST", f"/meters/{meter['id']}/readings/{one['id']}/confirm", token=m.token)
    flip = call(FN, "POST", f"/meters/{meter['id']}/readings/{two['id']}/confirm", token=m.token)
    undo = call(FN, "POST", f"/meters/{meter['id']}/readings/{one['id']}/reject", token=m.token)
    assert (again.status, flip.status, undo.status) == (409, 409, 409)
    # And the rejected latest reading no longer is the baseline: 12 counts from 10
    nxt = submit(m, meter["id"], 12, days_ago(20))
    assert nxt.status == 201 and nxt.data["consumption"] == 2
    # And status filters the list
    assert [r["id"] for r in readings(m, meter["id"], status="rejected")] == [two["id"]]


def test_rejecting_an_earlier_reading_recomputes_its_successor(aws, estate):
    # Given readings 10, 20, 25 after an initial 0
    m = estate["manager"]
    meter = new_meter(m, estate["building"], initialReading=0, initialReadingDate=days_ago(90))
    submit(m, meter["id"], 10, days_ago(60))
    middle = submit(m, meter["id"], 20, days_ago(40)).data
    last = submit(m, meter["id"], 25, days_ago(20)).data
    assert last["consumption"] == 5
    # When the middle one is rejected
    res = call(FN, "POST", f"/meters/{meter['id']}/readings/{middle['id']}/reject", token=m.token)
    # Then the last one's consumption counts from 10 over 40 days
    assert res.status == 200
    again = call(FN, "GET", f"/meters/{meter['id']}/readings/{last['id']}", token=m.token)
    assert again.data["consumption"] == 15 and again.data["days"] == 40


def test_reading_far_above_usual_is_accepted_but_flagged(aws, estate):
    # Given a meter consuming about 1 m3 a day for three months
    m = estate["manager"]
    meter = new_meter(m, estate["building"], initialReading=0, initialReadingDate=days_ago(120))
    for value, ago in ((30, 90), (61, 60), (90, 30)):
        res = submit(m, meter["id"], value, days_ago(ago))
        assert res.status == 201 and res.data["flagged"] is False
    # When the next month shows 10 m3 a day
    spike = submit(m, meter["id"], 390, days_ago(0))
    # Then it is accepted, and flagged for the manager
    assert spike.status == 201 and spike.data["flagged"] is True


def test_readings_page_newest_first_with_a_cursor(aws, estate, make_caller):
    # Given a meter with five readings
    m = estate["manager"]
    meter = new_meter(m, estate["building"])
    for i in range(5):
        submit(m, meter["id"], 10 + i, days_ago(50 - i))
    # When they are read two at a time
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        res = call(FN, "GET", f"/meters/{meter['id']}/readings", token=m.token, query=query)
        seen += [r["readingDate"] for r in res.data]
        cursor = res.json["nextCursor"]
        if not cursor:
            break
    # Then every reading comes once, newest first
    assert seen == [days_ago(50 - i) for i in reversed(range(5))]
    # And the cursor is refused on another meter
    other = new_meter(m, estate["building"])
    first = call(FN, "GET", f"/meters/{meter['id']}/readings", token=m.token, query={"limit": "2"})
    res = call(FN, "GET", f"/meters/{other['id']}/readings", token=m.token,
               query={"cursor": first.json["nextCursor"]})
    assert res.status == 400


# ---- replacement and billing ---------------------------------------------------------------------------------------


def test_replacing_a_meter_keeps_consumption_continuous(aws, estate, events):
    # Given an apartment meter read at 100 (day -90) and 130 (day -40)
    from urbaneta.domain.readings import chains_for, consumption_in_period
    from urbaneta.store import meters as meters_store

    m = estate["manager"]
    old = new_meter(m, estate["building"], apartmentId=estate["a"], initialReading=100,
                    initialReadingDate=days_ago(90))
    assert submit(m, old["id"], 130, days_ago(40)).status == 201
    # When it is replaced on day -30 (final 140) by a new meter starting at 5, later read at 25
    res = call(FN, "POST", f"/meters/{old['id']}/replace", token=m.token,
               body={"finalReading": 140, "replacedOn": days_ago(30), "serialNumber": "NEW-1", "initialReading": 5})
    assert res.status == 201, res
    new = res.data
    assert new["replacesMeterId"] == old["id"] and new["status"] == "active" and new["lastReading"]["value"] == 5
    assert submit(m, new["id"], 25, days_ago(10)).status == 201
    # Then the old meter is replaced and takes no more readings
    got = call(FN, "GET", f"/meters/{old['id']}", token=m.token).data
    assert got["status"] == "replaced" and got["replacedByMeterId"] == new["id"]
    late = submit(m, old["id"], 150, days_ago(5))
    assert late.status == 409
    assert call(FN, "POST", f"/meters/{old['id']}/replace", token=m.token,
                body={"finalReading": 150, "replacedOn": days_ago(1), "serialNumber": "NEW-2"}).status == 409
    # And the period across the swap consumes (140 - 100) + (25 - 5) = 60, as billing computes it
    meters = meters_store.list_meters(m.tenant_id, estate["building"])
    (chain,) = chains_for(meters, apartment_id=estate["a"], meter_type="cold_water")
    assert [x.id for x in chain] == [old["id"], new["id"]]
    history = {x.id: meters_store.list_readings(m.tenant_id, x.id) for x in chain}
    assert consumption_in_period(chain, history, TODAY - timedelta(days=90), TODAY) == Decimal(60)
    assert any(e.event == "meter.replaced" and e.data["newMeterId"] == new["id"] for e in events)


def test_replacement_refuses_an_implausible_final_reading(aws, estate):
    # Given a meter at 100
    m = estate["manager"]
    old = new_meter(m, estate["building"], initialReading=100, initialReadingDate=days_ago(30))
    # When the final reading is below it, or the new serial is taken in the building
    low = call(FN, "POST", f"/meters/{old['id']}/replace", token=m.token,
               body={"finalReading": 90, "replacedOn": days_ago(1), "serialNumber": "N-1"})
    taken = new_meter(m, estate["building"])["serialNumber"]
    clash = call(FN, "POST", f"/meters/{old['id']}/replace", token=m.token,
                 body={"finalReading": 110, "replacedOn": days_ago(1), "serialNumber": taken})
    # Then 422 and 409, and the meter is still active with its reading
    assert low.status == 422 and low.error["errors"][0]["field"] == "finalReading"
    assert clash.status == 409
    got = call(FN, "GET", f"/meters/{old['id']}", token=m.token).data
    assert got["status"] == "active" and len(readings(m, old["id"])) == 1


def test_building_delete_cascade_removes_meters_readings_and_serials(aws, estate):
    # Given a meter with readings
    from urbaneta.store import meters as meters_store

    m = estate["manager"]
    meter = new_meter(m, estate["building"], serialNumber="CASCADE-1", initialReading=1,
                      initialReadingDate=days_ago(10))
    submit(m, meter["id"], 2, days_ago(5))
    # When the building's meters are deleted by the cascade
    deleted = meters_store.delete_meters_of_building(m.tenant_id, estate["building"])
    # Then the meter, its readings and its serial guard are gone
    assert deleted == 4
    assert call(FN, "GET", f"/meters/{meter['id']}", token=m.token).status == 404
    assert meters_store.list_readings(m.tenant_id, meter["id"]) == []
    new_meter(m, estate["building"], serialNumber="CASCADE-1")


# ---- roles and tenancy -----------------------------------------------------------------------------------------------


def test_resident_sees_and_reads_only_their_apartments_meters(aws, estate):
    # Given meters of apartment A (the resident's), apartment B and the building
    m, r = estate["manager"], estate["resident"]
    mine = new_meter(m, estate["building"], apartmentId=estate["a"], initialReading=1,
                     initialReadingDate=days_ago(10))
    theirs = new_meter(m, estate["building"], apartmentId=estate["b"])
    common = new_meter(m, estate["building"])
    # When the resident lists, reads and submits
    listed = call(FN, "GET", "/meters", token=r.token, query={"buildingId": estate["building"]})
    own = submit(r, mine["id"], 3, days_ago(1))
    # Then only their apartment's meter is visible, and their reading is recorded
    assert [x["id"] for x in listed.data] == [mine["id"]]
    assert own.status == 201 and own.data["submittedBy"] == r.user_id
    for other in (theirs, common):
        assert call(FN, "GET", f"/meters/{other['id']}", token=r.token).status == 404
        assert submit(r, other["id"], 5, days_ago(1)).status == 404
        assert call(FN, "GET", f"/meters/{other['id']}/readings", token=r.token).status == 404
    assert call(FN, "GET", "/meters", token=r.token, query={"buildingId": estate["building"],
                                                            "apartmentId": estate["b"]}).status == 404
    # And managing is not theirs: 403
    assert call(FN, "POST", "/meters", token=r.token, body={"buildingId": estate["building"], "type": "gas",
                                                            "unit": "m3", "serialNumber": "R-1"}).status == 403
    assert call(FN, "PATCH", f"/meters/{mine['id']}", token=r.token, body={"serialNumber": "R-2"}).status == 403
    assert call(FN, "POST", f"/meters/{mine['id']}/readings/{own.data['id']}/confirm", token=r.token).status == 403
    assert call(FN, "POST", f"/meters/{mine['id']}/readings/{own.data['id']}/reject", token=r.token).status == 403
    assert call(FN, "POST", f"/meters/{mine['id']}/replace", token=r.token,
                body={"finalReading": 9, "replacedOn": days_ago(0), "serialNumber": "R-3"}).status == 403


def test_another_tenant_gets_404_everywhere_and_changes_nothing(aws, estate, make_caller):
    # Given a meter with a submitted reading, and a manager of another tenant
    m = estate["manager"]
    meter = new_meter(m, estate["building"], apartmentId=estate["a"])
    reading = submit(m, meter["id"], 7, days_ago(3)).data
    stranger = make_caller("owner")
    mid, rid = meter["id"], reading["id"]
    # When the stranger uses those ids on every route
    attempts = [
        call(FN, "GET", f"/meters/{mid}", token=stranger.token),
        call(FN, "GET", "/meters", token=stranger.token, query={"buildingId": estate["building"]}),
        call(FN, "PATCH", f"/meters/{mid}", token=stranger.token, body={"serialNumber": "HIJACK"}),
        call(FN, "POST", f"/meters/{mid}/replace", token=stranger.token,
             body={"finalReading": 8, "replacedOn": days_ago(0), "serialNumber": "X"}),
        submit(stranger, mid, 8, days_ago(1)),
        call(FN, "GET", f"/meters/{mid}/readings", token=stranger.token),
        call(FN, "GET", f"/meters/{mid}/readings/{rid}", token=stranger.token),
        call(FN, "POST", f"/meters/{mid}/readings/{rid}/confirm", token=stranger.token),
        call(FN, "POST", f"/meters/{mid}/readings/{rid}/reject", token=stranger.token),
        call(FN, "POST", "/meters/ocr", token=stranger.token, body={"meterId": mid, "image": "aGVsbG8="}),
    ]
    # Then every answer is 404 and nothing changed
    assert [a.status for a in attempts] == [404] * len(attempts), attempts
    got = call(FN, "GET", f"/meters/{mid}", token=m.token).data
    assert got["serialNumber"] == meter["serialNumber"] and got["status"] == "active"
    assert [(x["id"], x["status"]) for x in readings(m, mid)] == [(rid, "submitted")]


def test_no_token_is_401_on_every_route(aws):
    # Given no token / When each route is called / Then 401
    for method, path in [("GET", "/meters"), ("POST", "/meters"), ("GET", "/meters/x"), ("PATCH", "/meters/x"),
                         ("POST", "/meters/x/replace"), ("POST", "/meters/x/readings"), ("GET", "/meters/x/readings"),
                         ("GET", "/meters/x/readings/y"), ("POST", "/meters/x/readings/y/confirm"),
                         ("POST", "/meters/x/readings/y/reject"), ("POST", "/meters/ocr"),
                         ("POST", "/meters/photos")]:
        res = call(FN, method, path, body={})
        assert res.status == 401, (method, path, res)


def test_sample_reading_event_submits_a_reading(aws, estate):
    # Given the sample event of POST /meters/{id}/readings and a meter read at 12.345 on 2025-01-01
    m = estate["manager"]
    meter = new_meter(m, estate["building"], initialReading=12.345, initialReadingDate="2025-01-01")
    event = copy.deepcopy(load_event("api/meters/submit_reading"))
    for holder, key in ((event, "rawPath"), (event["requestContext"]["http"], "path")):
        holder[key] = holder[key].replace("{meterId}", meter["id"])
    event["headers"]["authorization"] = f"Bearer {m.token}"
    # When it is invoked
    res = Result(function_module(FN).handler(event, LambdaContext()))
    # Then the reading is recorded with its consumption
    assert res.status == 201, res
    assert res.data["consumption"] == 8.155 and json.loads(event["body"])["value"] == res.data["value"]
