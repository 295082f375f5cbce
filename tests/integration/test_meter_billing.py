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
