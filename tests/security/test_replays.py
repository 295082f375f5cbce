"""Idempotency-Key replays belong to the caller (issue 17, finding 1): a key is scoped to the authenticated
principal (user or API key, with its role and apartments) plus method and path, the route's checks run
for anyone else, credential-issuing routes never replay, and no record holds a secret in plain text."""

from __future__ import annotations

from typing import Any

from tests.integration.test_auth import PASSWORD, login, new_email, send
from tests.support import call, unique


def _building(manager: Any) -> str:
    res = call("buildings", "POST", "/buildings", token=manager.token, body={
        "name": f"Kase {unique()}", "address": {"street": "Kase 12", "city": "Tallinn", "postalCode": "10148",
                                                "country": "EE"}})
    assert res.status == 201, res
    return str(res.data["id"])


def _apartment(manager: Any, building_id: str, number: str) -> str:
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=manager.token,
               body={"number": number, "area": 40})
    assert res.status == 201, res
    return str(res.data["id"])


def _idempotency_records() -> list[dict[str, Any]]:
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings
    from urbaneta.store import keys

    out = client("dynamodb").query(TableName=get_settings().table_name, KeyConditionExpression="PK = :p",
                                   ExpressionAttributeValues={":p": {"S": keys.idempotency_partition()}})
    return list(out.get("Items", []))


def test_another_resident_cannot_replay_a_residents_maintenance_request(aws, make_caller):
    # Given resident 1 opened a request for apartment 1 with an Idempotency-Key
    manager = make_caller("manager")
    b = _building(manager)
    a1, a2 = _apartment(manager, b, "1"), _apartment(manager, b, "2")
    r1 = make_caller("resident", manager.tenant_id, apartment_ids=(a1,))
    r2 = make_caller("resident", manager.tenant_id, apartment_ids=(a2,))
    body = {"buildingId": b, "apartmentId": a1, "title": "Leak", "description": "Private: bathroom"}
    key = {"Idempotency-Key": unique("idem-")}
    first = call("maintenance", "POST", "/maintenance-requests", token=r1.token, body=body, headers=key)
    assert first.status == 201, first
    # When resident 2 sends the same key and body
    again = call("maintenance", "POST", "/maintenance-requests", token=r2.token, body=body, headers=key)
    # Then the route's own check answers (404), nothing is replayed
    assert again.status == 404, again
    assert "idempotent-replayed" not in again.headers
    # And resident 1 still gets the replay
    mine = call("maintenance", "POST", "/maintenance-requests", token=r1.token, body=body, headers=key)
    assert mine.status == 201 and mine.headers["idempotent-replayed"] == "true" and mine.data == first.data


def test_an_api_key_token_cannot_replay_the_owners_api_key_creation(aws, make_caller):
    # Given an owner created an API key with an Idempotency-Key, and an owner-role API key's token
    owner = make_caller("owner")
    key = {"Idempotency-Key": unique("idem-")}
    body = {"name": "ci", "role": "owner"}
    created = call("auth", "POST", "/api-keys", token=owner.token, body=body, headers=key)
    assert created.status == 201, created
    exchanged = send("POST", "/auth/token", body={"apiKey": created.data["key"]})
    assert exchanged.status == 200, exchanged
    # When the API key's token sends the same key and body
    again = call("auth", "POST", "/api-keys", token=exchanged.data["accessToken"], body=body, headers=key)
    # Then the route's own check refuses it and no key is handed out
    assert again.status == 403, again
    assert created.data["key"] not in again.content.decode()


def test_api_key_creation_is_never_replayed(aws, make_caller):
    # Given an owner created an API key with an Idempotency-Key
    owner = make_caller("owner")
    key = {"Idempotency-Key": unique("idem-")}
    first = call("auth", "POST", "/api-keys", token=owner.token, body={"name": "ci"}, headers=key)
    # When the owner sends it again
    again = call("auth", "POST", "/api-keys", token=owner.token, body={"name": "ci"}, headers=key)
    # Then a new key is made: the first secret is never shown twice
    assert first.status == again.status == 201
    assert again.data["key"] != first.data["key"] and again.data["id"] != first.data["id"]


