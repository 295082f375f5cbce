"""An apartment changes owners (issue 17, finding 3, the move-in half): the former residents lose the apartment at
once and keep, if the manager chose ``ownInvoices``, their own past invoices only; the new owner reads only from
the change date. Every check is made where invoices are read, so no filter, cursor, replay or PDF link skips it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.test_residents import accept, address, new_apartment, new_building, outbox, published
from tests.payments_support.org import Apt, new_invoice
from tests.security.test_leaving import lived_in
from tests.support import call, unique

CHANGE = date.today() - timedelta(days=20)
LINK = {"provider": "paysera", "returnUrl": "https://example.com/paid"}


def change(manager: Any, apartment_id: str, email: str, keep: str = "ownInvoices", **over: Any):
    body = {"date": CHANGE.isoformat(), "newOwner": {"email": email, "name": "Uus Omanik"}, "formerOwners": keep,
            **over}
    with outbox() as sent:
        res = call("residents", "POST", f"/apartments/{apartment_id}/ownership-changes", token=manager.token,
                   body=body)
    return res, sent


def invoice(manager: Any, building: str, apartment: str, period_end: date, status: str = "sent") -> str:
    """An invoice whose billing period ends on ``period_end`` (the helper's period ends 15 days before due)."""
    return str(new_invoice(manager, building, Apt(apartment, "1", "1234"), 5000, status=status,
                           due=period_end + timedelta(days=15))["id"])


@pytest.fixture
def sold(make_caller):
    """An apartment with a meter, a maintenance request, the former owner's last invoice (period ending the day
    before the change), one of the new owner's (ending on the change date) and a resident signed in."""
    manager = make_caller("manager")
    b, a, former = lived_in(manager, "7")
    before = invoice(manager, b, a, CHANGE - timedelta(days=1))
    after = invoice(manager, b, a, CHANGE)
    meter = call("meters", "POST", "/meters", token=manager.token, body={
        "buildingId": b, "apartmentId": a, "type": "cold_water", "unit": "m3", "serialNumber": unique("SN")})
    assert meter.status == 201, meter
    request = call("maintenance", "POST", "/maintenance-requests", token=former["accessToken"], body={
        "buildingId": b, "apartmentId": a, "title": "Kraan tilgub", "description": "Köögis"})
    assert request.status == 201, request
    return {"manager": manager, "building": b, "apartment": a, "former": former, "before": before,
            "after": after, "meter": meter.data["id"], "request": request.data["id"]}


def _refreshed(tokens: dict[str, Any]) -> str:
    res = call("auth", "POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]})
    assert res.status == 200, res
    return str(res.data["accessToken"])


def test_a_former_owner_with_own_invoices_reads_their_past_invoice_and_nothing_else(sold):
    # Given an apartment whose resident reads both invoices today
    m, a = sold["manager"], sold["apartment"]
    old_token = sold["former"]["accessToken"]
    assert call("invoices", "GET", f"/invoices/{sold['after']}", token=old_token).status == 200
    # When the manager records the sale, the former owners keeping their own invoices
    with published() as events:
        res, _ = change(m, a, address())
    # Then 201, resident.moved_out and apartment.owner_changed
    assert res.status == 201, res
    assert sorted(e["event"] for e in events if e["event"] != "invitation.created") == [
        "apartment.owner_changed", "resident.moved_out"]
    assert res.data["formerOwners"] == "ownInvoices" and len(res.data["formerResidents"]) == 1
    # And the token they held is refused at once
    assert call("invoices", "GET", f"/invoices/{sold['before']}", token=old_token).status == 401
    token = _refreshed(sold["former"])
    # And with a new token they read the invoice of the period before the change, its PDF and its payments
    assert call("invoices", "GET", f"/invoices/{sold['before']}", token=token).status == 200
    pdf = call("invoices", "GET", f"/invoices/{sold['before']}/pdf", token=token)
    assert pdf.status == 200 and pdf.content.startswith(b"%PDF"), pdf.status
    assert call("payments", "GET", "/payments", token=token, query={"invoiceId": sold["before"]}).status == 200
    # And the list holds that invoice only
    listed = call("invoices", "GET", "/invoices", token=token, query={"apartmentId": a})
    assert [i["id"] for i in listed.data] == [sold["before"]], listed
    assert [i["id"] for i in call("invoices", "GET", "/invoices", token=token).data] == [sold["before"]]
    # But the invoice ending on the change date is 404, as its PDF and payments
    assert call("invoices", "GET", f"/invoices/{sold['after']}", token=token).status == 404
    assert call("invoices", "GET", f"/invoices/{sold['after']}/pdf", token=token).status == 404
    assert call("payments", "GET", "/payments", token=token, query={"invoiceId": sold["after"]}).status == 404
    # And meters, the account, maintenance and the apartment are 404
    assert call("meters", "GET", f"/meters/{sold['meter']}", token=token).status == 404
    assert call("accounts", "GET", f"/apartments/{a}/account", token=token).status == 404
    assert call("maintenance", "GET", f"/maintenance-requests/{sold['request']}", token=token).status == 404
    assert call("buildings", "GET", f"/buildings/{sold['building']}/apartments/{a}", token=token).status == 404
    # And they cannot pay anything, not even their own past invoice
    for inv in (sold["before"], sold["after"]):
        assert call("payments", "POST", "/payments/banklink", token=token,
                    body={"invoiceId": inv, **LINK}).status == 404


def test_with_none_the_former_owner_reads_nothing_of_the_apartment(sold):
    # Given a sale where the former owners keep nothing
    res, _ = change(sold["manager"], sold["apartment"], address(), keep="none")
    assert res.status == 201, res
    # When the former resident signs in again (refresh)
    token = _refreshed(sold["former"])
    # Then every invoice, PDF and list is empty or 404
    for inv in (sold["before"], sold["after"]):
        assert call("invoices", "GET", f"/invoices/{inv}", token=token).status == 404
        assert call("invoices", "GET", f"/invoices/{inv}/pdf", token=token).status == 404
        assert call("payments", "GET", "/payments", token=token, query={"invoiceId": inv}).status == 404
    assert call("invoices", "GET", "/invoices", token=token).data == []
    assert call("invoices", "GET", "/invoices", token=token, query={"apartmentId": sold["apartment"]}).status == 404


def test_the_new_owner_reads_the_apartment_and_only_invoices_from_the_change_date(sold):
    # Given a sale to a new owner, who accepts the e-mailed invitation
    res, sent = change(sold["manager"], sold["apartment"], email := address())
    assert res.status == 201, res
    assert [m["To"] for m in sent] == [email]
    import re

    from tests.integration.test_residents import body_text

    token = re.search(r"token=(\S+)", body_text(sent[-1])).group(1)  # type: ignore[union-attr]
    joined = accept(token, name="Uus Omanik")
    assert joined.status == 200, joined
    new = joined.data["accessToken"]
    # Then they read the invoice ending on the change date, and not the former owner's
    assert call("invoices", "GET", f"/invoices/{sold['after']}", token=new).status == 200
    assert call("invoices", "GET", f"/invoices/{sold['before']}", token=new).status == 404
    assert call("invoices", "GET", f"/invoices/{sold['before']}/pdf", token=new).status == 404
    assert [i["id"] for i in call("invoices", "GET", "/invoices", token=new).data] == [sold["after"]]
    # And the apartment, its meters and its account (from the change date on)
    assert call("meters", "GET", f"/meters/{sold['meter']}", token=new).status == 200
    account = call("accounts", "GET", f"/apartments/{sold['apartment']}/account", token=new)
    assert account.status == 200 and account.data["from"] == CHANGE.isoformat(), account
    # And a refresh keeps the same window
    assert call("invoices", "GET", f"/invoices/{sold['before']}", token=_refreshed(joined.data)).status == 404


def test_another_tenants_or_apartments_ids_are_404_and_change_nothing(sold, make_caller):
    # Given another organisation's manager and an apartment of another building of the same organisation
    stranger = make_caller("manager")
    res, sent = change(stranger, sold["apartment"], address())
    # Then the other organisation's apartment is 404, no e-mail goes out
    assert res.status == 404 and sent == [], res
    other = new_apartment(sold["manager"], new_building(sold["manager"]), "1")
    moved, _ = change(sold["manager"], other, address())
    assert moved.status == 201, moved
    assert change(sold["manager"], unique(), address())[0].status == 404
    # And the first apartment's resident still reads both invoices
    token = sold["former"]["accessToken"]
    for inv in (sold["before"], sold["after"]):
        assert call("invoices", "GET", f"/invoices/{inv}", token=token).status == 200


def test_a_resident_and_the_board_get_403(sold, make_caller):
    for token in (sold["former"]["accessToken"], make_caller("board", tenant_id=sold["manager"].tenant_id).token,
                  make_caller("accountant", tenant_id=sold["manager"].tenant_id).token):
        res = call("residents", "POST", f"/apartments/{sold['apartment']}/ownership-changes", token=token,
                   body={"date": CHANGE.isoformat(), "newOwner": {"email": address(), "name": "X"},
                         "formerOwners": "none"})
        assert res.status == 403, res


def test_a_replay_after_the_change_runs_again_with_the_former_owners_window(sold):
    # Given a bank-link start the resident made with an Idempotency-Key before the sale
    key = {"Idempotency-Key": unique("k")}
    body = {"invoiceId": sold["before"], **LINK}
    first = call("payments", "POST", "/payments/banklink", token=sold["former"]["accessToken"], body=body,
                 headers=key)
    assert first.status in (201, 409, 422, 503), first  # whatever the provider's set-up answers
    assert change(sold["manager"], sold["apartment"], address())[0].status == 201
    # When they send it again with a token after the change
    again = call("payments", "POST", "/payments/banklink", token=_refreshed(sold["former"]), body=body, headers=key)
    # Then it is not replayed: the route runs and refuses
    assert again.status == 404 and again.headers.get("idempotent-replayed") != "true", again
