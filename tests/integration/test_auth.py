"""Auth through the auth function's handler against moto: register, login and its throttles, rotating
refresh tokens, logout, magic links, API keys, the per-organisation quota and the request cost."""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from typing import Any

import pytest

from tests.support import LambdaContext, Result, api_event, count_calls, function_module, load_event, unique
from urbaneta.auth.principal import EVERYONE
from urbaneta.http.app import allow, create_app, make_handler, principal
from urbaneta.http.responses import ok

PASSWORD = "Kolm-Karu-Metsas-42"


# --- helpers ------------------------------------------------------------------------------------------------


def fresh_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def send(method: str, path: str, *, ip: str | None = None, **kw: Any) -> Result:
    """Call the auth function from a client address of our choosing (a fresh one unless given)."""
    event = api_event(method, path, **kw)
    event["requestContext"]["http"]["sourceIp"] = ip or fresh_ip()
    return Result(function_module("auth").handler(event, LambdaContext()))


def new_email() -> str:
    return f"{unique('user-')}@example.com"


def registration_code(email: str) -> str | None:
    """The code of the last registration e-mail sent to ``email``."""
    from local.signup import registration_code as code_in

    codes = [code_in(m["text"]) for m in sent_mail(email)]
    return next((c for c in reversed(codes) if c), None)


