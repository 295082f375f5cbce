"""Residents and invitations end to end through the residents function (buildings, apartments and
organisations are made through their own functions): invite by e-mail, accept once, cancel, expiry,
linking an existing resident, the residents list, events, tenancy, roles and bad input."""

from __future__ import annotations

import email
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support import LambdaContext, Result, call, count_calls, function_module, load_event, unique

FN = "residents"
PASSWORD = "Kuldne-Sügis-2025-rõdu"


def new_building(caller: Any) -> str:
    res = call("buildings", "POST", "/buildings", token=caller.token, body={
        "name": f"Maja {unique()}", "address": {"street": "Tartu mnt 5", "city": "Tallinn",
                                                "postalCode": "10115", "country": "EE"}})
    assert res.status == 201, res
    return str(res.data["id"])


def new_apartment(caller: Any, building_id: str, number: str) -> str:
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=caller.token,
               body={"number": number, "area": 48})
    assert res.status == 201, res
    return str(res.data["id"])


@contextmanager
def outbox() -> Iterator[list[email.message.Message]]:
    """Every e-mail handed to SES while the block runs, parsed."""
    from urbaneta.adapters.aws import client

    sent: list[email.message.Message] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        sent.append(email.message_from_bytes(params["RawMessage"]["Data"]))

    hooks = client("ses").meta.events
    hooks.register("provide-client-params.ses.SendRawEmail", hook)
    try:
        yield sent
    finally:
        hooks.unregister("provide-client-params.ses.SendRawEmail", hook)


@contextmanager
def published() -> Iterator[list[dict[str, Any]]]:
    from urbaneta.adapters.aws import client

    seen: list[dict[str, Any]] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        seen.extend(json.loads(e["Detail"]) for e in params["Entries"])

    hooks = client("events").meta.events
    hooks.register("provide-client-params.events.PutEvents", hook)
    try:
        yield seen
    finally:
        hooks.unregister("provide-client-params.events.PutEvents", hook)


def body_text(msg: email.message.Message) -> str:
    part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), msg)
    payload = part.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(part.get_payload())


def invite(caller: Any, apartment_id: str, address: str, role: str = "owner") -> tuple[Result, str | None]:
    """POST /invitations; returns the answer and the token from the e-mail the invitee got."""
    with outbox() as sent:
        res = call(FN, "POST", "/invitations", token=caller.token,
                   body={"apartmentId": apartment_id, "email": address, "role": role})
    token = None
    if sent:
        match = re.search(r"token=(\S+)", body_text(sent[-1]))
        token = match.group(1) if match else None
    return res, token


def accept(token: str, name: str = "Mari Maasikas", password: str = PASSWORD) -> Result:
    return call(FN, "POST", "/invitations/accept", body={"token": token, "name": name, "password": password})


def pending(caller: Any, **query: str) -> Result:
    return call(FN, "GET", "/invitations", token=caller.token, query=query or None)


def residents(caller: Any, **query: str) -> Result:
    return call(FN, "GET", "/residents", token=caller.token, query=query or None)


@pytest.fixture
def org(make_caller):
    manager = make_caller("manager")
    b1 = new_building(manager)
    return {"manager": manager, "b1": b1, "a1": new_apartment(manager, b1, "1"), "a2": new_apartment(manager, b1, "2")}


def address() -> str:
    return f"{unique('resident-')}@example.ee"


# --- invite, accept ----------------------------------------------------------------------------------------


