"""Residents and users can leave (issue 17, finding 3): a move-out ends a resident's access to the apartment
at once, a disabled user's sessions, tokens and API keys end at once, and each emits an event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.test_residents import accept, address, invite, new_apartment, new_building, published
from tests.payments_support.org import Apt, new_invoice
from tests.support import call, unique


def lived_in(manager: Any, number: str = "1") -> tuple[str, str, dict[str, Any]]:
    """A new building's apartment and the tokens of a resident who accepted an invitation to it."""
    b = new_building(manager)
    a = new_apartment(manager, b, number)
    _, token = invite(manager, a, address())
    signed_in = accept(token)
    assert signed_in.status == 200, signed_in
    return b, a, signed_in.data


@pytest.fixture
def home(make_caller):
    """An apartment with an issued invoice and a resident who accepted an invitation to it (with tokens)."""
    manager = make_caller("manager")
    b, a1, tokens = lived_in(manager)
    invoice = new_invoice(manager, b, Apt(a1, "1", "1234"), 10000)
    return {"manager": manager, "building": b, "apartment": a1, "invoice": invoice, **tokens}


def _user_id(tokens: dict) -> str:
    import base64
    import json

    payload = tokens["accessToken"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def test_a_resident_who_moved_out_reads_nothing_of_the_apartment_at_once(home):
    # Given a resident who reads their apartment's invoice
    manager, resident = home["manager"], home["accessToken"]
    invoice = f"/invoices/{home['invoice']['id']}"
    assert call("invoices", "GET", invoice, token=resident).status == 200
    user_id = _user_id(home)
    # When the manager records that they moved out yesterday
    with published() as events:
        res = call("residents", "POST", f"/residents/{user_id}/move-out", token=manager.token, body={
            "apartmentId": home["apartment"], "endDate": (date.today() - timedelta(days=1)).isoformat()})
    # Then 204 and resident.moved_out is emitted
    assert res.status == 204, res
    assert [e["event"] for e in events] == ["resident.moved_out"]
    # And their access token is refused at once
    assert call("invoices", "GET", invoice, token=resident).status == 401
    # And a token from their refresh token no longer carries the apartment: the invoice is 404
    refreshed = call("auth", "POST", "/auth/refresh", body={"refreshToken": home["refreshToken"]})
    assert refreshed.status == 200, refreshed
    assert call("invoices", "GET", invoice, token=refreshed.data["accessToken"]).status == 404
    # And the apartment's residents no longer list them
    listed = call("residents", "GET", "/residents", token=manager.token, query={"apartmentId": home["apartment"]})
    assert [r for r in listed.data if r.get("id", r.get("userId")) == user_id] == []


def test_move_out_refuses_future_dates_other_apartments_and_other_tenants(home, make_caller):
    manager, user_id = home["manager"], _user_id(home)
    path = f"/residents/{user_id}/move-out"
    body = {"apartmentId": home["apartment"], "endDate": date.today().isoformat()}
    # Given an end date in the future / Then 422 naming it
    future = call("residents", "POST", path, token=manager.token,
                  body={**body, "endDate": (date.today() + timedelta(days=3)).isoformat()})
    assert future.status == 422 and future.error["errors"][0]["field"] == "endDate", future
    # Given an apartment they do not live in / Then 404
    assert call("residents", "POST", path, token=manager.token, body={**body, "apartmentId": unique()}).status == 404
    # Given another organisation's manager / Then 404, and the resident is untouched
    assert call("residents", "POST", path, token=make_caller("manager").token, body=body).status == 404
    # Given the resident themselves / Then 403
    assert call("residents", "POST", path, token=home["accessToken"], body=body).status == 403
    assert call("invoices", "GET", f"/invoices/{home['invoice']['id']}", token=home["accessToken"]).status == 200


def test_a_disabled_user_loses_sessions_refresh_tokens_and_api_keys_at_once(aws, make_caller):
    # Given a second owner with a session (login) and an API key they created
    from tests.integration.test_auth import PASSWORD, login, new_email, send
    from urbaneta.services import auth as service

    first = make_caller("owner")
    email = new_email()
    service.create_user(first.tenant_id, email=email, name="Teine Omanik", password=PASSWORD, role="owner")
    tokens = login(email).data
    key = call("auth", "POST", "/api-keys", token=tokens["accessToken"], body={"name": "export"})
    assert key.status == 201, key
    key_token = send("POST", "/auth/token", body={"apiKey": key.data["key"]}).data["accessToken"]
    user_id = _user_id(tokens)
    # When the first owner disables them
    with published() as events:
        res = call("auth", "POST", f"/auth/users/{user_id}/disable", token=first.token)
    # Then 204, user.disabled is emitted naming the revoked key
    assert res.status == 204, res
    assert [(e["event"], e["data"]["revokedApiKeys"]) for e in events] == [("user.disabled", [key.data["id"]])]
    # And their access token, their API key's token, their refresh token, their password and the key all fail
    assert call("buildings", "GET", "/buildings", token=tokens["accessToken"]).status == 401
    assert call("buildings", "GET", "/buildings", token=key_token).status == 401
    assert call("auth", "POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]}).status == 401
    assert login(email).status == 401
    assert send("POST", "/auth/token", body={"apiKey": key.data["key"]}).status == 401
    # And the owner who disabled them is unaffected
    assert call("buildings", "GET", "/buildings", token=first.token).status == 200


def test_disable_refuses_oneself_other_tenants_and_managers_disabling_owners(aws, make_caller):
    owner = make_caller("owner")
    manager = make_caller("manager", tenant_id=owner.tenant_id)
    resident = make_caller("resident", tenant_id=owner.tenant_id)
    from urbaneta.services import auth as service

    other = service.create_user(owner.tenant_id, email=f"{unique('o')}@example.com", name="Omanik",
                                password=None, role="owner")
    # Given oneself / Then 409
    assert call("auth", "POST", f"/auth/users/{owner.user_id}/disable", token=owner.token).status == 409
    # Given a manager disabling an owner / Then 403
    assert call("auth", "POST", f"/auth/users/{other['id']}/disable", token=manager.token).status == 403
    # Given a resident / Then 403
    assert call("auth", "POST", f"/auth/users/{other['id']}/disable", token=resident.token).status == 403
    # Given another organisation's owner / Then 404
    assert call("auth", "POST", f"/auth/users/{other['id']}/disable", token=make_caller("owner").token).status == 404
