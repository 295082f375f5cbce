"""An apartment is sold, over HTTP against the local stack: the manager records the change, the seller (who keeps
their own invoices) reads only the invoice of the period before the sale, the buyer accepts the e-mailed
invitation and reads only the invoice from the sale on, and the sending job e-mails each invoice to its owner."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta
from typing import Any

from tests.e2e.helpers import PASSWORD, new_building, register_owner, wait_for_job

SALE = date.today() - timedelta(days=10)


def _address(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@urbaneta.example"


def _token_for(stack: Any, to: str) -> str:
    mail = [m for m in stack.mail() if to in m["to"] and "token=" in m["text"]][-1]
    return re.search(r"token=([^\s&]+)", mail["text"]).group(1)  # type: ignore[union-attr]


def _generate(http: Any, staff: dict[str, str], building: str, start: date, end: date) -> None:
    job = http.post("/api/invoices/generate-bulk", headers=staff, json={
        "buildingId": building, "periodStart": start.isoformat(), "periodEnd": end.isoformat(),
        "issueDate": end.isoformat(), "dueDate": (end + timedelta(days=14)).isoformat()})
    assert job.status_code == 202, job.text
    assert wait_for_job(http, staff, job.json()["data"]["jobId"])["status"] == "completed"


def _ids(http: Any, headers: dict[str, str], **params: str) -> list[str]:
    res = http.get("/api/invoices", headers=headers, params=params)
    assert res.status_code == 200, res.text
    return [i["id"] for i in res.json()["data"]]


def test_a_sold_apartment_hands_its_invoices_from_the_date_to_the_buyer(stack, http):
    # Given an apartment with a resident owner, and the invoices of the month before the sale and of the sale's
    staff = register_owner(http, "Ühistu Pärn", "Peeter Pärn")
    building = new_building(http, staff, "Pärna 3", "Pärna 3", "Pärnu", "80010")
    seller = _address("seller")
    apt = http.post(f"/api/buildings/{building}/apartments", headers=staff, json={
        "number": "5", "area": 52, "ownerName": "Siim Seller", "email": seller})
    assert apt.status_code == 201, apt.text
    aid = apt.json()["data"]["id"]
    assert http.post(f"/api/buildings/{building}/charges", headers=staff, json={
        "name": "Haldus", "type": "per_apartment", "unitPrice": 30}).status_code == 201
    assert http.post("/api/invitations", headers=staff, json={
        "apartmentId": aid, "email": seller, "role": "owner"}).status_code == 201
    sold_by = http.post("/api/invitations/accept", json={"token": _token_for(stack, seller), "name": "Siim Seller",
                                                         "password": PASSWORD}).json()["data"]
    _generate(http, staff, building, SALE - timedelta(days=30), SALE - timedelta(days=1))
    _generate(http, staff, building, SALE, SALE + timedelta(days=5))
    old, new = sorted(_ids(http, staff, apartmentId=aid),
                      key=lambda i: http.get(f"/api/invoices/{i}", headers=staff).json()["data"]["periodEnd"])
    # When the manager records the sale, the seller keeping their own invoices
    buyer = _address("buyer")
    sale = http.post(f"/api/apartments/{aid}/ownership-changes", headers=staff, json={
        "date": SALE.isoformat(), "newOwner": {"email": buyer, "name": "Birgit Buyer", "language": "en"},
        "formerOwners": "ownInvoices"})
    # Then 201, with the draft of the sale's period addressed to the buyer
    assert sale.status_code == 201, sale.text
    assert sale.json()["data"]["readdressedInvoices"] == [new]
    # And the seller's token is refused; signed in again, they read the old invoice only, and cannot pay it
    assert http.get(f"/api/invoices/{old}", headers={"Authorization": f"Bearer {sold_by['accessToken']}"}
                    ).status_code == 401
    again = http.post("/api/auth/refresh", json={"refreshToken": sold_by["refreshToken"]}).json()["data"]
    seller_h = {"Authorization": f"Bearer {again['accessToken']}"}
    assert http.post("/api/invoices/send-bulk", headers=staff, json={"buildingId": building}).status_code == 202
    for _ in range(100):  # the sending job is asynchronous: wait until both are sent
        if all(http.get(f"/api/invoices/{i}", headers=staff).json()["data"]["status"] == "sent" for i in (old, new)):
            break
        time.sleep(0.2)
    assert _ids(http, seller_h) == [old]
    assert http.get(f"/api/invoices/{new}", headers=seller_h).status_code == 404
    assert http.get(f"/api/apartments/{aid}/account", headers=seller_h).status_code == 404
    assert http.post("/api/payments/banklink", headers=seller_h, json={
        "invoiceId": old, "provider": "paysera", "returnUrl": "https://example.com/back"}).status_code == 404
    # And the buyer accepts the invitation and reads the new invoice only
    joined = http.post("/api/invitations/accept", json={"token": _token_for(stack, buyer), "name": "Birgit Buyer",
                                                        "password": PASSWORD})
    assert joined.status_code == 200, joined.text
    buyer_h = {"Authorization": f"Bearer {joined.json()['data']['accessToken']}"}
    assert _ids(http, buyer_h) == [new]
    assert http.get(f"/api/invoices/{old}", headers=buyer_h).status_code == 404
    # And each invoice was e-mailed to its owner only
    numbers = {i: http.get(f"/api/invoices/{i}", headers=staff).json()["data"]["number"] for i in (old, new)}
    to_seller = " ".join(m["subject"] for m in stack.mail() if seller in m["to"])
    to_buyer = " ".join(m["subject"] for m in stack.mail() if buyer in m["to"])
    assert numbers[old] in to_seller and numbers[new] not in to_seller
    assert numbers[new] in to_buyer and numbers[old] not in to_buyer
