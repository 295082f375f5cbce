"""The demo seed, against a fake API (httpx's mock transport): what it creates, idempotency, warnings."""

from __future__ import annotations

import json
import uuid

import httpx

from local.seed import APARTMENTS, CHARGES, DEMO_EMAIL, DEMO_PASSWORD, describe, seed

API = "http://127.0.0.1:3999/api"


class FakeApi:
    """Answers as API.md says, keeps every request; ``missing`` paths answer 404, ``refuse`` numbers 422."""

    def __init__(self, *, registered: bool = False, missing: tuple[str, ...] = (), refuse: tuple[str, ...] = ()):
        self.registered = registered
        self.missing = missing
        self.refuse = refuse
        self.calls: list[tuple[str, str, dict]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        path = request.url.path.removeprefix("/api")
        self.calls.append((request.method, path, body))
        if any(path.startswith(m) for m in self.missing):
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "No such route."}})
        if path == "/auth/login":
            ok = self.registered and body == {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            return httpx.Response(200 if ok else 401, json={"data": {"accessToken": "a"}} if ok else {})
        if path == "/auth/register":
            return httpx.Response(202, json={"data": {"message": "check your e-mail"}})
        if request.url.path == "/_local/mail":
            mail = {"to": [DEMO_EMAIL], "text": "Registration code for apps: c0de"}
            return httpx.Response(200, json={"data": [mail]})
        if path == "/auth/register/verify":
            self.registered = body == {"token": "c0de", "password": DEMO_PASSWORD}
            return httpx.Response(201 if self.registered else 401,
                                  json={"data": {"tenantId": "t", "userId": "u", "accessToken": "tok"}})
        if request.headers.get("authorization") != "Bearer tok":
            return httpx.Response(401, json={})
        if path.endswith("/apartments") and body.get("number") in self.refuse:
            return httpx.Response(422, json={"error": {"code": "VALIDATION_FAILED"}})
        return httpx.Response(201, json={"data": {"id": str(uuid.uuid4()), **body}})

    def made(self, suffix: str) -> list[dict]:
        return [b for m, p, b in self.calls if m == "POST" and p.endswith(suffix)]


def test_seed_creates_the_demo_organisation_through_the_api():
    # Given an API where the demo user does not exist
    api = FakeApi()

    # When the seed runs
    report = seed(API, transport=httpx.MockTransport(api))

    # Then it registered, created a building with billing and an IBAN, every kind of charge,
    # the apartments with Baltic names, and meters per apartment
    assert not report.warnings and not report.skipped
    assert api.made("/auth/register")[0]["email"] == DEMO_EMAIL
    (building,) = api.made("/buildings")
    assert building["billing"]["iban"].startswith("EE")
    assert {c["type"] for c in api.made("/charges")} == {"per_area", "per_apartment", "per_resident", "metered",
                                                         "shared_by_area"}
    names = "".join(a["ownerName"] for a in api.made("/apartments"))
    for letter in "õäöüšžąčęėįųūēīķļņ":
        assert letter in names.lower(), letter
    meters = api.made("/meters")
    assert len(meters) == 2 * len(APARTMENTS)
    assert len({m["apartmentId"] for m in meters}) == len(APARTMENTS)
    assert report.created == {"organisations": 1, "buildings": 1, "charges": len(CHARGES),
                              "apartments": len(APARTMENTS), "meters": 2 * len(APARTMENTS)}
    assert "created" in describe(report)


def test_seed_is_idempotent_when_the_demo_login_works():
    # Given the demo organisation exists
    api = FakeApi(registered=True)

    # When the seed runs again / Then it only tried to log in
    report = seed(API, transport=httpx.MockTransport(api))
    assert report.skipped
    assert [(m, p) for m, p, _ in api.calls] == [("POST", "/auth/login")]
    assert "already there" in describe(report)


def test_a_missing_route_is_a_warning_naming_the_call_and_stops_what_depends_on_it():
    # Given the buildings routes are not there yet
    api = FakeApi(missing=("/buildings",))

    # When the seed runs / Then it warns about that call and creates nothing that needs a building
    report = seed(API, transport=httpx.MockTransport(api))
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("POST /api/buildings answered 404")
    assert not api.made("/meters")
    assert "WARNING seed: POST /api/buildings" in describe(report)


def test_one_refused_apartment_does_not_stop_the_others():
    api = FakeApi(refuse=("3",))
    report = seed(API, transport=httpx.MockTransport(api))
    assert report.created["apartments"] == len(APARTMENTS) - 1
    assert len(report.warnings) == 1 and "/apartments answered 422" in report.warnings[0]


def test_an_unreachable_api_is_a_warning_not_a_crash():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    report = seed(API, transport=httpx.MockTransport(refuse))
    assert report.warnings and report.warnings[0].startswith("POST /api/auth/login failed: ConnectError")
