"""Generation reads per building, not per meter or apartment (issue 19): a chunk reads its building's readings
of the period in one paged Query and the late-interest history in one Query, and bills what each meter's and
apartment's whole history would give."""

from __future__ import annotations

from typing import Any

from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    load_event_sweep,
    new_apartment,
    new_building,
    new_charge,
)
from tests.support import call, count_calls, unique


def _meter(mgr: Any, building_id: str, apartment_id: str, initial: float, initial_date: str) -> str:
    res = call("meters", "POST", "/meters", token=mgr.token,
               body={"buildingId": building_id, "apartmentId": apartment_id, "type": "cold_water", "unit": "m3",
                     "serialNumber": unique("SN"), "initialReading": initial, "initialReadingDate": initial_date})
    assert res.status == 201, res
    return str(res.data["id"])


def _read(mgr: Any, meter_id: str, value: float, day: str) -> None:
    res = call("meters", "POST", f"/meters/{meter_id}/readings", token=mgr.token,
               body={"value": value, "readingDate": day})
    assert res.status == 201, res


def _metered_building(mgr: Any, apartments: int) -> dict[str, Any]:
    b = new_building(mgr)
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2, meterType="cold_water")
    for n in range(1, apartments + 1):
        apt = new_apartment(mgr, b["id"], str(n))
        meter = _meter(mgr, b["id"], apt["id"], 100, "2024-11-30")
        _read(mgr, meter, 101, "2024-12-31")
        _read(mgr, meter, 100 + 1 + n, "2025-01-31")
    return b


def _generation_queries(mgr: Any, building_id: str, **over: Any) -> tuple[int, dict[str, Any]]:
    with count_calls("dynamodb") as ddb:
        job = generate(mgr, building_id, **over)
    return ddb.count("Query"), job


def test_r1_a_chunk_reads_its_buildings_readings_in_one_query_whatever_the_number_of_meters(make_caller):
    # Given two buildings of one organisation, with 2 and 6 metered apartments read in December and January
    mgr = make_caller("manager")
    small, large = _metered_building(mgr, 2), _metered_building(mgr, 6)
    # When January is generated for each, counting DynamoDB queries
    few, _ = _generation_queries(mgr, small["id"])
    many, job = _generation_queries(mgr, large["id"])
    # Then the larger building costs no more queries (none per meter), and each apartment is billed its own use
    assert many == few
    assert job["created"] == 6
    water = {i["apartmentId"]: next(ln for ln in i["lines"] if ln["description"] == "Külm vesi")
             for i in invoices_of(mgr, buildingId=large["id"])}
    assert sorted(ln["quantity"] for ln in water.values()) == [1, 2, 3, 4, 5, 6]


def test_r2_a_meter_whose_opening_is_older_than_the_window_is_billed_from_it(make_caller):
    # Given a meter read in June and then only at the end of January (no reading for months)
    mgr = make_caller("manager")
    b = new_building(mgr)
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2, meterType="cold_water")
    apt = new_apartment(mgr, b["id"], "1")
    meter = _meter(mgr, b["id"], apt["id"], 50, "2024-05-31")
    _read(mgr, meter, 60, "2024-06-30")
    _read(mgr, meter, 70.5, "2025-01-31")
    # When January is generated
    job = generate(mgr, b["id"])
    # Then the consumption runs from the June reading (10.5 m3 x 2.00 = 21.00), as the meter's history says
    assert job["created"] == 1
    line = next(ln for ln in invoices_of(mgr, buildingId=b["id"])[0]["lines"] if ln["description"] == "Külm vesi")
    assert (line["quantity"], line["amount"]) == (10.5, 21.0)


def _unpaid_january(mgr: Any, apartments: int) -> dict[str, Any]:
    b = new_building(mgr, lateInterestDailyRate=0.05)
    for n in range(1, apartments + 1):
        new_apartment(mgr, b["id"], str(n), 100)
    new_charge(mgr, b["id"], "Haldus", "per_area", 1)  # 100.00 a month
    generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    for inv in invoices_of(mgr, buildingId=b["id"]):
        sent = call("invoices", "PATCH", f"/invoices/{inv['id']}", token=mgr.token, body={"status": "sent"})
        assert sent.status == 200
    return b


def test_r3_late_interest_history_is_one_query_per_building_not_per_apartment(make_caller):
    # Given two buildings charging late interest, of 1 and 5 apartments, whose January invoices went unpaid
    mgr = make_caller("manager")
    one, five = _unpaid_january(mgr, 1), _unpaid_january(mgr, 5)
    load_event_sweep("2025-02-20T01:00:00Z")
    # When February is generated for each, counting DynamoDB queries
    feb = {"issueDate": "2025-03-01"}
    few, _ = _generation_queries(mgr, one["id"], periodStart="2025-02-01", periodEnd="2025-02-28", **feb)
    many, job = _generation_queries(mgr, five["id"], periodStart="2025-02-01", periodEnd="2025-02-28", **feb)
    # Then five apartments cost no more queries than one, and every February invoice carries its 14 days (0.70)
    assert many == few
    assert job["created"] == 5
    february = [i for i in invoices_of(mgr, buildingId=five["id"]) if i["periodStart"] == "2025-02-01"]
    for inv in february:
        interest = [ln for ln in inv["lines"] if ln["description"].startswith("Late interest")]
        assert [(ln["quantity"], ln["amount"]) for ln in interest] == [(14, 0.7)]


def test_r4_the_migration_indexes_readings_written_before_the_building_index(make_caller):
    from datetime import date
    from decimal import Decimal

    from local.migrate_readings_index import migrate
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.meters import Reading
    from urbaneta.store import meters, table

    # Given a reading stored as before the building index (no GSI2 keys)
    tenant_id, building_id, meter_id = new_id(), new_id(), new_id()
    old = Reading(id=new_id(), tenant_id=tenant_id, meter_id=meter_id, building_id=building_id, value=Decimal(7),
                  reading_date=date(2025, 1, 31), consumption=Decimal(1), created_at=now_iso())
    item = {k: v for k, v in meters.reading_item(old).items() if not k.startswith("GSI2")}
    table.batch_write([item])
    assert meters.building_readings(tenant_id, building_id, date(2025, 1, 1), date(2025, 1, 31)) == {}
    # When the migration runs (twice: it is safe to repeat)
    first, second = migrate(), migrate()
    # Then the building's period query finds it, and the second run had nothing left to do
    found = meters.building_readings(tenant_id, building_id, date(2025, 1, 1), date(2025, 1, 31))
    assert [r.id for r in found[meter_id]] == [old.id]
    assert first >= 1 and second == 0


def test_r5_a_period_in_the_first_weeks_of_year_one_still_bills(make_caller):
    # Given a metered building (the readings window before such a period would fall before year 1)
    mgr = make_caller("manager")
    b = _metered_building(mgr, 1)
    # When a period at the very start of the calendar is generated
    job = generate(mgr, b["id"], "0001-01-01", "0001-01-31")
    # Then the job completes, saying why the apartment was not billed (no reading then), instead of the chunk failing
    assert job["status"] == "completed", job
    assert job["processed"] == 1
    assert any("no cold_water reading in the period" in e["message"] for e in job["errors"]), job["errors"]