def test_a_spent_refresh_token_sent_again_with_the_same_key_is_refused(aws):
    # Given a signed-in user who refreshed once with an Idempotency-Key from one address
    from urbaneta.services import auth as service

    email = new_email()
    service.create_user(unique("t"), email=email, name="Mari Maasikas", password=PASSWORD, role="owner")
    tokens = login(email).data
    ip, key = "10.9.8.7", {"Idempotency-Key": unique("idem-")}
    body = {"refreshToken": tokens["refreshToken"]}
    first = send("POST", "/auth/refresh", body=body, headers=key, ip=ip)
    assert first.status == 200, first
    # When the spent refresh token comes again with the same key from the same address
    again = send("POST", "/auth/refresh", body=body, headers=key, ip=ip)
    # Then it is refused and reuse detection revokes the family: the new refresh token fails too
    assert again.status == 401, again
    rotated = send("POST", "/auth/refresh", body={"refreshToken": first.data["refreshToken"]})
    assert rotated.status == 401, rotated


def test_login_with_an_idempotency_key_runs_every_time(aws):
    # Given a user who signed in with an Idempotency-Key
    from urbaneta.services import auth as service

    email = new_email()
    service.create_user(unique("t"), email=email, name="Mari Maasikas", password=PASSWORD, role="owner")
    key = {"Idempotency-Key": unique("idem-")}
    body = {"email": email, "password": PASSWORD}
    first = send("POST", "/auth/login", body=body, headers=key, ip="10.1.1.1")
    # When the same request comes again
    again = send("POST", "/auth/login", body=body, headers=key, ip="10.1.1.1")
    # Then it is a new session, not a copy of the first tokens
    assert first.status == again.status == 200
    assert again.data["refreshToken"] != first.data["refreshToken"]
    assert "idempotent-replayed" not in again.headers


def test_no_secret_is_kept_in_plain_text_in_an_idempotency_record(aws, make_caller):
    # Given an API key and a webhook (whose answers carry secrets) created with Idempotency-Keys
    owner = make_caller("owner")
    created = call("auth", "POST", "/api-keys", token=owner.token, body={"name": "ci"},
                   headers={"Idempotency-Key": unique("idem-")})
    hook_key = {"Idempotency-Key": unique("idem-")}
    hook_body = {"url": "http://127.0.0.1:9/hook", "events": ["invoice.created"]}
    hook = call("webhooks", "POST", "/webhooks", token=owner.token, headers=hook_key, body=hook_body)
    assert created.status == 201 and hook.status == 201, (created, hook)
    # When every idempotency record is read
    records = str(_idempotency_records())
    # Then none holds an API key or the webhook's signing secret
    assert "urb_live_" not in records and created.data["key"] not in records
    assert hook.data["secret"] not in records
    # And the webhook creation is still replayed to its caller, secret included
    again = call("webhooks", "POST", "/webhooks", token=owner.token, headers=hook_key, body=hook_body)
    assert again.status == 201 and again.headers["idempotent-replayed"] == "true" and again.data == hook.data


def test_the_same_user_with_other_apartments_gets_a_fresh_run(aws, make_caller):
    # Given a resident whose request was stored under a key while they lived in apartment 1
    manager = make_caller("manager")
    b = _building(manager)
    a1 = _apartment(manager, b, "1")
    before = make_caller("resident", manager.tenant_id, apartment_ids=(a1,))
    body = {"buildingId": b, "apartmentId": a1, "title": "Leak", "description": "Kitchen"}
    key = {"Idempotency-Key": unique("idem-")}
    assert call("maintenance", "POST", "/maintenance-requests", token=before.token, body=body,
                headers=key).status == 201
    # When the same user, now without that apartment, sends the same key
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token

    after = issue_access_token(create_session(manager.tenant_id, before.user_id, Role.RESIDENT))
    res = call("maintenance", "POST", "/maintenance-requests", token=after, body=body, headers=key)
    # Then the route's own check runs again: 404, not the stored answer
    assert res.status == 404, res


def test_an_overlong_idempotency_key_is_422_where_keys_are_ignored_too(aws, make_caller):
    # Given a key longer than the documented 255 characters
    key = {"Idempotency-Key": "k" * 256}
    # When it comes with a public route and with a route that never replays / Then 422 naming the header
    public = send("POST", "/auth/magic-link", body={"email": new_email()}, headers=key)
    owner = call("auth", "POST", "/api-keys", token=make_caller("owner").token, body={"name": "ci"}, headers=key)
    for res in (public, owner):
        assert res.status == 422 and res.error["errors"][0]["field"] == "Idempotency-Key", res
