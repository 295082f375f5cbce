"""Meters over HTTP against the local stack: a manager creates a meter, a resident's photo is read offline
(inline, and through the presigned upload), the reading is recorded with its photo and confirmed."""

from __future__ import annotations

import base64
import uuid

import httpx

from tests.e2e.helpers import register_owner
from tests.meter_photos import meter_photo


def test_meter_photo_to_confirmed_reading_through_the_stack(stack, http):
    # Given an organisation with a building, an apartment and a cold water meter at 100
    tag = uuid.uuid4().hex[:8]
    staff = register_owner(http, "KÜ Kase", "Mari Maasikas")
    building = http.post("/api/buildings", headers=staff, json={
        "name": "Kase 3", "address": {"street": "Kase 3", "city": "Tartu", "postalCode": "50104", "country": "EE"}})
    assert building.status_code == 201, building.text
    bid = building.json()["data"]["id"]
    apt = http.post(f"/api/buildings/{bid}/apartments", headers=staff, json={"number": "1", "area": 40})
    assert apt.status_code == 201, apt.text
    meter = http.post("/api/meters", headers=staff, json={
        "buildingId": bid, "apartmentId": apt.json()["data"]["id"], "type": "cold_water", "unit": "m3",
        "serialNumber": f"CW-{tag}", "initialReading": 100, "initialReadingDate": "2025-01-01"})
    assert meter.status_code == 201, meter.text
    mid = meter.json()["data"]["id"]

    # When a photo of the dial (00123 and red 456) is read inline, with submit
    photo = meter_photo()
    read = http.post("/api/meters/ocr", headers=staff,
                     json={"meterId": mid, "image": base64.b64encode(photo).decode(), "submit": True,
                           "readingDate": "2025-02-01"})
    # Then the exact value is recorded as a reading with its photo
    assert read.status_code == 200, read.text
    data = read.json()["data"]
    assert data["value"] == 123.456 and data["reading"]["consumption"] == 23.456
    assert data["photoKey"].startswith("meters/") and data["reading"]["photoKey"] == data["photoKey"]

    # When the manager confirms it
    rid = data["reading"]["id"]
    confirmed = http.post(f"/api/meters/{mid}/readings/{rid}/confirm", headers=staff)
    # Then it is confirmed and the meter's last reading moved
    assert confirmed.status_code == 200 and confirmed.json()["data"]["status"] == "confirmed"
    assert http.get(f"/api/meters/{mid}", headers=staff).json()["data"]["lastReading"]["value"] == 123.456

    # When a photo goes through the presigned upload instead
    up = http.post("/api/meters/photos", headers=staff, json={"contentType": "image/png"})
    assert up.status_code == 201, up.text
    target = up.json()["data"]
    sent = httpx.post(target["uploadUrl"], data=target["fields"],
                      files={"file": ("dial.png", meter_photo("00130", "5"), "image/png")}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    again = http.post("/api/meters/ocr", headers=staff, json={"photoKey": target["photoKey"]})
    # Then it is read from the bucket like an inline photo
    assert again.status_code == 200, again.text
    assert again.json()["data"]["value"] == 130.5 and again.json()["data"]["photoKey"] == target["photoKey"]
