"""Auth over HTTP against the local stack: register, login and its throttles (per account, per client
address), rotating refresh tokens, logout, magic links through the local mailbox, API keys, forged tokens,
and the per-organisation quota. Client addresses are made distinct by binding the client to another
127.0.0.0/8 loopback address, so the stack sees each test's requests coming from an address of its own."""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Kolm-Karu-Metsas-42"
_addresses = itertools.count(1)


def new_address() -> str:
    n = next(_addresses) + 1000 * (os.getpid() % 200)
    return f"127.{(n >> 16) % 250 + 2}.{(n >> 8) & 255}.{n & 255 or 1}"


def new_email() -> str:
    return f"e2e-auth-{uuid.uuid4().hex[:10]}@urbaneta.example"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def client_from(stack) -> Iterator[Any]:
    """client_from(address=None) → an httpx client whose requests come from that loopback address."""
    opened: list[httpx.Client] = []

    def make(address: str | None = None) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=address or new_address())
        client = httpx.Client(base_url=stack.base_url, timeout=30, transport=transport)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def api(client_from) -> httpx.Client:
    """A client of its own address (so this test's failures count against nobody else)."""
    return client_from()


def register(api: httpx.Client, email: str | None = None) -> dict[str, Any]:
    address = email or new_email()
    from tests.e2e.helpers import register as sign_up

    r = sign_up(api, {"organizationName": "KÜ Kase 12", "email": address, "password": PASSWORD,
                      "name": "Kadri Tamm"})
    assert r.status_code == 201, r.text
    return {**r.json()["data"], "email": address}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def aws_client(stack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.moto_url, region_name="eu-north-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def sign(stack, claims: dict[str, Any], purpose: str = "access") -> str:
    """A token signed with the stack's own key (read from its Secrets Manager), for claims we choose."""
    from urbaneta.auth import keyring, tokens

    secret = aws_client(stack, "secretsmanager").get_secret_value(SecretId="urbaneta-local-AppSecret")
    ring = keyring.parse(json.loads(secret["SecretString"]))
    return tokens.encode(claims, ring, purpose)


# --- register and login ---------------------------------------------------------------------------------------


def test_register_login_and_the_failures_of_both(api):
    # Given a registered owner
    owner = register(api)
    assert api.get("/api/api-keys", headers=bearer(owner["accessToken"])).status_code == 200
    # When the same e-mail registers again, or a weak password is used / Then the answer of a new address, and 422
    dup = api.post("/api/auth/register", json={"organizationName": "X", "email": owner["email"].upper(),
                                               "password": PASSWORD, "name": "Other"})
    fresh = api.post("/api/auth/register", json={"organizationName": "X", "email": new_email(),
                                                 "password": PASSWORD, "name": "Other"})
    assert dup.status_code == fresh.status_code == 202 and dup.json() == fresh.json()
    weak = api.post("/api/auth/register", json={"organizationName": "X", "email": new_email(),
                                                "password": "password123", "name": "Other"})
    assert weak.status_code == 422 and weak.json()["error"]["errors"][0]["field"] == "password"
    # When the owner logs in / Then the token pair of the contract comes back
    r = api.post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["expiresIn"] == 900 and data["tokenType"] == "Bearer"
    claims = claims_of(data["accessToken"])
    assert claims["exp"] - claims["iat"] == 900 and claims["tid"] == owner["tenantId"]


def test_wrong_password_and_unknown_email_get_the_same_401(api):
    owner = register(api)
    wrong = api.post("/api/auth/login", json={"email": owner["email"], "password": "Wrong-Password-123"})
    unknown = api.post("/api/auth/login", json={"email": new_email(), "password": "Wrong-Password-123"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json()["error"].items() if k != "requestId"}  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_failed_logins_for_one_account_from_many_addresses_do_not_lock_the_owner_out(client_from):
    # Given an account
    owner = register(client_from())
    # When 5 wrong passwords come, each from another address
    for _ in range(5):
        r = client_from().post("/api/auth/login", json={"email": owner["email"], "password": "Wrong-Password-1"})
        assert r.status_code == 401
    # Then the right password from a fresh address signs in (no lock-out by strangers)
    r = client_from().post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert r.status_code == 200, r.text


def test_failed_logins_for_one_account_from_one_address_are_429(client_from):
    # Given an account and one address that fails 5 times on it
    owner = register(client_from())
    attacker = client_from()
    for _ in range(5):
        assert attacker.post("/api/auth/login", json={"email": owner["email"],
                                                      "password": "Wrong-Password-1"}).status_code == 401
    # Then that address's next login on the account, even the right password, is 429 with Retry-After
    r = attacker.post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"]["code"] == "TOO_MANY_REQUESTS"


def test_failed_logins_from_one_address_are_429_whatever_the_account(client_from):
    # Given one address, and an account that exists
    attacker = client_from()
    owner = register(client_from())
    # When that address fails 20 times on 20 accounts
    for _ in range(20):
        r = attacker.post("/api/auth/login", json={"email": new_email(), "password": "Wrong-Password-1"})
        assert r.status_code == 401
    # Then its next login is 429, while the owner still logs in from elsewhere
    r = attacker.post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    ok = client_from().post("/api/auth/login", json={"email": owner["email"], "password": PASSWORD})
    assert ok.status_code == 200


# --- refresh and logout ---------------------------------------------------------------------------------------


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(api):
    owner = register(api)
    first = owner["refreshToken"]
    second = api.post("/api/auth/refresh", json={"refreshToken": first})
    assert second.status_code == 200
    newer = second.json()["data"]
    assert api.get("/api/api-keys", headers=bearer(newer["accessToken"])).status_code == 200
    # When the spent token is replayed
    assert api.post("/api/auth/refresh", json={"refreshToken": first}).status_code == 401
    # Then the whole family is dead, access token included
    assert api.post("/api/auth/refresh", json={"refreshToken": newer["refreshToken"]}).status_code == 401
    assert api.get("/api/api-keys", headers=bearer(newer["accessToken"])).status_code == 401
    # And an access token is no refresh token
    other = register(api)
    assert api.post("/api/auth/refresh", json={"refreshToken": other["accessToken"]}).status_code == 401


def test_logout_makes_access_and_refresh_tokens_useless_at_once(api):
    owner = register(api)
    assert api.post("/api/auth/logout", headers=bearer(owner["accessToken"])).status_code == 204
    assert api.get("/api/api-keys", headers=bearer(owner["accessToken"])).status_code == 401
    assert api.get("/api/buildings", headers=bearer(owner["accessToken"])).status_code == 401
    assert api.post("/api/auth/refresh", json={"refreshToken": owner["refreshToken"]}).status_code == 401
    assert api.post("/api/auth/logout").status_code == 401


# --- magic links ----------------------------------------------------------------------------------------------


def test_magic_link_by_mail_signs_in_once_and_unknown_addresses_get_the_same_202(stack, api):
    owner = register(api)
    known = api.post("/api/auth/magic-link", json={"email": owner["email"]})
    stranger = new_email()
    unknown = api.post("/api/auth/magic-link", json={"email": stranger})
    assert known.status_code == unknown.status_code == 202 and known.json()["data"] == unknown.json()["data"]
    deadline = time.monotonic() + 10
    mails: list[dict[str, Any]] = []
    while not mails and time.monotonic() < deadline:
        mails = [m for m in stack.mail() if owner["email"] in m["to"] and "sign-in" in m["subject"]]
        time.sleep(0.05)
    assert len(mails) == 1 and f"{stack.base_url}/api/auth/magic-link/verify?token=" in mails[0]["text"]
    assert not [m for m in stack.mail() if stranger in m["to"]]
    token = re.search(r"Sign-in code for apps: (\S+)", mails[0]["text"]).group(1)  # type: ignore[union-attr]
    first = api.post("/api/auth/magic-link/verify", json={"token": token})
    assert first.status_code == 200
    assert claims_of(first.json()["data"]["accessToken"])["sub"] == owner["userId"]
    assert api.post("/api/auth/magic-link/verify", json={"token": token}).status_code == 401
    assert api.post("/api/auth/magic-link/verify", json={"token": "made-up"}).status_code == 401


# --- API keys -------------------------------------------------------------------------------------------------


def test_api_key_life_cycle(api):
    owner = register(api)
    created = api.post("/api/api-keys", json={"name": "Accounting export"}, headers=bearer(owner["accessToken"]))
    assert created.status_code == 201
    key = created.json()["data"]
    assert key["key"].startswith("urb_live_") and key["role"] == "manager"
    listed = api.get("/api/api-keys", headers=bearer(owner["accessToken"])).json()
    assert [k["id"] for k in listed["data"]] == [key["id"]] and "key" not in listed["data"][0]
    # When the key is exchanged / Then a 15-minute manager token of the organisation works on other functions
    exchanged = api.post("/api/auth/token", json={"apiKey": key["key"]})
    assert exchanged.status_code == 200 and exchanged.json()["data"]["expiresIn"] == 900
    token = exchanged.json()["data"]["accessToken"]
    assert claims_of(token)["tid"] == owner["tenantId"] and claims_of(token)["role"] == "manager"
    assert api.get("/api/buildings", headers=bearer(token)).status_code == 200
    assert api.get("/api/api-keys", headers=bearer(token)).status_code == 403
    # When the owner revokes it / Then the token and the key are refused at once
    assert api.delete(f"/api/api-keys/{key['id']}", headers=bearer(owner["accessToken"])).status_code == 204
    assert api.get("/api/buildings", headers=bearer(token)).status_code == 401
    assert api.post("/api/auth/token", json={"apiKey": key["key"]}).status_code == 401
    # And another organisation's owner gets 404 for its id
    other = register(api)
    assert api.delete(f"/api/api-keys/{key['id']}", headers=bearer(other["accessToken"])).status_code == 404


def test_api_keys_need_an_owner(api):
    owner = register(api)
    key = api.post("/api/api-keys", json={"name": "k", "role": "manager"},
                   headers=bearer(owner["accessToken"])).json()["data"]
    manager_token = api.post("/api/auth/token", json={"apiKey": key["key"]}).json()["data"]["accessToken"]
    assert api.post("/api/api-keys", json={"name": "x"}, headers=bearer(manager_token)).status_code == 403
    assert api.post("/api/api-keys", json={"name": "x"}).status_code == 401


# --- forged tokens and the quota --------------------------------------------------------------------------------


def test_forged_expired_foreign_and_refresh_tokens_are_401(stack, api):
    owner = register(api)
    good = claims_of(owner["accessToken"])
    head, payload, sig = owner["accessToken"].split(".")
    now = int(time.time())
    forged = {
        "alg-none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "tampered": f"{head}.{b64({**good, 'tid': str(uuid.uuid4())})}.{sig}",
        "expired": sign(stack, {**good, "iat": now - 2000, "exp": now - 1100}),
        "wrong-audience": sign(stack, {**good, "aud": "another-api"}),
        "missing-claim": sign(stack, {k: v for k, v in good.items() if k != "sid"}),
        "refresh-as-access": owner["refreshToken"],
        "garbage": "not-a-token",
    }
    for name, token in forged.items():
        r = api.get("/api/api-keys", headers=bearer(token))
        assert r.status_code == 401, name
        assert r.json()["error"]["code"] == "UNAUTHORIZED"
    # while the genuine token, and one we sign with the same claims, are accepted
    assert api.get("/api/api-keys", headers=bearer(owner["accessToken"])).status_code == 200
    assert api.get("/api/api-keys", headers=bearer(sign(stack, good))).status_code == 200


def test_organisation_quota_is_429_with_retry_after(stack, api):
    """The stack's quota is the template's 6000 requests a minute, spread over the gate's 8 shards (750 each).
    Rather than send 6000 requests, every shard's counter for this minute is set to 749 (what earlier requests
    would have left): the next request passes; once every shard is at 750, the next one is 429."""
    owner = register(api)
    other = register(api)
    if time.time() % 60 > 50:  # keep the test inside one quota minute
        time.sleep(61 - time.time() % 60)
    minute = str(int(time.time() // 60))

    def fill(count: int) -> None:
        for shard in range(8):
            aws_client(stack, "dynamodb").update_item(
                TableName="urbaneta-local-table",
                Key={"PK": {"S": f"T#{owner['tenantId']}#GATE#{shard}"}, "SK": {"S": "GATE"}},
                UpdateExpression="SET #m = :n", ExpressionAttributeNames={"#m": f"q:{minute}"},
                ExpressionAttributeValues={":n": {"N": str(count)}},
            )

    fill(749)
    assert api.get("/api/api-keys", headers=bearer(owner["accessToken"])).status_code == 200
    fill(750)
    r = api.get("/api/api-keys", headers=bearer(owner["accessToken"]))
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert api.get("/api/api-keys", headers=bearer(other["accessToken"])).status_code == 200
