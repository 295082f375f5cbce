"""Readings feed the metered charges of invoice generation, continuous across a meter replacement."""

from __future__ import annotations

from typing import Any

from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment, new_building, new_charge
from tests.support import call, unique


def test_a_meter_swapped_mid_period_is_billed_for_both_parts(make_caller: Any) -> None:
    # Given a cold water charge of 2.00 per m3 and an apartment meter at 100 on Dec 31
    mgr = make_caller("manager")
    b = new_building(mgr)
    apt = new_apartment(mgr, b["id"], "1")
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2, meterType="cold_water")
    old = call("meters", "POST", "/meters", token=mgr.token,
               body={"buildingId": b["id"], "apartmentId": apt["id"], "type": "cold_water", "unit": "m3",
                     "serialNumber": unique("OLD"), "initialReading": 100, "initialReadingDate": "2024-12-31"})
    assert old.status == 201, old
    # When it is replaced on Jan 15 (final 110, the new one starts at 3) and the new one reads 8 on Jan 31
    new = call("meters", "POST", f"/meters/{old.data['id']}/replace", token=mgr.token,
               body={"finalReading": 110, "replacedOn": "2025-01-15", "serialNumber": unique("NEW"),
                     "initialReading": 3})
    assert new.status == 201, new
    reading = call("meters", "POST", f"/meters/{new.data['id']}/readings", token=mgr.token,
                   body={"value": 8, "readingDate": "2025-01-31"})
    assert reading.status == 201, reading
    job = generate(mgr, b["id"])
    # Then January bills (110 - 100) + (8 - 3) = 15 m3, 30.00, with nothing reported missing
    (invoice,) = invoices_of(mgr, buildingId=b["id"])
    (water,) = [ln for ln in invoice["lines"] if ln["description"] == "Külm vesi"]
    assert water["quantity"] == 15 and water["amount"] == 30 and water["unit"] == "m3"
    assert job["created"] == 1 and job["errors"] == []


def test_a_metered_line_of_one_meter_carries_and_prints_its_readings(make_caller: Any) -> None:
    import io

    from pypdf import PdfReader

    # Given an apartment whose one cold water meter read 100.5 on Dec 31 and 104.25 on Jan 31
    mgr = make_caller("manager")
    b = new_building(mgr)
    apt = new_apartment(mgr, b["id"], "1", language="et")
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2, meterType="cold_water")
    meter = call("meters", "POST", "/meters", token=mgr.token,
                 body={"buildingId": b["id"], "apartmentId": apt["id"], "type": "cold_water", "unit": "m3",
                       "serialNumber": unique("CW"), "initialReading": 100.5, "initialReadingDate": "2024-12-31"})
    assert call("meters", "POST", f"/meters/{meter.data['id']}/readings", token=mgr.token,
                body={"value": 104.25, "readingDate": "2025-01-31"}).status == 201
    # When January is billed
    generate(mgr, b["id"])
    (invoice,) = invoices_of(mgr, buildingId=b["id"])
    # Then the line carries both readings, and the Estonian PDF prints them with the consumption
    (water,) = invoice["lines"]
    assert (water["previousReading"], water["currentReading"], water["quantity"]) == (100.5, 104.25, 3.75)
    pdf = call("invoices", "GET", f"/invoices/{invoice['id']}/pdf", token=mgr.token).content
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "näit 100,5 → 104,25, tarbimine 3,75 m3" in text


def test_a_confirmed_only_building_leaves_submitted_readings_out_and_reports_them(make_caller: Any) -> None:
    # Given a building billing confirmed readings only, two apartments whose water meters read 104 on Jan 31,
    # apartment 1's reading only submitted, apartment 2's confirmed by the manager
    mgr = make_caller("manager")
    b = new_building(mgr, billReadings="confirmed")
    assert b["billing"]["billReadings"] == "confirmed"
    new_charge(mgr, b["id"], "Haldus", "per_apartment", 10)
    new_charge(mgr, b["id"], "Külm vesi", "metered", 2, meterType="cold_water")
    meters = {}
    for number in ("1", "2"):
        apt = new_apartment(mgr, b["id"], number)
        meter = call("meters", "POST", "/meters", token=mgr.token,
                     body={"buildingId": b["id"], "apartmentId": apt["id"], "type": "cold_water", "unit": "m3",
                           "serialNumber": unique("CW"), "initialReading": 100, "initialReadingDate": "2024-12-31"})
        reading = call("meters", "POST", f"/meters/{meter.data['id']}/readings", token=mgr.token,
                       body={"value": 104, "readingDate": "2025-01-31"})
        meters[apt["id"]] = (meter.data["id"], reading.data["id"])
    first, second = list(meters)
    assert call("meters", "POST", f"/meters/{meters[second][0]}/readings/{meters[second][1]}/confirm",
                token=mgr.token).status == 200
    # When January is billed
    job = generate(mgr, b["id"])
    # Then apartment 2's water is billed (4 m3), apartment 1's is not, and the job says why, naming the meter
    by_apartment = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    assert [ln["description"] for ln in by_apartment[first]["lines"]] == ["Haldus"]
    (water,) = [ln for ln in by_apartment[second]["lines"] if ln["description"] == "Külm vesi"]
    assert water["quantity"] == 4
    held = [e for e in job["errors"] if "awaits review or confirmation" in e["message"]]
    assert [(e["apartmentId"], e["meterId"]) for e in held] == [(first, meters[first][0])]
    # And a building may switch back to every submitted reading; another value is 422
    res = call("buildings", "PATCH", f"/buildings/{b['id']}", token=mgr.token, body={"billing": {"billReadings": "x"}})
    assert res.status == 422
    res = call("buildings", "PATCH", f"/buildings/{b['id']}", token=mgr.token,
               body={"billing": {"billReadings": "submitted"}})
    assert res.status == 200 and res.data["billing"]["billReadings"] == "submitted"