def test_invitation_is_emailed_listed_and_accepted_once(org):
    manager = org["manager"]
    invitee = address()
    # When the manager invites an owner for an apartment
    with outbox() as sent, published() as events:
        res = call(FN, "POST", "/invitations", token=manager.token,
                   body={"apartmentId": org["a1"], "email": invitee.upper(), "role": "owner"})
    # Then 201 with the pending invitation (no token in it), and one e-mail holding the token and link
    assert res.status == 201, res
    inv = res.data
    assert (inv["status"], inv["email"], inv["role"], inv["apartmentId"], inv["buildingId"]) == (
        "pending", invitee, "owner", org["a1"], org["b1"])
    assert len(sent) == 1 and sent[0]["To"] == invitee
    text = body_text(sent[0])
    token = re.search(r"token=(\S+)", text).group(1)
    assert f"/invitations/accept?token={token}" in text
    assert token not in res.content.decode() and "tokenHash" not in inv
    assert [e["event"] for e in events] == ["invitation.created"]
    # And only a hash of the token is stored
    from urbaneta.services.residents import hash_token
    from urbaneta.store import invitations as store

    stored = store.get(manager.tenant_id, inv["id"])
    assert stored.token_hash == hash_token(token) and token not in stored.model_dump_json()
    # And GET /invitations lists it
    assert [i["id"] for i in pending(manager).data] == [inv["id"]]

    # When the invitee accepts
    with published() as events:
        accepted = accept(token)
    # Then they get tokens as a resident of that apartment
    assert accepted.status == 200, accepted
    out = accepted.data
    assert out["tokenType"] == "Bearer" and out["accessToken"] and out["refreshToken"]
    assert (out["tenantId"], out["apartmentId"], out["linkedExistingUser"]) == (manager.tenant_id, org["a1"], False)
    assert [e["event"] for e in events] == ["invitation.accepted"]
    # And the access token works as that resident: their apartment only
    mine = call("maintenance", "POST", "/maintenance-requests", token=out["accessToken"], body={
        "buildingId": org["b1"], "apartmentId": org["a1"], "title": "Door", "description": "Squeaks"})
    assert mine.status == 201
    theirs = call("maintenance", "POST", "/maintenance-requests", token=out["accessToken"], body={
        "buildingId": org["b1"], "apartmentId": org["a2"], "title": "Door", "description": "Squeaks"})
    assert theirs.status == 404
    # And the invitation is no longer pending; GET /residents shows the resident with the apartment
    assert pending(manager).data == []
    got = call(FN, "GET", f"/invitations/{inv['id']}", token=manager.token).data
    assert got["status"] == "accepted" and got["acceptedAt"]
    people = residents(manager).data
    assert len(people) == 1
    assert (people[0]["id"], people[0]["email"], people[0]["name"]) == (out["userId"], invitee, "Mari Maasikas")
    assert [(a["apartmentId"], a["buildingId"], a["number"], a["role"]) for a in people[0]["apartments"]] == [
        (org["a1"], org["b1"], "1", "owner")]

    # When the same token is used again / Then it fails and nothing changes
    again = accept(token, name="Someone Else", password="Another-long-secret-77")
    assert again.status == 409 and "already been accepted" in again.error["message"]
    assert len(residents(manager).data) == 1


def test_existing_resident_is_linked_to_a_second_apartment(org):
    manager = org["manager"]
    invitee = address()
    _, first = invite(manager, org["a1"], invitee, "owner")
    user_id = accept(first).data["userId"]
    # Given a resident of apartment 1, invited as tenant of apartment 2
    _, second = invite(manager, org["a2"], invitee, "tenant")
    # When they accept with a wrong password / Then 401 and the invitation stays pending
    wrong = accept(second, password="not-my-password-at-all")
    assert wrong.status == 401
    assert len(pending(manager).data) == 1
    # When they accept with their password / Then the existing user is linked, and sees both apartments
    res = accept(second, name="ignored for existing users")
    assert res.status == 200 and res.data["linkedExistingUser"] is True and res.data["userId"] == user_id
    person = residents(manager).data[0]
    assert person["name"] == "Mari Maasikas"
    assert sorted((a["apartmentId"], a["role"]) for a in person["apartments"]) == sorted(
        [(org["a1"], "owner"), (org["a2"], "tenant")])
    token = res.data["accessToken"]
    for apt in (org["a1"], org["a2"]):
        made = call("maintenance", "POST", "/maintenance-requests", token=token, body={
            "buildingId": org["b1"], "apartmentId": apt, "title": "Window", "description": "Cracked"})
        assert made.status == 201


