"""POST /apartments/{id}/ownership-changes: who invoices go to after a sale (drafts re-addressed, the sending worker
and reminders e-mail the current owner, never the former one about an invoice from the date), the bounds of the
date, and the 422s of a bad body."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration import invoicing_helpers as helpers
from tests.integration.invoicing_helpers import invoices_of, run_sending, sent_mail
from tests.integration.test_residents import accept, invite, outbox
from tests.support import call

C = date.today() - timedelta(days=20)  # the change date: the new owner's first day


def _iso(d: date) -> str:
    return d.isoformat()


def change(caller: Any, apartment_id: str, body: dict[str, Any]) -> Any:
    return call("residents", "POST", f"/apartments/{apartment_id}/ownership-changes", token=caller.token, body=body)


def body(email: str, **over: Any) -> dict[str, Any]:
    return {"date": _iso(C), "newOwner": {"email": email, "name": "Uus Omanik", "language": "en"},
            "formerOwners": "ownInvoices", **over}


@pytest.fixture
def building(make_caller) -> dict[str, Any]:
    """Given an apartment owned by Mari (e-mail on the apartment) with three invoices generated before the sale:
    P1 ends the day before the change (a draft), P2 straddles it (sent), P3 starts after it (a draft)."""
    mgr = make_caller("manager")
    tag = uuid.uuid4().hex[:8]
    b = helpers.new_building(mgr)
    call("buildings", "PATCH", f"/buildings/{b['id']}", token=mgr.token,
         body={"billing": {"reminders": [{"daysAfterDue": 1, "message": "Palun tasuge."}]}})
    apt = helpers.new_apartment(mgr, b["id"], "1", email=f"mari-{tag}@example.ee", ownerName="Mari Mägi", language="et")
    helpers.new_charge(mgr, b["id"], "Haldus", "per_apartment", 80)
    periods = {"p1": (C - timedelta(days=31), C - timedelta(days=1)), "p2": (C - timedelta(days=5), C + timedelta(2)),
               "p3": (C + timedelta(days=3), C + timedelta(days=8))}
    for start, end in periods.values():
        helpers.generate(mgr, b["id"], _iso(start), _iso(end), issueDate=_iso(end),
                         dueDate=_iso(end + timedelta(days=1)))
    found = {i["periodEnd"]: i for i in invoices_of(mgr, apartmentId=apt["id"])}
    invoices = {k: found[_iso(end)] for k, (_, end) in periods.items()}
    assert call("invoices", "PATCH", f"/invoices/{invoices['p2']['id']}", token=mgr.token,
                body={"status": "sent"}).status == 200
    return {"mgr": mgr, "building": b, "apartment": apt, "invoices": invoices, "new": f"uus-{tag}@example.com"}


def _recipient(mgr: Any, invoice_id: str) -> str | None:
    return call("invoices", "GET", f"/invoices/{invoice_id}", token=mgr.token).data["recipient"]["email"]


def test_own_01_drafts_from_the_date_are_readdressed_and_sending_mails_each_invoice_to_its_owner(building):
    mgr, apt, inv = building["mgr"], building["apartment"], building["invoices"]
    # When the apartment is sold on C
    res = change(mgr, apt["id"], body(building["new"]))
    assert res.status == 201, res
    # Then the draft of P3 is addressed to the new owner; P1 (the former owner's) and the issued P2 keep theirs
    assert res.data["readdressedInvoices"] == [inv["p3"]["id"]]
    assert _recipient(mgr, inv["p3"]["id"]) == building["new"]
    assert _recipient(mgr, inv["p1"]["id"]) == apt["email"] == _recipient(mgr, inv["p2"]["id"])
    # And the apartment's owner is the new one from C
    got = call("buildings", "GET", f"/buildings/{building['building']['id']}/apartments/{apt['id']}",
               token=mgr.token).data
    assert (got["email"], got["ownerName"]) == (building["new"], "Uus Omanik")
    # When the drafts are sent
    before = len(sent_mail())
    assert call("invoices", "POST", "/invoices/send-bulk", token=mgr.token,
                body={"buildingId": building["building"]["id"]}).status == 202
    assert not run_sending()
    mails = sent_mail()[before:]
    # Then P1 goes to Mari (her own invoice) and P3 to the new owner; Mari gets nothing about P3
    assert sorted(m["to"][0] for m in mails) == sorted([apt["email"], building["new"]])
    assert [m for m in mails if m["to"] == [apt["email"]] and inv["p3"]["number"] in m["subject"] + m["text"]] == []


def test_own_02_a_reminder_of_an_issued_invoice_from_the_date_goes_to_the_new_owner(building):
    mgr, apt, inv = building["mgr"], building["apartment"], building["invoices"]
    assert change(mgr, apt["id"], body(building["new"])).status == 201
    before = len(sent_mail())
    # When a manager reminds the straddling P2 (issued to Mari before the sale)
    res = call("invoices", "POST", f"/invoices/{inv['p2']['id']}/remind", token=mgr.token)
    # Then the reminder goes to the new owner, not to Mari
    assert res.status == 200, res
    assert [m["to"] for m in sent_mail()[before:]] == [[building["new"]]]


def test_own_03_bad_dates_and_bodies_are_422_with_errors_and_nothing_is_sent(building):
    mgr, apt = building["mgr"], building["apartment"]
    bad = [
        (body(building["new"], date=_iso(date.today() + timedelta(days=1))), "date"),
        (body(building["new"], date=_iso(date.today() - timedelta(days=400))), "date"),
        (body(building["new"], date=20260101), "date"),
        (body(building["new"], date="31.01.2026"), "date"),
        (body(building["new"], formerOwners="some"), "formerOwners"),
        ({k: v for k, v in body(building["new"]).items() if k != "formerOwners"}, "formerOwners"),
        (body("not-an-address"), "newOwner.email"),
        (body(building["new"], newOwner={"email": building["new"], "name": "X\r\nBcc: y"}), "newOwner.name"),
        (body(building["new"], newOwner={"email": building["new"], "name": "X", "language": "de"}),
         "newOwner.language"),
        (body(building["new"], ownerSince="2020-01-01"), "ownerSince"),
    ]
    with outbox() as sent:
        for payload, field in bad:
            res = change(mgr, apt["id"], payload)
            assert res.status == 422, (payload, res)
            assert field in [e["field"] for e in res.error["errors"]], (payload, res.error)
    assert sent == []


def test_own_04_a_change_must_be_later_than_the_last_and_the_new_owner_someone_else(building):
    mgr, apt = building["mgr"], building["apartment"]
    # Given a resident who lives in the apartment
    _, token = invite(mgr, apt["id"], resident := f"elanik-{uuid.uuid4().hex[:6]}@example.ee")
    assert accept(token).status == 200
    # When the "new owner" is that resident / Then 422 on newOwner.email
    same = change(mgr, apt["id"], body(resident))
    assert same.status == 422 and same.error["errors"][0]["field"] == "newOwner.email", same
    # Given a change on C / When another is recorded on C or before / Then 422 on date
    assert change(mgr, apt["id"], body(building["new"])).status == 201
    for when in (C, C - timedelta(days=1)):
        again = change(mgr, apt["id"], body(f"x{building['new']}", date=_iso(when)))
        assert again.status == 422 and again.error["errors"][0]["field"] == "date", again
    # And a later one is accepted, its residents (none accepted yet) leaving nobody behind
    later = change(mgr, apt["id"], body(f"y{building['new']}", date=_iso(C + timedelta(days=1)), formerOwners="none"))
    assert later.status == 201 and later.data["formerResidents"] == [], later


def test_own_05_a_pay_link_the_former_owner_got_for_an_invoice_from_the_date_stops_opening(building):
    import re

    from urbaneta.services.links import pay_token
    from urbaneta.store import invoices as store

    mgr, apt, inv = building["mgr"], building["apartment"], building["invoices"]
    # Given the links Mari was e-mailed before the sale: her own P1 and the straddling P2
    own, straddling = (pay_token(store.get_invoice(mgr.tenant_id, inv[k]["id"])) for k in ("p1", "p2"))
    assert call("payments", "GET", f"/pay/{straddling}").status == 200
    # When the apartment is sold
    assert change(mgr, apt["id"], body(building["new"])).status == 201
    # Then her link to P2 (now the new owner's) opens nothing, page or PDF, and her own P1 still opens
    assert call("payments", "GET", f"/pay/{straddling}").status == 404
    assert call("payments", "GET", f"/pay/{straddling}/pdf").status == 404
    assert call("payments", "GET", f"/pay/{own}").status == 200
    # And the link in the new owner's reminder of P2 opens
    before = len(sent_mail())
    assert call("invoices", "POST", f"/invoices/{inv['p2']['id']}/remind", token=mgr.token).status == 200
    link = re.search(r"/pay/(\S+)", sent_mail()[before]["text"]).group(1)  # type: ignore[union-attr]
    assert call("payments", "GET", f"/pay/{link}").status == 200


def test_own_06_pending_invitations_to_the_apartment_are_cancelled_and_the_buyers_is_replaced(building):
    mgr, apt = building["mgr"], building["apartment"]
    # Given a pending invitation for a member of the former household, and one the manager already sent the buyer
    _, household = invite(mgr, apt["id"], f"pere-{uuid.uuid4().hex[:6]}@example.ee")
    _, early = invite(mgr, apt["id"], building["new"])
    # When the sale is recorded
    res = change(mgr, apt["id"], body(building["new"]))
    # Then it is not a 409 for the buyer's pending invitation; both earlier tokens no longer work
    assert res.status == 201, res
    assert accept(household).status == 409 and accept(early).status == 409
    # And only the invitation the change made is pending for the apartment
    pending = [i for i in call("residents", "GET", "/invitations", token=mgr.token).data
               if i["apartmentId"] == apt["id"]]
    assert [i["id"] for i in pending] == [res.data["invitation"]["id"]]