def register(email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
    """POST /auth/register, then the e-mailed code to POST /auth/register/verify: the organisation's owner."""
    address = email or new_email()
    res = send("POST", "/auth/register", body={"organizationName": "KÜ Kase 12", "email": address,
                                               "password": password, "name": "Kadri Tamm"})
    assert res.status == 202, res
    done = send("POST", "/auth/register/verify", body={"token": registration_code(address), "password": password})
    assert done.status == 201, done
    return {**done.data, "email": address}


def login(email: str, password: str = PASSWORD, ip: str | None = None) -> Result:
    return send("POST", "/auth/login", body={"email": email, "password": password}, ip=ip)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def whoami():
    """A protected route of another function built on the same plumbing: who does a token authenticate as?"""
    app = create_app()

    @app.get("/whoami")
    @allow(EVERYONE)
    def me():
        p = principal()
        return ok({"tenantId": p.tenant_id, "userId": p.user_id, "role": str(p.role), "kind": p.kind,
                   "sessionId": p.session_id, "apartmentIds": sorted(p.apartment_ids)})

    handler = make_handler(app)

    def call_me(token: str | None) -> Result:
        return Result(handler(api_event("GET", "/whoami", token=token), LambdaContext()))

    return call_me


@pytest.fixture
def settings(aws, monkeypatch):
    """The cached settings, for lowering limits in one test (monkeypatch restores them)."""
    from urbaneta.settings import get_settings

    return get_settings()


def sent_mail(to: str, subject: str = "") -> list[dict[str, Any]]:
    from local import mailbox

    return [m for m in mailbox.messages() if to in m["to"] and subject in m["subject"]]


# --- register -----------------------------------------------------------------------------------------------


def test_register_creates_organisation_and_owner_with_working_tokens(aws, whoami):
    # Given a new organisation's details / When it registers
    data = register()
    # Then it gets its ids and a pair of tokens, and the access token is the owner's
    assert data["expiresIn"] == 900 and data["tokenType"] == "Bearer"
    me = whoami(data["accessToken"])
    assert me.status == 200
    assert me.data["tenantId"] == data["tenantId"] and me.data["userId"] == data["userId"]
    assert me.data["role"] == "owner" and me.data["kind"] == "user"


def test_register_with_a_known_email_answers_as_for_a_new_one_and_tells_the_owner_by_email(aws):
    # Given a registered e-mail
    first = register()
    # When another organisation registers with the same address in other letters and spaces
    res = send("POST", "/auth/register", body={"organizationName": "Other", "email": "  " + first["email"].upper(),
                                               "password": PASSWORD, "name": "Someone Else"})
    fresh = send("POST", "/auth/register", body={"organizationName": "Other", "email": new_email(),
                                                 "password": PASSWORD, "name": "Someone Else"})
    # Then the answer is the one a new address gets, and the e-mail tells the owner instead of giving a code
    assert res.status == fresh.status == 202 and res.data == fresh.data
    assert "already has an account" in sent_mail(first["email"])[-1]["text"]
    assert registration_code(first["email"]) is not None  # only the first registration's code
    assert len([m for m in sent_mail(first["email"]) if "Registration code" in m["text"]]) == 1
    # And the address still signs in to the first organisation
    assert claims_of(login(first["email"]).data["accessToken"])["tid"] == first["tenantId"]


def test_register_verify_needs_the_code_and_the_password_and_works_once(aws):
    # Given a registration waiting for its e-mail
    email = new_email()
    assert send("POST", "/auth/register", body={"organizationName": "KÜ", "email": email, "password": PASSWORD,
                                                "name": "Kadri Tamm"}).status == 202
    code = registration_code(email)
    # When someone has the code but not the password / Then 401, and the code is spent
    assert send("POST", "/auth/register/verify", body={"token": code, "password": "Other-Password-42"}).status == 401
    assert send("POST", "/auth/register/verify", body={"token": code, "password": PASSWORD}).status == 401
    # And a garbage code is 401, and nothing was created: the e-mail does not sign in
    assert send("POST", "/auth/register/verify", body={"token": "nope", "password": PASSWORD}).status == 401
    assert login(email).status == 401


@pytest.mark.parametrize("password, reason", [
    ("short1!", "at least 10"),
    ("aaaaaaaaaaaaaaa", "repetitive"),
    ("Password123", "common"),
    ("1234567890", "common"),
    ("abcdefghijklm", "sequence"),
    ("x" * 129 + "yzw1", "at most 128"),
])
def test_register_weak_password_is_422_and_nothing_is_written(aws, password, reason):
    # Given a weak password / When an organisation registers with it
    email = new_email()
    res = send("POST", "/auth/register", body={"organizationName": "KÜ", "email": email, "password": password,
                                               "name": "Kadri Tamm"})
    # Then it is refused on the password field, and no account exists
    assert res.status == 422
    assert [e["field"] for e in res.error["errors"]] == ["password"] and reason in res.error["errors"][0]["message"]
    from urbaneta.services.auth import find_user_by_email

    assert find_user_by_email(email) is None


def test_register_password_based_on_email_is_422(aws):
    email = f"{unique('kristjan')}@example.com"
    local = email.split("@")[0]
    res = send("POST", "/auth/register", body={"organizationName": "KÜ", "email": email, "password": local + "1!",
                                               "name": "Kristjan"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "password"


def test_register_refuses_bad_email_and_unknown_fields(aws):
    # Given a body with a malformed e-mail and a server-owned field / When it is sent
    res = send("POST", "/auth/register", body={"organizationName": "KÜ", "email": "not-an-email", "password": PASSWORD,
                                               "name": "Kadri", "role": "owner", "tenantId": "x"})
    # Then every failing field is named
    assert res.status == 422
    assert {e["field"] for e in res.error["errors"]} == {"email", "role", "tenantId"}


def test_register_sample_event(aws):
    # Given the sample event of events/api/auth (with a fresh e-mail) / When the handler gets it
    event = copy.deepcopy(load_event("api/auth/register"))
    body = json.loads(event["body"])
    body["email"] = new_email()
    event["body"] = json.dumps(body)
    res = Result(function_module("auth").handler(event, LambdaContext()))
    # Then the registration waits for its e-mail
    assert res.status == 202 and registration_code(body["email"])


# --- login --------------------------------------------------------------------------------------------------


def test_login_returns_tokens_with_every_claim(aws):
    # Given a registered owner / When they log in
    owner = register()
    res = login(owner["email"].upper())
    # Then the answer is the token pair of API.md, and the access token carries every claim
    assert res.status == 200
    assert set(res.data) == {"accessToken", "refreshToken", "expiresIn", "tokenType"}
    assert res.data["expiresIn"] == 900 and res.data["tokenType"] == "Bearer"
    claims = claims_of(res.data["accessToken"])
    assert claims["iss"] == "urbaneta" and claims["aud"] == "urbaneta-api" and claims["typ"] == "access"
    assert claims["sub"] == owner["userId"] and claims["tid"] == owner["tenantId"] and claims["role"] == "owner"
    assert claims["sid"] and claims["exp"] == claims["iat"] + 900
    assert header_of(res.data["accessToken"]) == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    assert claims_of(res.data["refreshToken"])["typ"] == "refresh"


def test_unknown_email_and_wrong_password_are_the_same_401_after_the_same_work(aws, monkeypatch):
    # Given a registered owner, and a spy on password verification
    from urbaneta.auth import passwords

    owner = register()
    verified: list[str | None] = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: verified.append(h) or real(h, p))
    # When one logs in with a wrong password, and another with an unknown e-mail
    with count_calls() as wrong_calls:
        wrong = login(owner["email"], "Wrong-Password-123")
    with count_calls() as unknown_calls:
        unknown = login(new_email(), "Wrong-Password-123")
    # Then both get the same 401, after the same database calls and one argon2 verification each
    assert wrong.status == unknown.status == 401
    assert wrong.error["code"] == unknown.error["code"] == "UNAUTHORIZED"
    assert wrong.error["message"] == unknown.error["message"]
    assert wrong_calls.calls == unknown_calls.calls
    assert len(verified) == 2 and verified[0] is not None and verified[1] is None


def test_login_malformed_body(aws):
    assert send("POST", "/auth/login", raw_body="{nope").status == 400
    res = send("POST", "/auth/login", body={"email": "a@b.c"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "password"


def test_failed_logins_for_one_account_from_one_address_are_429_for_that_address_only(aws, settings, monkeypatch):
    # Given an account and a limit of 3 failed logins per account and address
    monkeypatch.setattr(settings, "login_max_failures_per_account", 3)
    owner = register()
    ip = fresh_ip()
    # When 3 wrong passwords come from one address
    for _ in range(3):
        assert login(owner["email"], "Wrong-Password-123", ip=ip).status == 401
    # Then the next attempt from that address, even with the right password, is 429 with Retry-After
    res = login(owner["email"], ip=ip)
    assert res.status == 429 and res.error["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(res.headers["retry-after"]) <= settings.login_failure_window_seconds
    # And the owner signs in from another address, and another account is not affected
    assert login(owner["email"], ip=fresh_ip()).status == 200
    other = register()
    assert login(other["email"], ip=ip).status == 200


def test_successful_login_clears_the_account_failures(aws, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_account", 3)
    owner = register()
    # Given two failures, then a success
    for _ in range(2):
        assert login(owner["email"], "Wrong-Password-123").status == 401
    assert login(owner["email"]).status == 200
    # When two more failures follow / Then the account is not locked (the count started again)
    for _ in range(2):
        assert login(owner["email"], "Wrong-Password-123").status == 401
    assert login(owner["email"]).status == 200


def test_failed_logins_from_one_address_are_429_whatever_the_account(aws, settings, monkeypatch):
    # Given a limit of 4 failures per address
    monkeypatch.setattr(settings, "login_max_failures_per_address", 4)
    ip = fresh_ip()
    owner = register()
    # When one address fails 4 times on 4 different (unknown) accounts
    for _ in range(4):
        assert login(new_email(), "Wrong-Password-123", ip=ip).status == 401
    # Then its next login is 429, even a correct one, while another address still logs in
    res = login(owner["email"], ip=ip)
    assert res.status == 429 and int(res.headers["retry-after"]) >= 1
    assert login(owner["email"], ip=fresh_ip()).status == 200


# --- refresh ------------------------------------------------------------------------------------------------


def test_refresh_rotates_and_a_spent_token_revokes_the_family(aws, whoami):
    # Given a session and its first refresh
    owner = register()
    first = login(owner["email"]).data
    second = send("POST", "/auth/refresh", body={"refreshToken": first["refreshToken"]})
    assert second.status == 200 and second.data["refreshToken"] != first["refreshToken"]
    assert claims_of(second.data["accessToken"])["sid"] == claims_of(first["accessToken"])["sid"]
    assert whoami(second.data["accessToken"]).status == 200
    # When the spent refresh token is presented again
    replay = send("POST", "/auth/refresh", body={"refreshToken": first["refreshToken"]})
    # Then it is 401, and the whole family is dead: the newest refresh token and its access token too
    assert replay.status == 401
    assert send("POST", "/auth/refresh", body={"refreshToken": second.data["refreshToken"]}).status == 401
    assert whoami(second.data["accessToken"]).status == 401
    assert whoami(first["accessToken"]).status == 401
    # And the owner's other sessions live on
    assert whoami(owner["accessToken"]).status == 200


def test_refresh_refuses_access_tokens_forgeries_and_garbage(aws):
    owner = register()
    pair = login(owner["email"]).data
    head, _payload, sig = pair["refreshToken"].split(".")
    forged = f"{head}.{b64({**claims_of(pair['refreshToken']), 'sub': 'someone'})}.{sig}"
    for token in (pair["accessToken"], forged, "garbage", pair["refreshToken"] + "x"):
        res = send("POST", "/auth/refresh", body={"refreshToken": token})
        assert res.status == 401, token
    # and the genuine refresh token still works (nothing above touched its session)
    assert send("POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]}).status == 200


def test_refresh_token_is_not_an_access_token(aws, whoami):
    owner = register()
    assert whoami(owner["refreshToken"]).status == 401


def test_refresh_picks_up_apartments_added_since_login(aws, whoami):
    # Given a resident created through the users interface, signed in
    from urbaneta.clock import new_id
    from urbaneta.services import auth

    owner = register()
    resident = auth.create_user(owner["tenantId"], email=new_email(), name="Jüri Õunapuu", password=PASSWORD,
                                role="resident")
    pair = login(resident["email"]).data
    assert whoami(pair["accessToken"]).data["apartmentIds"] == []
    # When an apartment is added to them and they refresh
    apartment = new_id()
    auth.add_apartment_to_user(owner["tenantId"], resident["id"], apartment)
    fresh = send("POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]}).data
    # Then the new access token carries it
    me = whoami(fresh["accessToken"]).data
    assert me["apartmentIds"] == [apartment] and me["role"] == "resident"


# --- logout -------------------------------------------------------------------------------------------------


def test_logout_ends_the_sessions_access_and_refresh_tokens_at_once(aws, whoami):
    # Given a signed-in owner
    owner = register()
    pair = login(owner["email"]).data
    assert whoami(pair["accessToken"]).status == 200
    # When they log out
    res = send("POST", "/auth/logout", token=pair["accessToken"])
    # Then the access token and the refresh token are refused from then on, other sessions are not
    assert res.status == 204
    assert whoami(pair["accessToken"]).status == 401
    assert send("POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]}).status == 401
    assert send("POST", "/auth/logout", token=pair["accessToken"]).status == 401
    assert whoami(owner["accessToken"]).status == 200


def test_logout_with_a_refresh_token_of_another_session_ends_both(aws, whoami):
    owner = register()
    phone, laptop = login(owner["email"]).data, login(owner["email"]).data
    res = send("POST", "/auth/logout", token=phone["accessToken"], body={"refreshToken": laptop["refreshToken"]})
    assert res.status == 204
    assert whoami(phone["accessToken"]).status == 401 and whoami(laptop["accessToken"]).status == 401
    assert send("POST", "/auth/refresh", body={"refreshToken": laptop["refreshToken"]}).status == 401


def test_logout_with_someone_elses_refresh_token_is_422_and_changes_nothing(aws, whoami):
    # Given two owners of two organisations
    mine, theirs = register(), register()
    # When one logs out naming the other's refresh token, or garbage
    for token in (theirs["refreshToken"], "garbage", mine["accessToken"]):
        res = send("POST", "/auth/logout", token=mine["accessToken"], body={"refreshToken": token})
        # Then it is 422 on refreshToken and both sessions live on
        assert res.status == 422 and res.error["errors"][0]["field"] == "refreshToken"
    assert whoami(mine["accessToken"]).status == 200 and whoami(theirs["accessToken"]).status == 200
    assert send("POST", "/auth/refresh", body={"refreshToken": theirs["refreshToken"]}).status == 200


def test_logout_needs_a_token(aws):
    assert send("POST", "/auth/logout").status == 401
    assert send("POST", "/auth/logout", token="garbage").status == 401


# --- magic links --------------------------------------------------------------------------------------------


def _token_in(mail: dict[str, Any]) -> str:
    match = re.search(r"Sign-in code for apps: (\S+)", mail["text"])
    assert match, mail["text"]
    return match.group(1)


def test_magic_link_signs_in_once(aws, whoami):
    # Given a registered owner / When they ask for a magic link
    owner = register()
    res = send("POST", "/auth/magic-link", body={"email": owner["email"]})
    # Then 202, and an e-mail with a link to the public base URL and a one-time token arrives
    assert res.status == 202
    mails = sent_mail(owner["email"], "sign-in")
    assert len(mails) == 1 and "/auth/magic-link/verify?token=" in mails[0]["text"]
    from urbaneta.settings import get_settings

    assert get_settings().public_base_url in mails[0]["text"]
    token = _token_in(mails[0])
    # When the token is verified / Then it signs the owner in, once
    first = send("POST", "/auth/magic-link/verify", body={"token": token})
    assert first.status == 200 and set(first.data) == {"accessToken", "refreshToken", "expiresIn", "tokenType"}
    assert whoami(first.data["accessToken"]).data["userId"] == owner["userId"]
    again = send("POST", "/auth/magic-link/verify", body={"token": token})
    assert again.status == 401


def test_magic_link_for_an_unknown_address_is_the_same_202_and_sends_nothing(aws):
    owner = register()
    known = send("POST", "/auth/magic-link", body={"email": owner["email"]})
    stranger = new_email()
    unknown = send("POST", "/auth/magic-link", body={"email": stranger})
    assert known.status == unknown.status == 202 and known.data == unknown.data
    assert sent_mail(stranger) == []


def test_magic_link_expires_after_15_minutes(aws, monkeypatch):
    # Given a magic link
    from urbaneta.services.auth import common

    owner = register()
    send("POST", "/auth/magic-link", body={"email": owner["email"]})
    token = _token_in(sent_mail(owner["email"], "sign-in")[-1])
    # When it is verified 15 minutes and a second later
    real_now = common.now_seconds
    monkeypatch.setattr(common, "now_seconds", lambda: real_now() + 901)
    res = send("POST", "/auth/magic-link/verify", body={"token": token})
    # Then it is refused
    assert res.status == 401


def test_magic_link_invalid_token_is_401_and_throttled_per_address(aws, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    ip = fresh_ip()
    for _ in range(3):
        assert send("POST", "/auth/magic-link/verify", body={"token": unique()}, ip=ip).status == 401
    res = send("POST", "/auth/magic-link/verify", body={"token": unique()}, ip=ip)
    assert res.status == 429 and res.headers["retry-after"]


def test_magic_link_emails_are_capped_per_email_without_refusing_anyone(aws, settings, monkeypatch):
    monkeypatch.setattr(settings, "magic_links_per_email", 2)
    owner = register()
    # Given two links requested for one e-mail from two addresses
    for _ in range(2):
        assert send("POST", "/auth/magic-link", body={"email": owner["email"]}).status == 202
    # When a third address asks / Then the same 202, but no third e-mail (no mail-bombing)
    res = send("POST", "/auth/magic-link", body={"email": owner["email"]})
    assert res.status == 202 and len(sent_mail(owner["email"], "sign-in")) == 2
    # When one address asks too often for one e-mail / Then that address is 429
    ip = fresh_ip()
    for _ in range(2):
        assert send("POST", "/auth/magic-link", body={"email": owner["email"]}, ip=ip).status == 202
    assert send("POST", "/auth/magic-link", body={"email": owner["email"]}, ip=ip).status == 429


# --- API keys -----------------------------------------------------------------------------------------------


def create_key(token: str, **body: Any) -> Result:
    return send("POST", "/api-keys", token=token, body={"name": "Accounting export", **body})


def test_api_key_is_shown_once_stored_as_hash_and_exchanged_for_a_15_minute_token(aws, whoami):
    # Given an owner / When they create an API key
    from urbaneta.store import keys, table

    owner = register()
    res = create_key(owner["accessToken"])
    # Then the key is shown once, prefixed, and the stored item holds only its hash
    assert res.status == 201 and res.data["key"].startswith("urb_live_") and res.data["role"] == "manager"
    key = res.data["key"]
    stored = table.get(keys.api_key(owner["tenantId"], res.data["id"]))
    assert stored is not None and key not in json.dumps(stored, default=str)
    listed = send("GET", "/api-keys", token=owner["accessToken"])
    assert listed.status == 200 and [k["id"] for k in listed.data] == [res.data["id"]]
    assert "key" not in listed.data[0] and "keyHash" not in listed.data[0]
    # When the key is exchanged / Then the access token is the key's organisation and role, for 15 minutes
    token = send("POST", "/auth/token", body={"apiKey": key})
    assert token.status == 200 and set(token.data) == {"accessToken", "expiresIn", "tokenType"}
    me = whoami(token.data["accessToken"]).data
    assert me == {"tenantId": owner["tenantId"], "userId": res.data["id"], "role": "manager", "kind": "api_key",
                  "sessionId": res.data["id"], "apartmentIds": []}
    claims = claims_of(token.data["accessToken"])
    assert claims["exp"] - claims["iat"] == 900


def test_revoked_api_key_and_its_tokens_are_refused_at_once(aws, whoami):
    owner = register()
    created = create_key(owner["accessToken"], role="owner").data
    token = send("POST", "/auth/token", body={"apiKey": created["key"]}).data["accessToken"]
    assert whoami(token).status == 200
    # When the owner revokes the key
    assert send("DELETE", f"/api-keys/{created['id']}", token=owner["accessToken"]).status == 204
    # Then its token is refused, it cannot be exchanged again, it leaves the list, and a second delete is 404
    assert whoami(token).status == 401
    assert send("POST", "/auth/token", body={"apiKey": created["key"]}).status == 401
    assert send("GET", "/api-keys", token=owner["accessToken"]).data == []
    assert send("DELETE", f"/api-keys/{created['id']}", token=owner["accessToken"]).status == 404


def test_only_owners_manage_api_keys(aws, make_caller):
    # Given an owner's key, a manager and a resident of the same organisation
    owner = register()
    key = create_key(owner["accessToken"]).data
    for role in ("manager", "resident"):
        caller = make_caller(role, tenant_id=owner["tenantId"])
        # When they try to create, list or revoke keys / Then 403
        assert create_key(caller.token).status == 403
        assert send("GET", "/api-keys", token=caller.token).status == 403
        assert send("DELETE", f"/api-keys/{key['id']}", token=caller.token).status == 403
    # And without a token, 401
    assert send("GET", "/api-keys").status == 401 and create_key("").status == 401


def test_api_key_tokens_cannot_manage_keys_or_log_out(aws):
    owner = register()
    key = create_key(owner["accessToken"], role="owner").data
    token = send("POST", "/auth/token", body={"apiKey": key["key"]}).data["accessToken"]
    assert create_key(token).status == 403
    assert send("GET", "/api-keys", token=token).status == 403
    assert send("POST", "/auth/logout", token=token).status == 403


def test_another_organisations_api_key_is_404_and_stays_alive(aws, whoami):
    # Given two organisations, one with a key
    mine, theirs = register(), register()
    key = create_key(theirs["accessToken"]).data
    token = send("POST", "/auth/token", body={"apiKey": key["key"]}).data["accessToken"]
    # When the other owner tries to revoke it / Then 404, and the key and its token still work
    assert send("DELETE", f"/api-keys/{key['id']}", token=mine["accessToken"]).status == 404
    assert send("GET", "/api-keys", token=mine["accessToken"]).data == []
    assert whoami(token).status == 200
    assert send("POST", "/auth/token", body={"apiKey": key["key"]}).status == 200


def test_api_key_create_validation(aws):
    owner = register()
    res = create_key(owner["accessToken"], role="resident", key="mine", id="x")
    assert res.status == 422 and {e["field"] for e in res.error["errors"]} == {"role", "key", "id"}
    assert send("POST", "/api-keys", token=owner["accessToken"], body={}).status == 422
    assert send("GET", "/api-keys", token=owner["accessToken"]).data == []


def test_api_keys_list_is_paginated_and_cursor_bound_to_the_organisation(aws):
    owner, other = register(), register()
    ids = [create_key(owner["accessToken"], name=f"k{i}").data["id"] for i in range(3)]
    first = send("GET", "/api-keys", token=owner["accessToken"], query={"limit": "2"})
    assert len(first.data) == 2 and first.json["nextCursor"]
    cursor = first.json["nextCursor"]
    rest = send("GET", "/api-keys", token=owner["accessToken"], query={"limit": "2", "cursor": cursor})
    assert [k["id"] for k in first.data + rest.data] == ids
    stolen = send("GET", "/api-keys", token=other["accessToken"], query={"cursor": first.json["nextCursor"]})
    assert stolen.status == 400
    assert send("GET", "/api-keys", token=owner["accessToken"], query={"limit": "0"}).status == 422


def test_invalid_api_keys_are_401_and_throttled_per_address(aws, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_max_failures_per_address", 3)
    ip = fresh_ip()
    for bad in ("urb_live_" + "x" * 43, "sk_live_whatever", "urb_live_"):
        assert send("POST", "/auth/token", body={"apiKey": bad}, ip=ip).status == 401
    res = send("POST", "/auth/token", body={"apiKey": "urb_live_" + "y" * 43}, ip=ip)
    assert res.status == 429 and res.headers["retry-after"]


# --- tokens, quota and the cost of a request ------------------------------------------------------------------


def test_forged_and_broken_tokens_are_401(aws, whoami, make_caller):
    # Given a genuine token
    caller = make_caller("owner")
    head, payload, sig = caller.token.split(".")
    claims = claims_of(caller.token)
    forged = {
        "alg-none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg-none-kid": f"{b64({'alg': 'none', 'kid': 'k1'})}.{payload}.",
        "tampered-role": f"{head}.{b64({**claims, 'role': 'owner', 'tid': 'other'})}.{sig}",
        "wrong-audience": f"{head}.{b64({**claims, 'aud': 'someone-else'})}.{sig}",
        "unknown-kid": f"{b64({'alg': 'HS256', 'kid': 'k9', 'typ': 'JWT'})}.{payload}.{sig}",
        "hs512": f"{b64({'alg': 'HS512', 'kid': 'k1'})}.{payload}.{sig}",
        "no-bearer": None,
    }
    for name, token in forged.items():
        # When it is presented / Then 401
        assert whoami(token).status == 401, name
    # And a token missing a claim, or expired, signed with the real key, is 401 too
    from urbaneta.auth import keyring, tokens

    ring = keyring.keyring()
    for broken in ({k: v for k, v in claims.items() if k != "sid"},
                   {**claims, "iat": claims["iat"] - 3600, "exp": claims["exp"] - 3600},
                   {**claims, "typ": "refresh"}):
        assert whoami(tokens.encode(broken, ring, "access")).status == 401
    assert whoami(caller.token).status == 200


def test_an_authenticated_request_costs_one_dynamodb_call(aws, whoami, make_caller):
    # Given a signed-in caller (their organisation's gate exists since the session began)
    caller = make_caller("manager")
    whoami(caller.token)
    # When they make an authenticated request to a route that reads nothing itself
    with count_calls("dynamodb") as counter:
        res = whoami(caller.token)
    # Then authentication, revocation check and quota cost exactly one call
    assert res.status == 200
    assert counter.calls == ["UpdateItem"]


def test_organisation_quota_is_429_with_retry_after_and_per_organisation(aws, whoami, make_caller, settings,
                                                                         monkeypatch):
    # Given a quota of 3 requests per minute
    monkeypatch.setattr(settings, "tenant_requests_per_minute", 3)
    caller = make_caller("manager")
    colleague = make_caller("owner", tenant_id=caller.tenant_id)
    other = make_caller("manager")
    import time

    if time.time() % 60 > 55:  # keep all requests of this test in one quota minute
        time.sleep(61 - time.time() % 60)
    # When the organisation makes 3 requests, then a 4th from another of its users
    for _ in range(3):
        assert whoami(caller.token).status == 200
    res = whoami(colleague.token)
    # Then the 4th is 429 with Retry-After, and another organisation is not affected
    assert res.status == 429 and res.error["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(res.headers["retry-after"]) <= 60
    assert whoami(other.token).status == 200


def test_every_auth_route_declares_its_policy(aws):
    # Given the auth function's routes / Then each one declares who may call it (deny-by-default)
    app = function_module("auth").app
    routes = list(app._static_routes) + list(app._dynamic_routes)
    assert routes and all(getattr(r.func, "__urbaneta_policy__", None) for r in routes)


# --- the interface other capabilities use -----------------------------------------------------------------------


def test_users_interface_for_residents(aws, whoami):
    from urbaneta.clock import new_id
    from urbaneta.errors import Conflict, ValidationFailed
    from urbaneta.services import auth

    owner = register()
    apartment = new_id()
    # Given a resident created with an apartment
    email = new_email()
    user = auth.create_user(owner["tenantId"], email=email.upper(), name="Mārtiņš Ķēniņš", password=PASSWORD,
                            role="resident", apartment_ids=[apartment])
    assert user["email"] == email and user["role"] == "resident" and "passwordHash" not in user
    assert auth.find_user_by_email(email) == user
    # When tokens are issued for them / Then the resident sees that apartment
    tokens = auth.issue_tokens(user)
    assert set(tokens) == {"accessToken", "refreshToken", "expiresIn", "tokenType"}
    assert whoami(tokens["accessToken"]).data["apartmentIds"] == [apartment]
    # And the e-mail is unique everywhere, the password policy holds, an unknown user is 404
    with pytest.raises(Conflict):
        auth.create_user(new_id(), email=email, name="X", password=PASSWORD, role="resident")
    with pytest.raises(ValidationFailed):
        auth.create_user(owner["tenantId"], email=new_email(), name="X", password="short", role="resident")
    from urbaneta.errors import NotFound

    with pytest.raises(NotFound):
        auth.add_apartment_to_user(owner["tenantId"], new_id(), apartment)
    # And a user without a password cannot log in with one
    passwordless = auth.create_user(owner["tenantId"], email=new_email(), name="Ilze", password=None,
                                    role="resident")
    assert login(passwordless["email"], PASSWORD).status == 401


# --- signing key rotation and session lifetime --------------------------------------------------------------


@pytest.fixture
def rotated_secret(aws):
    """The application secret in its rotation form, k2 active, with k1 kept; restored afterwards."""
    from urbaneta.adapters import secrets
    from urbaneta.adapters.aws import client
    from urbaneta.auth import keyring

    sm = client("secretsmanager")
    arn = aws["APP_SECRET_ARN"]
    original = sm.get_secret_value(SecretId=arn)["SecretString"]
    value = json.loads(original)
    rotated = {**value, "keys": {value["kid"]: value["signingKey"], "k2": "r" * 48}, "activeKid": "k2"}
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps(rotated))
    yield
    sm.put_secret_value(SecretId=arn, SecretString=original)
    secrets.reset()
    keyring.reset()


def test_signing_keys_rotate_by_kid(aws, whoami, make_caller, rotated_secret):
    # Given a token signed with k1 before the rotation, in a container that cached the old secret a while ago
    import time

    from urbaneta.adapters.aws import client
    from urbaneta.auth import keyring, tokens
    from urbaneta.auth.principal import Principal, Role

    before = make_caller("manager")
    assert header_of(before.token)["kid"] == "k1"
    keyring._cache["loaded"] = keyring._cache.get("loaded", 0.0) - 3600
    # When another container, which read the rotated secret, signs a token with k2
    rotated = keyring.parse(json.loads(client("secretsmanager").get_secret_value(
        SecretId=aws["APP_SECRET_ARN"])["SecretString"]))
    caller = Principal(before.tenant_id, before.user_id, Role.MANAGER, claims_of(before.token)["sid"])
    newer = tokens.encode(tokens.access_claims(caller, int(time.time())), rotated, "access")
    assert header_of(newer)["kid"] == "k2"
    # Then it verifies here (the unknown kid made this container re-read the secret), and so does the k1 token
    assert whoami(newer).status == 200
    assert whoami(before.token).status == 200
    # And from now on this container signs with k2
    owner = register()
    assert header_of(owner["accessToken"])["kid"] == "k2"
    assert send("POST", "/auth/refresh", body={"refreshToken": owner["refreshToken"]}).status == 200


def test_an_unknown_kid_does_not_make_every_request_reread_the_secret(aws, whoami, make_caller):
    # Given a container that has just read the secret
    import time

    from urbaneta.auth import keyring

    caller = make_caller("manager")
    assert whoami(caller.token).status == 200
    keyring._cache["loaded"] = time.monotonic()
    _head, payload, sig = caller.token.split(".")
    bogus = f"{b64({'alg': 'HS256', 'kid': 'k7', 'typ': 'JWT'})}.{payload}.{sig}"
    # When tokens naming an unknown kid arrive / Then they are 401 without a Secrets Manager call
    with count_calls("secretsmanager") as counter:
        assert whoami(bogus).status == 401 and whoami(bogus).status == 401
    assert counter.count() == 0
    assert "k7" not in keyring.keyring().material


def test_a_rotated_secret_takes_effect_once_the_cached_one_is_older_than_its_max_age(aws, monkeypatch):
    # Given a container that has read the application secret
    from datetime import datetime, timedelta

    import aws_lambda_powertools.utilities.parameters.base as base

    from urbaneta.adapters import secrets
    from urbaneta.adapters.aws import client
    from urbaneta.auth import keyring

    secrets.reset()
    keyring.reset()
    first = keyring.keyring()
    sm, arn = client("secretsmanager"), aws["APP_SECRET_ARN"]
    original = sm.get_secret_value(SecretId=arn)["SecretString"]
    value = json.loads(original)
    try:
        # When the secret is rotated (k2 active, k1 kept)
        rotated = {**value, "keys": {value["kid"]: value["signingKey"], "k2": "r" * 48}, "activeKid": "k2"}
        sm.put_secret_value(SecretId=arn, SecretString=json.dumps(rotated))
        # Then within the max age the cached secret serves, without a Secrets Manager call
        with count_calls("secretsmanager") as counter:
            assert keyring.keyring() is first
        assert counter.count() == 0
        # And once the cached value is older than SECRET_MAX_AGE, the next request reads the rotated one
        later = datetime.now() + timedelta(seconds=secrets.SECRET_MAX_AGE + 1)
        clock = type("Later", (datetime,), {"now": classmethod(lambda c, tz=None: later)})
        monkeypatch.setattr(base, "datetime", clock)
        with count_calls("secretsmanager") as counter:
            ring = keyring.keyring()
        assert counter.count() == 1 and ring.active_kid == "k2" and first.active_kid == value["kid"]
    finally:
        sm.put_secret_value(SecretId=arn, SecretString=original)
        secrets.reset()
        keyring.reset()


def test_a_session_past_its_maximum_age_cannot_be_refreshed(aws, monkeypatch, settings):
    # Given a session / When its refresh token is presented after the session's maximum age
    from urbaneta.services.auth import common

    owner = register()
    real_now = common.now_seconds
    monkeypatch.setattr(common, "now_seconds", lambda: real_now() + settings.session_max_age_seconds + 1)
    res = send("POST", "/auth/refresh", body={"refreshToken": owner["refreshToken"]})
    # Then it is refused
    assert res.status == 401