def test_user_of_another_organisation_or_staff_cannot_accept(org):
    manager = org["manager"]
    # Given an e-mail registered as the owner of another organisation
    other_owner = address()
    from tests.integration.test_auth import register

    reg = register(other_owner, PASSWORD)
    _, token = invite(manager, org["a1"], other_owner)
    # When the invitation is accepted / Then 409 (one login e-mail belongs to one organisation)
    res = accept(token)
    assert res.status == 409 and "another organisation" in res.error["message"]
    # And the invitation is still pending, nobody was linked
    assert len(pending(manager).data) == 1 and residents(manager).data == []

    # Given the staff of the inviting organisation itself
    owner = SimpleNamespace(token=reg["accessToken"])
    apt = new_apartment(owner, new_building(owner), "9")
    _, own_token = invite(owner, apt, other_owner)
    # When the owner's own address accepts / Then 409: staff see every apartment already
    res = accept(own_token)
    assert res.status == 409 and "staff" in res.error["message"]


def test_cancelled_invitation_token_fails(org):
    manager = org["manager"]
    res, token = invite(manager, org["a1"], address())
    inv_id = res.data["id"]
    # When the manager cancels it
    with published() as events:
        gone = call(FN, "DELETE", f"/invitations/{inv_id}", token=manager.token)
    # Then 204, it is no longer listed, and its token fails
    assert gone.status == 204 and gone.content == b""
    assert [e["event"] for e in events] == ["invitation.cancelled"]
    assert pending(manager).data == []
    late = accept(token)
    assert late.status == 409 and "cancelled" in late.error["message"]
    assert residents(manager).data == []
    # When it is cancelled again / Then 404
    assert call(FN, "DELETE", f"/invitations/{inv_id}", token=manager.token).status == 404


def test_accepted_invitation_cannot_be_cancelled(org):
    manager = org["manager"]
    res, token = invite(manager, org["a1"], address())
    assert accept(token).status == 200
    # When an accepted invitation is cancelled / Then 409 and the resident stays
    assert call(FN, "DELETE", f"/invitations/{res.data['id']}", token=manager.token).status == 409
    assert len(residents(manager).data) == 1


def test_expired_invitation_is_refused_and_not_listed(org, monkeypatch):
    manager = org["manager"]
    invitee = address()
    _, token = invite(manager, org["a1"], invitee)
    # Given eight days have passed
    from urbaneta.clock import rfc3339, utcnow
    from urbaneta.services import residents as service

    later = utcnow() + timedelta(days=8)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    monkeypatch.setattr(service, "now_iso", lambda: rfc3339(later))
    # When the token is used / Then 409 expired, nobody is created, and nothing is pending any more
    res = accept(token)
    assert res.status == 409 and "expired" in res.error["message"]
    assert residents(manager).data == [] and pending(manager).data == []
    invitation_id = _invitation_id_of(manager, token)
    assert call(FN, "GET", f"/invitations/{invitation_id}", token=manager.token).data["status"] == "expired"
    # And a new invitation to the same address and apartment may be sent (the expired one no longer holds it)
    again, fresh = invite(manager, org["a1"], invitee)
    assert again.status == 201 and fresh and fresh != token


def _invitation_id_of(manager: Any, token: str) -> str:
    from urbaneta.services.residents import hash_token
    from urbaneta.store import invitations as store

    found = store.find_by_token(hash_token(token))
    assert found and found[0] == manager.tenant_id
    return found[1]


def test_duplicate_pending_invitation_is_409(org):
    manager = org["manager"]
    invitee = address()
    assert invite(manager, org["a1"], invitee)[0].status == 201
    # When the same address is invited to the same apartment again / Then 409, and no second e-mail
    res, token = invite(manager, org["a1"], invitee.upper())
    assert res.status == 409 and token is None and res.error["errors"][0]["field"] == "email"
    # And another apartment is fine
    assert invite(manager, org["a2"], invitee)[0].status == 201
    assert len(pending(manager).data) == 2


