"""Residents and maintenance over HTTP against the local stack: an organisation invites a resident, the
invitation arrives in the local mailbox, the resident accepts and opens a maintenance request for their
apartment, and the manager works it through its life cycle."""

from __future__ import annotations

import re
import uuid

PASSWORD = "Hõbedane-Kuu-2025-aken"


def address(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@urbaneta.example"


def test_invited_resident_accepts_and_follows_a_maintenance_request(stack, http):
    # Given a registered organisation with a building and two apartments
    owner = address("owner")
    from tests.e2e.helpers import register

    reg = register(http, {"organizationName": "Ühistu Kask", "email": owner, "password": PASSWORD,
                          "name": "Kaia Kask"})
    assert reg.status_code == 201, reg.text
    staff = {"Authorization": f"Bearer {reg.json()['data']['accessToken']}"}
    building = http.post("/api/buildings", headers=staff, json={
        "name": "Kase 4", "address": {"street": "Kase 4", "city": "Tartu", "postalCode": "50104", "country": "EE"}})
    assert building.status_code == 201, building.text
    bid = building.json()["data"]["id"]
    apartments = [http.post(f"/api/buildings/{bid}/apartments", headers=staff, json={"number": n, "area": 40})
                  for n in ("1", "2")]
    assert [a.status_code for a in apartments] == [201, 201]
    mine, neighbour = (a.json()["data"]["id"] for a in apartments)

    # When the owner invites a resident
    resident = address("resident")
    inv = http.post("/api/invitations", headers=staff, json={"apartmentId": mine, "email": resident,
                                                             "role": "tenant"})
    assert inv.status_code == 201, inv.text
    # Then the invitation e-mail is in the local mailbox, with the token
    mails = [m for m in stack.mail() if resident in m["to"]]
    assert len(mails) == 1 and "Kase 4" in mails[0]["subject"]
    token = re.search(r"token=(\S+)", mails[0]["text"]).group(1)

    # When the resident accepts it (no bearer token needed)
    accepted = http.post("/api/invitations/accept", json={"token": token, "name": "Rein Resident",
                                                          "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    me = {"Authorization": f"Bearer {accepted.json()['data']['accessToken']}"}
    # Then a second acceptance fails, and the resident is listed with the apartment
    assert http.post("/api/invitations/accept", json={"token": token, "name": "X", "password": PASSWORD}
                     ).status_code == 409
    people = http.get("/api/residents", headers=staff).json()["data"]
    assert [(p["email"], [a["apartmentId"] for a in p["apartments"]]) for p in people] == [(resident, [mine])]
    # And the resident may not use the manager's routes
    assert http.get("/api/invitations", headers=me).status_code == 403

    # When the resident opens a maintenance request for their apartment (and tries the neighbour's)
    req = http.post("/api/maintenance-requests", headers=me, json={
        "buildingId": bid, "apartmentId": mine, "title": "Radiator cold", "description": "Bedroom radiator."})
    assert req.status_code == 201, req.text
    rid = req.json()["data"]["id"]
    assert http.post("/api/maintenance-requests", headers=me, json={
        "buildingId": bid, "apartmentId": neighbour, "title": "x", "description": "y"}).status_code == 404
    # Then the manager sees it in the building's open requests and works it to resolved
    listed = http.get("/api/maintenance-requests", headers=staff, params={"buildingId": bid, "status": "open"})
    assert [r["id"] for r in listed.json()["data"]] == [rid]
    for status in ("in_progress", "resolved"):
        step = http.patch(f"/api/maintenance-requests/{rid}", headers=staff, json={"status": status,
                                                                                  "comment": f"now {status}"})
        assert step.status_code == 200, step.text
    # And the resident confirms the fix; the history shows every step
    done = http.patch(f"/api/maintenance-requests/{rid}", headers=me, json={"status": "closed",
                                                                           "comment": "Warm again."})
    assert done.status_code == 200, done.text
    history = http.get(f"/api/maintenance-requests/{rid}", headers=me).json()["data"]["history"]
    assert [(h["toStatus"], h["byRole"]) for h in history] == [
        ("open", "resident"), ("in_progress", "owner"), ("resolved", "owner"), ("closed", "resident")]
