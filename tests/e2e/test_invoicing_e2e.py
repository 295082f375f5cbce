"""Invoicing over HTTP against the local stack: a manager generates a building's invoices (job → SQS → worker),
follows the job to completion, sends them (job → SQS → worker → SES), and the residents' e-mails carry the PDFs;
the overdue sweep, fired through the stack's schedule endpoint, queues its slices and the sweep worker marks the
unpaid ones overdue."""

from __future__ import annotations

import uuid

from tests.e2e.helpers import new_building, register_owner, wait_for_job, wait_for_sweep


def test_generate_send_and_sweep_through_the_stack(stack, http):
    # Given an organisation with a building of two apartments and two charges
    tag = uuid.uuid4().hex[:8]
    staff = register_owner(http, "KÜ Õunapuu", "Mari Maasikas")
    bid = new_building(http, staff, "Õunapuu 5", "Õunapuu 5", "Tartu", "50104")
    emails = [f"jurate-{tag}@example.com", f"oie-{tag}@example.com"]
    for number, area, owner, email in (("1", 52.5, "Jūratė Šeškauskienė", emails[0]),
                                       ("2", 47.5, "Õie Ärm", emails[1])):
        res = http.post(f"/api/buildings/{bid}/apartments", headers=staff,
                        json={"number": number, "area": area, "ownerName": owner, "email": email})
        assert res.status_code == 201, res.text
    for body in ({"name": "Haldustasu", "type": "per_area", "unitPrice": 0.45},
                 {"name": "Küte", "type": "shared_by_area", "unitPrice": 100}):
        assert http.post(f"/api/buildings/{bid}/charges", headers=staff, json=body).status_code == 201

    # When the manager generates January's invoices
    res = http.post("/api/invoices/generate-bulk", headers=staff,
                    json={"buildingId": bid, "periodStart": "2025-01-01", "periodEnd": "2025-01-31",
                          "issueDate": "2025-02-01"})
    assert res.status_code == 202, res.text
    # Then the job completes with two invoices whose shared parts add up to the total
    job = wait_for_job(http, staff, res.json()["data"]["jobId"])
    assert (job["status"], job["created"], job["failed"]) == ("completed", 2, 0), job
    invoices = http.get("/api/invoices", headers=staff, params={"buildingId": bid}).json()["data"]
    assert len(invoices) == 2 and all(i["status"] == "draft" for i in invoices)
    heat = [ln["amount"] for i in invoices for ln in i["lines"] if ln["description"] == "Küte"]
    assert round(sum(heat), 2) == 100.0

    # When they are sent
    res = http.post("/api/invoices/send-bulk", headers=staff, json={"buildingId": bid})
    assert res.status_code == 202, res.text
    job = wait_for_job(http, staff, res.json()["data"]["jobId"])
    assert (job["status"], job["created"]) == ("completed", 2), job
    # Then each resident got one e-mail with the invoice's PDF attached, and the invoices are sent
    for email, inv in zip(emails, sorted(invoices, key=lambda i: i["recipient"]["email"] != emails[0]),
                          strict=True):
        mails = [m for m in stack.mail() if email in m["to"]]
        assert len(mails) == 1, mails
        assert inv["number"] in mails[0]["subject"]
        assert [(a["contentType"], a["size"] > 1000) for a in mails[0]["attachments"]] == [("application/pdf", True)]
    pdf = http.get(f"/api/invoices/{invoices[0]['id']}/pdf", headers=staff)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert all(http.get(f"/api/invoices/{i['id']}", headers=staff).json()["data"]["status"] == "sent"
               for i in invoices)

    # When the daily sweep runs the day after the due date
    fired = stack.fire_schedule("overdue-sweep", time="2025-02-16T01:00:00Z")
    # Then it queued one overdue and one reminder slice per shard of the due index, and the worker made both
    # unpaid invoices overdue
    assert fired["sweepSlicesQueued"] == 8 and fired["reminderSlicesQueued"] == 8
    assert wait_for_sweep(http, staff, bid, "2025-02-16") == 0
    assert all(http.get(f"/api/invoices/{i['id']}", headers=staff).json()["data"]["status"] == "overdue"
               for i in invoices)