def test_unknown_token_is_404(aws):
    res = accept("x" * 43)
    assert res.status == 404


def test_invitation_bad_input_is_422_and_nothing_is_sent(org):
    manager = org["manager"]
    cases = [
        ({"apartmentId": org["a1"], "email": "not-an-email", "role": "owner"}, {"email"}),
        ({"apartmentId": org["a1"], "email": address(), "role": "landlord"}, {"role"}),
        ({"email": address()}, {"apartmentId", "role"}),
        ({"apartmentId": org["a1"], "email": address(), "role": "owner", "status": "accepted",
          "tenantId": "t", "expiresAt": "2099-01-01T00:00:00Z"}, {"status", "tenantId", "expiresAt"}),
        ({"apartmentId": 7, "email": address(), "role": "owner"}, {"apartmentId"}),
    ]
    for body, fields in cases:
        with outbox() as sent:
            res = call(FN, "POST", "/invitations", token=manager.token, body=body)
        assert res.status == 422, (body, res)
        assert {e["field"] for e in res.error["errors"]} == fields
        assert sent == []
    for body, fields in (({"token": "x" * 43}, {"name", "password"}),
                         ({"token": "x" * 43, "name": "A", "password": "B" * 12, "role": "manager"}, {"role"})):
        res = call(FN, "POST", "/invitations/accept", body=body)
        assert res.status == 422 and {e["field"] for e in res.error["errors"]} == fields
    assert call(FN, "POST", "/invitations", token=manager.token, raw_body="{nope").status == 400
    assert pending(manager).data == []


def test_weak_password_is_422_and_the_invitation_stays_usable(org):
    manager = org["manager"]
    _, token = invite(manager, org["a1"], address())
    # When a new resident picks a weak password / Then 422 on password, nothing is created
    res = accept(token, password="short")
    assert res.status == 422 and res.error["errors"][0]["field"] == "password"
    assert residents(manager).data == [] and len(pending(manager).data) == 1
    # And the invitation can still be accepted
    assert accept(token).status == 200


# --- lists, tenancy, roles -------------------------------------------------------------------------------


