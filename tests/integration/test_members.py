"""The organisation's staff through the organisation, residents, auth, buildings, invoices and payments
handlers against moto: the owner invites members with a role, they accept through /invitations/accept, each
role gets what the role matrix says, and removing a member or changing a role ends their tokens at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest

from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    new_apartment,
    new_building,
    new_charge,
    run_sending,
)
from tests.integration.test_auth import PASSWORD, register, send
from tests.integration.test_residents import body_text, outbox, published
from tests.support import Result, call, unique

FN = "organization"


@dataclass(frozen=True)
class Person:
    tenant_id: str
    user_id: str
    token: str
    refresh_token: str = ""
    email: str = ""


def owner() -> Person:
    data = register()
    return Person(data["tenantId"], data["userId"], data["accessToken"], data["refreshToken"], data["email"])


def invite(by: Person, role: str, email: str | None = None) -> tuple[Result, str | None, str]:
    """POST /organization/members; the answer, the token of the e-mailed link, and the address."""
    address = email or f"{unique('staff-')}@example.com"
    with outbox() as sent:
        res = call(FN, "POST", "/organization/members", token=by.token, body={"email": address, "role": role})
    found = re.search(r"/invitations/accept\?token=([A-Za-z0-9_%-]+)", body_text(sent[-1])) if sent else None
    return res, (found.group(1) if found else None), address


def accept(token: str, name: str = "Liis Lepik", password: str = PASSWORD) -> Result:
    return call("residents", "POST", "/invitations/accept", body={"token": token, "name": name, "password": password})


def join(by: Person, role: str) -> Person:
    res, token, address = invite(by, role)
    assert res.status == 201 and token, res
    done = accept(token)
    assert done.status == 200, done
    d = done.data
    return Person(d["tenantId"], d["userId"], d["accessToken"], d["refreshToken"], address)


@pytest.fixture(scope="module")
def org(aws) -> dict[str, Any]:
    boss = owner()
    building = new_building(boss)
    apartment = new_apartment(boss, building["id"], "1", 50.0, ownerName="Mari Maasikas",
                              email=f"{unique('m')}@example.com")
    new_charge(boss, building["id"], "Haldustasu", "per_area", 0.5)
    return {"owner": boss, "building": building["id"], "apartment": apartment["id"]}


def members_of(caller: Person) -> list[dict[str, Any]]:
    res = call(FN, "GET", "/organization/members", token=caller.token)
    assert res.status == 200, res
    return res.data


def test_an_invited_manager_joins_by_the_emailed_link_and_generates_and_sends_invoices(org):
    boss = org["owner"]
    # Given the owner invites a manager
    with published() as events:
        res, token, address = invite(boss, "manager")
    # Then the invitation is pending, the e-mail links to the accept page, and member.invited is published
    assert res.status == 201 and res.data["role"] == "manager" and res.data["status"] == "pending", res
    assert token and [e["event"] for e in events] == ["member.invited"]
    # When the invitee accepts through the residents' accept route
    with published() as events:
        done = accept(token)
    # Then they are signed in as the organisation's manager, and member.joined is published
    assert done.status == 200, done
    assert (done.data["tenantId"], done.data["role"], done.data["apartmentId"]) == (boss.tenant_id, "manager", None)
    assert [e["event"] for e in events] == ["member.joined"]
    manager = Person(boss.tenant_id, done.data["userId"], done.data["accessToken"])
    assert {(m["email"], m["role"]) for m in members_of(boss)} >= {(address, "manager")}
    # And the manager generates the month's invoices and sends them
    job = generate(manager, org["building"], "2025-03-01", "2025-03-31")
    assert job["status"] in ("completed", "completed_with_errors"), job
    drafts = invoices_of(manager, buildingId=org["building"], status="draft")
    assert drafts
    sent = call("invoices", "POST", "/invoices/send-bulk", token=manager.token,
                body={"invoiceIds": [i["id"] for i in drafts]})
    assert sent.status == 202, sent
    run_sending()
    assert {i["status"] for i in invoices_of(manager, buildingId=org["building"])} == {"sent"}
    # And the token spent: accepting again is 409
    assert accept(token).status == 409


def test_an_accountant_records_payments_but_cannot_change_buildings(org):
    boss = org["owner"]
    accountant = join(boss, "accountant")
    # When the accountant changes a building / Then 403
    res = call("buildings", "PATCH", f"/buildings/{org['building']}", token=accountant.token, body={"name": "X"})
    assert res.status == 403, res
    res = call("buildings", "POST", f"/buildings/{org['building']}/apartments", token=accountant.token,
               body={"number": "99", "area": 10})
    assert res.status == 403, res
    assert call(FN, "POST", "/organization/members", token=accountant.token,
                body={"email": "x@example.com", "role": "board"}).status == 403
    # But reads the building and records a payment of an invoice
    generate(boss, org["building"], "2025-04-01", "2025-04-30")
    invoice = invoices_of(accountant, buildingId=org["building"])[0]
    paid = call("payments", "POST", "/payments", token=accountant.token,
                body={"invoiceId": invoice["id"], "amount": 1, "paidDate": "2025-04-10", "method": "cash"})
    assert paid.status == 201, paid
    assert call("buildings", "GET", f"/buildings/{org['building']}", token=accountant.token).status == 200


def test_a_board_member_reads_everything_and_writes_nothing(org):
    board = join(org["owner"], "board")
    building = org["building"]
    # When the board member reads / Then everything staff reads answers
    for fn, path in [("buildings", f"/buildings/{building}"), ("buildings", f"/buildings/{building}/charges"),
                     ("invoices", "/invoices"), ("payments", "/payments"), ("residents", "/residents"),
                     (FN, "/organization"), (FN, "/organization/members")]:
        assert call(fn, "GET", path, token=board.token).status == 200, path
    # And every write is 403
    for fn, method, path, body in [
        ("buildings", "PATCH", f"/buildings/{building}", {"name": "Board's"}),
        ("invoices", "POST", "/invoices/generate-bulk", {"buildingId": building, "periodStart": "2025-05-01",
                                                         "periodEnd": "2025-05-31"}),
        ("payments", "POST", "/payments", {"invoiceId": "x", "amount": 1, "paidDate": "2025-01-01", "method": "cash"}),
        (FN, "PATCH", "/organization", {"phone": "+372 5555 5555"}),
        ("residents", "POST", "/invitations", {"apartmentId": org["apartment"], "email": "a@example.com",
                                               "role": "tenant"}),
    ]:
        res = call(fn, method, path, token=board.token, body=body)
        assert res.status == 403 and res.error["message"] == "Your role may not do this.", (path, res)


def test_a_removed_member_is_refused_on_the_next_request_and_cannot_refresh(org):
    boss = org["owner"]
    manager = join(boss, "manager")
    assert call("buildings", "GET", "/buildings", token=manager.token).status == 200
    # When the owner removes the manager
    with published() as events:
        res = call(FN, "DELETE", f"/organization/members/{manager.user_id}", token=boss.token)
    assert res.status == 204, res
    assert [(e["event"], e["data"]["remainsResident"]) for e in events] == [("member.removed", False)]
    # Then their access token is refused at once, their refresh token gives nothing, and they are no member
    assert call("buildings", "GET", "/buildings", token=manager.token).status == 401
    assert send("POST", "/auth/refresh", body={"refreshToken": manager.refresh_token}).status == 401
    assert manager.user_id not in {m["id"] for m in members_of(boss)}
    assert send("POST", "/auth/login", body={"email": manager.email, "password": PASSWORD}).status == 401
    # And the address can be invited again
    assert invite(boss, "board", manager.email)[0].status == 201


def test_a_role_change_ends_the_sessions_and_the_new_role_applies_after_signing_in(org):
    boss = org["owner"]
    manager = join(boss, "manager")
    # When the owner makes the manager an accountant
    with published() as events:
        res = call(FN, "PATCH", f"/organization/members/{manager.user_id}", token=boss.token,
                   body={"role": "accountant"})
    assert res.status == 200 and res.data["role"] == "accountant", res
    assert [e["event"] for e in events] == ["member.role_changed"]
    # Then the old token and the old refresh token are refused
    assert call("buildings", "GET", "/buildings", token=manager.token).status == 401
    assert send("POST", "/auth/refresh", body={"refreshToken": manager.refresh_token}).status == 401
    # And signing in again gives the accountant's rights
    login = send("POST", "/auth/login", body={"email": manager.email, "password": PASSWORD})
    assert login.status == 200, login
    token = login.data["accessToken"]
    assert call("buildings", "PATCH", f"/buildings/{org['building']}", token=token, body={"name": "Y"}).status == 403


def test_the_last_owner_can_never_be_removed_or_demoted(aws):
    boss = owner()
    # When the only owner removes or demotes themselves / Then 409, and they stay owner
    gone = call(FN, "DELETE", f"/organization/members/{boss.user_id}", token=boss.token)
    assert gone.status == 409, gone
    demoted = call(FN, "PATCH", f"/organization/members/{boss.user_id}", token=boss.token, body={"role": "board"})
    assert demoted.status == 409 and demoted.error["errors"][0]["field"] == "role", demoted
    assert [m["role"] for m in members_of(boss)] == ["owner"]
    # Given a second owner, the first can step down, and then the second is the last one
    second = join(boss, "owner")
    assert call(FN, "PATCH", f"/organization/members/{boss.user_id}", token=boss.token,
                body={"role": "manager"}).status == 200
    assert call(FN, "DELETE", f"/organization/members/{second.user_id}", token=second.token).status == 409


def test_other_organisations_member_ids_are_404_and_change_nothing(org):
    victim = join(org["owner"], "manager")
    attacker = owner()
    for method, body in [("PATCH", {"role": "board"}), ("DELETE", None)]:
        res = call(FN, method, f"/organization/members/{victim.user_id}", token=attacker.token, body=body)
        assert res.status == 404, res
    assert call("buildings", "GET", "/buildings", token=victim.token).status == 200
    assert victim.user_id not in {m["id"] for m in members_of(attacker)}
    # And a resident of one's own organisation is not a member either
    res = call(FN, "DELETE", f"/organization/members/{org['owner'].user_id}x", token=org["owner"].token)
    assert res.status == 404


def test_a_second_pending_invitation_and_a_current_members_email_are_409(org):
    boss = org["owner"]
    res, _, address = invite(boss, "board")
    assert res.status == 201
    again, token, _ = invite(boss, "manager", address.upper())
    assert again.status == 409 and token is None and again.error["errors"][0]["field"] == "email"
    member = join(boss, "accountant")
    assert invite(boss, "board", member.email)[0].status == 409


def test_a_resident_who_joins_the_board_keeps_their_apartment_and_goes_back_to_it_when_removed(org):
    boss = org["owner"]
    # Given a resident of the organisation
    address = f"{unique('res-')}@example.com"
    with outbox() as sent:
        res = call("residents", "POST", "/invitations", token=boss.token,
                   body={"apartmentId": org["apartment"], "email": address, "role": "owner"})
    assert res.status == 201
    token = re.search(r"token=([A-Za-z0-9_%-]+)", body_text(sent[-1])).group(1)
    assert accept(token).status == 200
    # When they are invited to the board and accept with their password
    _, board_token, _ = invite(boss, "board", address)
    joined = accept(board_token)
    assert joined.status == 200 and joined.data["linkedExistingUser"] is True and joined.data["role"] == "board"
    user_id = joined.data["userId"]
    # Then the board member is removed: they stay the apartment's resident
    with published() as events:
        assert call(FN, "DELETE", f"/organization/members/{user_id}", token=boss.token).status == 204
    assert events[0]["data"]["remainsResident"] is True
    again = send("POST", "/auth/login", body={"email": address, "password": PASSWORD})
    assert again.status == 200
    mine = call("buildings", "GET", f"/buildings/{org['building']}/apartments/{org['apartment']}",
                token=again.data["accessToken"])
    assert mine.status == 200
    assert call("residents", "GET", "/residents", token=again.data["accessToken"]).status == 403


def _api_key_token(of: Person, role: str) -> tuple[str, str]:
    """An API key created by ``of`` with ``role``, and an access token exchanged for it."""
    created = send("POST", "/api-keys", token=of.token, body={"name": unique("key "), "role": role})
    assert created.status == 201, created
    exchanged = send("POST", "/auth/token", body={"apiKey": created.data["key"]})
    assert exchanged.status == 200, exchanged
    return created.data["id"], exchanged.data["accessToken"]


def test_an_owners_api_key_cannot_manage_staff(aws):
    boss = owner()
    _, key_token = _api_key_token(boss, "owner")
    # When an owner-role API key invites, changes or removes a member / Then 403, and nobody was invited
    with outbox() as sent:
        res = call(FN, "POST", "/organization/members", token=key_token,
                   body={"email": f"{unique('k')}@example.com", "role": "owner"})
    assert res.status == 403 and "API keys" in res.error["message"], res
    assert sent == []
    for method, body in [("PATCH", {"role": "board"}), ("DELETE", None)]:
        res = call(FN, method, f"/organization/members/{boss.user_id}", token=key_token, body=body)
        assert res.status == 403, res
    # But it reads the members, as an owner may
    assert call(FN, "GET", "/organization/members", token=key_token).status == 200


def test_a_removed_owners_api_keys_are_revoked_with_them(aws):
    boss = owner()
    second = join(boss, "owner")
    key_id, key_token = _api_key_token(second, "manager")
    assert call("buildings", "GET", "/buildings", token=key_token).status == 200
    # When the first owner removes the second
    with published() as events:
        assert call(FN, "DELETE", f"/organization/members/{second.user_id}", token=boss.token).status == 204
    # Then the keys the second created are revoked, their tokens refused at once
    assert events[0]["data"]["revokedApiKeys"] == [key_id]
    assert call("buildings", "GET", "/buildings", token=key_token).status == 401
    assert [m["role"] for m in members_of(boss)] == ["owner"]


def test_a_disabled_member_is_listed_as_disabled_and_can_still_be_removed(org):
    boss = org["owner"]
    board = join(boss, "board")
    # Given the owner disabled the board member
    assert send("POST", f"/auth/users/{board.user_id}/disable", token=boss.token).status == 204
    # Then the list says so
    listed = {m["id"]: m["status"] for m in members_of(boss)}
    assert listed[board.user_id] == "disabled"
    # And removing them works, and frees the address
    assert call(FN, "DELETE", f"/organization/members/{board.user_id}", token=boss.token).status == 204
    assert board.user_id not in {m["id"] for m in members_of(boss)}
    assert invite(boss, "board", board.email)[0].status == 201


def test_pending_invitations_are_listed_and_a_cancelled_ones_token_fails(org):
    boss = org["owner"]
    res, token, address = invite(boss, "accountant")
    invitation_id = res.data["id"]
    # Then it is listed as pending
    listed = call(FN, "GET", "/organization/invitations", token=boss.token)
    assert listed.status == 200 and invitation_id in {i["id"] for i in listed.data}
    # When another organisation cancels it / Then 404 and it stays
    stranger = owner()
    assert call(FN, "DELETE", f"/organization/invitations/{invitation_id}", token=stranger.token).status == 404
    # When the owner cancels it
    assert call(FN, "DELETE", f"/organization/invitations/{invitation_id}", token=boss.token).status == 204
    # Then its token fails, it is no longer listed, cancelling again is 404, and the address may be invited again
    refused = accept(token)
    assert refused.status == 409 and "cancelled" in refused.error["message"]
    assert invitation_id not in {i["id"] for i in call(FN, "GET", "/organization/invitations", token=boss.token).data}
    assert call(FN, "DELETE", f"/organization/invitations/{invitation_id}", token=boss.token).status == 404
    again, fresh, _ = invite(boss, "board", address)
    assert again.status == 201 and fresh
    # And an accepted invitation cannot be cancelled
    assert accept(fresh).status == 200
    assert call(FN, "DELETE", f"/organization/invitations/{again.data['id']}", token=boss.token).status == 409


@pytest.mark.parametrize("code,status", [("MessageRejected", 422), ("Throttling", 503)])
def test_an_invitation_whose_email_cannot_leave_is_not_left_pending(org, monkeypatch, code, status):
    # Given SES refuses every message (for good, or for now)
    from botocore.exceptions import ClientError

    import urbaneta.adapters.mail as mail

    class Refusing:
        def send_raw_email(self, **_k: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "SendRawEmail")

    monkeypatch.setattr(mail, "client", lambda _name: Refusing())
    boss = org["owner"]
    address = f"{unique('bounce-')}@example.com"
    # When a member is invited / Then the answer names the problem, and nothing is pending
    res = call(FN, "POST", "/organization/members", token=boss.token, body={"email": address, "role": "board"})
    assert res.status == status, res
    pending = call(FN, "GET", "/organization/invitations", token=boss.token).data
    assert address not in {i["email"] for i in pending}
    # And once the mail service works again, the address can be invited
    monkeypatch.undo()
    assert invite(boss, "board", address)[0].status == 201


def test_an_organisation_registered_before_staff_existed_lists_its_owner_once_it_invites(aws):
    from urbaneta.store import keys, table

    # Given an owner registered before the staff index and the set of owners existed
    boss = owner()
    table.update(keys.user(boss.tenant_id, boss.user_id), "REMOVE GSI2PK, GSI2SK", return_new=False)
    table.update(keys.tenant(boss.tenant_id), "REMOVE owners", return_new=False)
    assert members_of(boss) == []
    # When the owner invites a first member
    assert invite(boss, "manager")[0].status == 201
    # Then the owner is listed, and is still the last owner
    assert [(m["id"], m["role"]) for m in members_of(boss)] == [(boss.user_id, "owner")]
    assert call(FN, "DELETE", f"/organization/members/{boss.user_id}", token=boss.token).status == 409


@pytest.mark.parametrize(("language", "words"), [("et", "raamatupidaja"), ("lv", "grāmatvedis"), ("ru", "бухгалтер")])
def test_a_staff_invitation_e_mail_and_page_speak_the_organisations_language(org, language, words):
    # Given an organisation whose profile says its language
    owner = org["owner"]
    assert call(FN, "PATCH", "/organization", token=owner.token, body={"defaultLanguage": language}).status == 200
    # When the owner invites an accountant
    with outbox() as sent:
        res = call(FN, "POST", "/organization/members", token=owner.token,
                   body={"email": f"{unique('acc-')}@example.com", "role": "accountant"})
    assert res.status == 201, res
    text = body_text(sent[-1])
    found = re.search(r"/invitations/accept\?token=([A-Za-z0-9_%-]+)", text)
    assert found
    token = unquote(found.group(1))
    # Then the e-mail names the role in that language, and its link opens a page in it, with the form
    assert words in text
    page = call("residents", "GET", "/invitations/accept", query={"token": token})
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    html = page.content.decode()
    assert words in html and f'lang="{language}"' in html
    # And a wrong token shows nothing
    assert call("residents", "GET", "/invitations/accept", query={"token": token[:-2] + "xx"}).status == 404
