"""Webhooks over HTTP against the local stack: an organisation subscribes a local receiver, a maintenance
request is opened, and the event travels bus → rule → queue → fan-out → queue → delivery worker to the
receiver, signed so that an integrator verifies it with the secret alone."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator

import pytest
from standardwebhooks import Webhook as StandardWebhook

from tests.webhook_receiver import Receiver

PASSWORD = "Hõbedane-Kuu-2025-aken"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def wait_for(receiver: Receiver, path: str, count: int, seconds: float = 30) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = receiver.on(path)
        if len(got) >= count:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{path}: {len(receiver.on(path))} of {count} webhooks arrived in {seconds} s")


def test_event_reaches_a_subscribed_receiver_signed(stack, http, receiver):
    # Given a registered organisation with a building
    from tests.e2e.helpers import register

    reg = register(http, {
        "organizationName": "Ühistu Vaher", "email": f"owner-{uuid.uuid4().hex[:10]}@urbaneta.example",
        "password": PASSWORD, "name": "Vello Vaher"})
    assert reg.status_code == 201, reg.text
    staff = {"Authorization": f"Bearer {reg.json()['data']['accessToken']}"}
    building = http.post("/api/buildings", headers=staff, json={
        "name": "Vahtra 7", "address": {"street": "Vahtra 7", "city": "Pärnu", "postalCode": "80010",
                                        "country": "EE"}})
    assert building.status_code == 201, building.text
    # And a webhook on the local receiver for maintenance events (http://127.0.0.1 is allowed locally only)
    hook = http.post("/api/webhooks", headers=staff, json={"url": receiver.url("/maintenance"),
                                                           "events": ["maintenance.created"]})
    assert hook.status_code == 201, hook.text
    secret, hook_id = hook.json()["data"]["secret"], hook.json()["data"]["id"]

    # When a maintenance request is opened
    req = http.post("/api/maintenance-requests", headers=staff, json={
        "buildingId": building.json()["data"]["id"], "title": "Door lock", "description": "Front door sticks."})
    assert req.status_code == 201, req.text

    # Then the receiver gets maintenance.created, and both signatures verify with the secret
    (request,) = wait_for(receiver, "/maintenance", 1)
    payload = StandardWebhook(secret).verify(request.body, request.headers)
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-urbaneta-signature"], expected)
    assert payload["event"] == "maintenance.created" and payload["data"]["id"] == req.json()["data"]["id"]
    assert payload["tenantId"] and request.headers["webhook-id"] == payload["id"]

    # And the delivery is listed with its successful attempt
    deadline = time.monotonic() + 10
    while True:
        listed = http.get(f"/api/webhooks/{hook_id}/deliveries", headers=staff).json()["data"]
        if (listed and listed[0]["status"] == "succeeded") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [(d["event"], d["status"], d["attempts"][0]["responseCode"]) for d in listed] == [
        ("maintenance.created", "succeeded", 200)]

    # When a test event is sent to it / Then it arrives too
    test = http.post(f"/api/webhooks/{hook_id}/test", headers=staff)
    assert test.status_code == 202, test.text
    requests = wait_for(receiver, "/maintenance", 2)
    assert json.loads(requests[1].body)["event"] == "webhook.test"
    StandardWebhook(secret).verify(requests[1].body, requests[1].headers)