def test_lists_paginate_and_cost_two_dynamodb_calls(org):
    manager = org["manager"]
    for apt in (org["a1"], org["a2"]):
        _, token = invite(manager, apt, address())
        assert accept(token).status == 200
    invite(manager, org["a1"], address())
    invite(manager, org["a2"], address())
    for path, expected in (("/residents", 2), ("/invitations", 2)):
        # When the list is read one item per page / Then every item comes once
        seen, cursor = [], None
        for _ in range(5):
            query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
            with count_calls("dynamodb") as counter:
                page = call(FN, "GET", path, token=manager.token, query=query)
            # And each page costs authentication + one Query
            assert page.status == 200 and counter.count() == 2 and counter.count("Query") == 1, counter.calls
            seen += [i["id"] for i in page.data]
            cursor = page.json["nextCursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == expected, path
    # When a cursor of one list is used on the other / Then 400
    cursor = residents(manager, limit="1").json["nextCursor"]
    assert pending(manager, cursor=cursor).status == 400
    assert residents(manager, limit="500").status == 422


def test_another_organisations_ids_are_404_and_change_nothing(org, make_caller):
    manager = org["manager"]
    res, _ = invite(manager, org["a1"], address())
    inv_id = res.data["id"]
    intruder = make_caller("manager")
    # When another organisation reads or cancels our invitation, or invites to our apartment
    assert call(FN, "GET", f"/invitations/{inv_id}", token=intruder.token).status == 404
    assert call(FN, "DELETE", f"/invitations/{inv_id}", token=intruder.token).status == 404
    foreign, token = invite(intruder, org["a1"], address())
    # Then 404, no e-mail, and their lists are empty
    assert foreign.status == 404 and token is None
    assert pending(intruder).data == [] and residents(intruder).data == []
    # And ours is untouched
    assert [i["id"] for i in pending(manager).data] == [inv_id]


def test_residents_may_not_use_manager_routes(org, make_caller):
    manager = org["manager"]
    res, _ = invite(manager, org["a1"], address())
    resident = make_caller("resident", manager.tenant_id, apartment_ids=(org["a1"],))
    for method, path, body in (("GET", "/residents", None), ("GET", "/invitations", None),
                               ("POST", "/invitations", {"apartmentId": org["a1"], "email": address(),
                                                         "role": "tenant"}),
                               ("GET", f"/invitations/{res.data['id']}", None),
                               ("DELETE", f"/invitations/{res.data['id']}", None)):
        # When a resident calls a manager's route / Then 403 and nothing changes
        assert call(FN, method, path, token=resident.token, body=body).status == 403, (method, path)
    assert len(pending(manager).data) == 1


def test_every_staff_route_needs_a_token(org):
    manager = org["manager"]
    res, _ = invite(manager, org["a1"], address())
    for method, path, body in (("GET", "/residents", None), ("GET", "/invitations", None),
                               ("POST", "/invitations", {"apartmentId": org["a1"], "email": address(),
                                                         "role": "tenant"}),
                               ("GET", f"/invitations/{res.data['id']}", None),
                               ("DELETE", f"/invitations/{res.data['id']}", None)):
        res2 = call(FN, method, path, body=body)
        assert res2.status == 401 and res2.error["code"] == "UNAUTHORIZED", (method, path)
    assert len(pending(manager).data) == 1


def test_mail_failure_leaves_no_pending_invitation(org, monkeypatch):
    manager = org["manager"]
    import urbaneta.adapters.mail as mail

    def refuse(*_a: Any, **_k: Any) -> str:
        raise RuntimeError("SES is down")

    monkeypatch.setattr(mail, "send_email", refuse)
    # When the e-mail cannot be sent / Then 503 and the invitation is not left pending
    res = call(FN, "POST", "/invitations", token=manager.token,
               body={"apartmentId": org["a1"], "email": address(), "role": "owner"})
    assert res.status == 503
    assert pending(manager).data == []


# --- sample events -----------------------------------------------------------------------------------------


def sample(name: str, **subs: str) -> Result:
    text = json.dumps(load_event(f"api/residents/{name}"))
    for placeholder, value in subs.items():
        text = text.replace(f"<{placeholder}>", value)
    return Result(function_module(FN).handler(json.loads(text), LambdaContext()))


def test_sample_events_drive_the_function(org):
    manager = org["manager"]
    invitee = address()
    with outbox() as sent:
        made = sample("create-invitation", accessToken=manager.token, apartmentId=org["a1"], email=invitee)
    assert made.status == 201
    token = re.search(r"token=(\S+)", body_text(sent[-1])).group(1)
    accepted = sample("accept-invitation", token=token, password=PASSWORD)
    assert accepted.status == 200
    listed = sample("list-residents", accessToken=manager.token)
    assert [r["email"] for r in listed.data] == [invitee]


def test_invitation_to_a_deleted_apartment_cannot_be_accepted(org):
    manager = org["manager"]
    _, token = invite(manager, org["a2"], address())
    # Given the apartment was deleted after the invitation was sent
    gone = call("buildings", "DELETE", f"/buildings/{org['b1']}/apartments/{org['a2']}", token=manager.token)
    assert gone.status == 204, gone
    # When the invitation is accepted / Then 409 and nobody is created or linked
    res = accept(token)
    assert res.status == 409 and "no longer exists" in res.error["message"]
    assert residents(manager).data == []


def test_two_acceptances_that_both_saw_pending_claim_once(org):
    manager = org["manager"]
    res, _ = invite(manager, org["a1"], address())
    from urbaneta.errors import Conflict
    from urbaneta.store import invitations as store

    # Given two acceptances that both read the invitation while it was pending
    seen_by_first = store.get(manager.tenant_id, res.data["id"])
    seen_by_second = store.get(manager.tenant_id, res.data["id"])
    # When both claim it / Then the first wins and the second is refused by the conditional write
    store.claim(seen_by_first, user_id="first", now="2000-01-01T00:00:00Z")
    with pytest.raises(Conflict):
        store.claim(seen_by_second, user_id="second", now="2000-01-01T00:00:00Z")
    assert store.get(manager.tenant_id, res.data["id"]).accepted_by == "first"


def test_residents_filtered_by_building_and_apartment(org, make_caller):
    manager = org["manager"]
    other_building = new_building(manager)
    a3 = new_apartment(manager, other_building, "10")
    # Given Mari in apartments 1 (owner) and 2 (tenant), Jaan in apartment 2, and Ants in the other building
    mari, jaan, ants = address(), address(), address()
    for apt, who, role in ((org["a1"], mari, "owner"), (org["a2"], jaan, "owner"), (a3, ants, "tenant"),
                           (org["a2"], mari, "tenant")):
        _, token = invite(manager, apt, who, role)
        assert accept(token).status == 200
    # When the building is listed / Then one entry per residence, by apartment number
    rows = residents(manager, buildingId=org["b1"]).data
    entries = [(r["email"], [(a["number"], a["role"]) for a in r["apartments"]]) for r in rows]
    assert entries[0] == (mari, [("1", "owner")])
    assert sorted(entries[1:]) == sorted([(mari, [("2", "tenant")]), (jaan, [("2", "owner")])])
    # When one apartment is listed / Then its residents only
    assert sorted(r["email"] for r in residents(manager, apartmentId=org["a2"]).data) == sorted([mari, jaan])
    assert [r["email"] for r in residents(manager, apartmentId=a3).data] == [ants]
    assert residents(manager, apartmentId=a3, buildingId=org["b1"]).data == []
    # And the unfiltered list still has each resident once, with all their apartments
    everyone = {r["email"]: sorted(a["number"] for a in r["apartments"]) for r in residents(manager).data}
    assert everyone == {mari: ["1", "2"], jaan: ["2"], ants: ["10"]}
    # And filtered lists page with their own cursors, one Query each
    first = residents(manager, buildingId=org["b1"], limit="2")
    assert len(first.data) == 2 and first.json["nextCursor"]
    with count_calls("dynamodb") as counter:
        rest = residents(manager, buildingId=org["b1"], limit="2", cursor=first.json["nextCursor"])
    assert len(rest.data) == 1 and rest.json["nextCursor"] is None and counter.count() == 2
    assert residents(manager, apartmentId=org["a2"], cursor=first.json["nextCursor"]).status == 400
    # And another organisation sees nothing of it
    intruder = make_caller("manager")
    assert residents(intruder, buildingId=org["b1"]).data == [] and residents(intruder, apartmentId=a3).data == []


def test_a_permanent_mail_refusal_is_422_naming_the_email_and_leaves_nothing_pending(org, monkeypatch):
    # Given SES refuses every message for good (MessageRejected)
    from botocore.exceptions import ClientError

    import urbaneta.adapters.mail as mail

    class Refusing:
        def send_raw_email(self, **_k: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}},
                              "SendRawEmail")

    monkeypatch.setattr(mail, "client", lambda _name: Refusing())
    manager = org["manager"]
    # When an invitation is sent
    res = call(FN, "POST", "/invitations", token=manager.token,
               body={"apartmentId": org["a1"], "email": address(), "role": "owner"})
    # Then 422 naming the e-mail (not a 503 "try again"), and no invitation stays pending
    assert res.status == 422 and res.error["errors"][0]["field"] == "email", res
    assert pending(manager).data == []
