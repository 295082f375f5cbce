"""Buildings over HTTP against the local stack: an owner sets a building up (apartments with their reference
numbers, charges), pages through it, deletes one building outright, and sees one with invoices archived."""

from __future__ import annotations

from tests.e2e.helpers import PASSWORD, register_owner, wait_for_job
from urbaneta.domain import references

ADDRESS = {"street": "Vaba 4", "city": "Pärnu", "postalCode": "80010", "country": "EE"}



def test_building_life_through_the_stack(stack, http):
    # Given a registered owner
    owner = register_owner(http, "KÜ Vaba", "Olev Omanik")
    # When two buildings are created, one with three apartments and a charge
    kept = http.post("/api/buildings", headers=owner, json={"name": "Vaba 4", "address": ADDRESS,
                                                           "billing": {"vatRate": 22, "invoicePrefix": "V4"}})
    gone = http.post("/api/buildings", headers=owner, json={"name": "Vaba 6", "address": ADDRESS})
    assert kept.status_code == 201 and gone.status_code == 201, (kept.text, gone.text)
    kid, gid = kept.json()["data"]["id"], gone.json()["data"]["id"]
    refs = []
    for number in ("10", "2", "1"):
        apt = http.post(f"/api/buildings/{kid}/apartments", headers=owner, json={"number": number, "area": 40.5})
        assert apt.status_code == 201, apt.text
        refs.append(apt.json()["data"]["referenceNumber"])
    dup = http.post(f"/api/buildings/{kid}/apartments", headers=owner, json={"number": "2", "area": 1})
    charge = http.post(f"/api/buildings/{kid}/charges", headers=owner,
                       json={"name": "Haldus", "type": "per_area", "unitPrice": 0.4567})
    http.post(f"/api/buildings/{gid}/apartments", headers=owner, json={"number": "1", "area": 30})
    # Then the references are valid and distinct, the duplicate number is 409, the unit price keeps 4 decimals
    assert all(references.is_valid_731(r) for r in refs) and len(set(refs)) == 3
    assert dup.status_code == 409 and dup.json()["error"]["errors"][0]["field"] == "number"
    assert charge.status_code == 201 and charge.json()["data"]["unitPrice"] == 0.4567
    # And the apartments page in natural number order
    first = http.get(f"/api/buildings/{kid}/apartments", headers=owner, params={"limit": 2}).json()
    rest = http.get(f"/api/buildings/{kid}/apartments", headers=owner,
                    params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [a["number"] for a in first["data"] + rest["data"]] == ["1", "2", "10"]

    # When the building without invoices is deleted with a wrong password, then with the right one
    wrong = http.request("DELETE", f"/api/buildings/{gid}", headers=owner, json={"password": "not it at all"})
    right = http.request("DELETE", f"/api/buildings/{gid}", headers=owner, json={"password": PASSWORD})
    # Then the first is 403, the second deletes it
    assert wrong.status_code == 403 and right.status_code == 204, (wrong.text, right.text)
    assert http.get(f"/api/buildings/{gid}", headers=owner).status_code == 404

    # When the other building gets invoices and is then deleted
    job = http.post("/api/invoices/generate-bulk", headers=owner,
                    json={"buildingId": kid, "periodStart": "2025-01-01", "periodEnd": "2025-01-31"})
    assert job.status_code == 202, job.text
    assert wait_for_job(http, owner, job.json()["data"]["jobId"])["created"] == 3
    archived = http.request("DELETE", f"/api/buildings/{kid}", headers=owner, json={"password": PASSWORD})
    # Then it is archived: gone from the list and its routes, while its invoices stay readable
    assert archived.status_code == 204, archived.text
    assert http.get("/api/buildings", headers=owner).json()["data"] == []
    assert http.get(f"/api/buildings/{kid}/apartments", headers=owner).status_code == 404
    invoices = http.get("/api/invoices", headers=owner, params={"buildingId": kid}).json()["data"]
    assert sorted(i["referenceNumber"] for i in invoices) == sorted(refs)
    one = http.get(f"/api/invoices/{invoices[0]['id']}", headers=owner)
    assert one.status_code == 200 and one.json()["data"]["buildingId"] == kid
