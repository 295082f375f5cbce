"""Webhooks end to end against moto and a real local HTTP receiver: subscriptions, the bus → fan-out →
delivery flow, signatures verified as an integrator would, retries, 410, 429, SSRF refusals, redelivery,
rotation, tenancy."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook as StandardWebhook

from tests.support import LambdaContext, call, function_module, sqs_event
from tests.webhook_receiver import Receiver
from urbaneta.adapters.aws import client
from urbaneta.adapters.events import DomainEvent, publish
from urbaneta.clock import new_id, now_iso
from urbaneta.settings import get_settings

PUBLIC_IP = "93.184.216.34"


# --- fixtures and helpers ------------------------------------------------------------------------------


def domain_event(event: str, tenant_id: str, data: dict[str, Any]) -> DomainEvent:
    """An event as it reaches the bus, with any ``data``: fan-out and delivery never look inside it."""
    return DomainEvent(id=new_id(), event=event, timestamp=now_iso(), tenantId=tenant_id, data=data)


def _queue_url(logical: str) -> str:
    return client("sqs").get_queue_url(QueueName=f"urbaneta-test-{logical}")["QueueUrl"]


@pytest.fixture
def flow(aws, monkeypatch) -> Iterator[dict[str, str]]:
    """Empty webhook queues and a short retry schedule. The bus rule → WebhookEventsQueue comes from
    template.yaml (the session's provisioning creates it on moto's bus, which delivers to the queue)."""
    sqs = client("sqs")
    queues = {q: _queue_url(q) for q in ("WebhookEventsQueue", "WebhookDeliveryQueue", "WebhookDeliveryDLQ")}
    for url in queues.values():  # leftovers of earlier tests (PurgeQueue is limited to once a minute)
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0,0,0")
    get_settings.cache_clear()
    yield queues
    get_settings.cache_clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def pump(queue_url: str, function: str, sample: str, *, rounds: int = 20) -> list[dict[str, Any]]:
    """Play Lambda's SQS poller: receive batches, invoke the worker, delete what it did not report failed."""
    sqs, results = client("sqs"), []
    for _ in range(rounds):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        result = function_module(function).handler(sqs_event(sample, messages), LambdaContext())
        results.append(result)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return results


def run_flow(queues: dict[str, str]) -> None:
    pump(queues["WebhookEventsQueue"], "webhook_fanout", "sqs/webhook_fanout")
    pump(queues["WebhookDeliveryQueue"], "webhook_delivery_worker", "sqs/webhook_delivery")


def subscribe(caller, url: str, events: list[str], **extra: Any):
    return call("webhooks", "POST", "/webhooks", body={"url": url, "events": events, **extra}, token=caller.token)


def deliveries(caller, webhook_id: str) -> list[dict[str, Any]]:
    res = call("webhooks", "GET", f"/webhooks/{webhook_id}/deliveries", token=caller.token)
    assert res.status == 200, res
    return res.data


def verify_as_integrator(secret: str, request) -> dict[str, Any]:
    """What an integrator does: both signature schemes, with nothing but the secret and the raw request."""
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert any(hmac.compare_digest(expected, s) for s in request.headers["x-urbaneta-signature"].split(","))
    return StandardWebhook(secret).verify(request.body, request.headers)


@pytest.fixture
def dns(monkeypatch):
    """Stub name resolution: dns({"hooks.example.test": ["93.184.216.34"]}). Unknown names do not resolve."""
    table: dict[str, list[str]] = {}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    def set_(entries: dict[str, list[str]]) -> None:
        table.clear()
        table.update(entries)

    return set_


@pytest.fixture
def no_connections(monkeypatch):
    """Any outbound webhook connection fails the test."""
    import httpx

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(httpx.Client, "send", refuse)


# --- subscriptions ---------------------------------------------------------------------------------------


def test_create_shows_secret_once_and_lists_without_it(flow, make_caller, receiver):
    # Given a manager
    manager = make_caller("manager")
    # When they subscribe an endpoint to two event types
    res = subscribe(manager, receiver.url(), ["invoice.paid", "invoice.created", "invoice.paid"],
                    description="ERP sync")
    # Then the answer holds the secret (once), the events deduplicated and a Location
    assert res.status == 201, res
    hook = res.data
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["invoice.created", "invoice.paid"]
    assert hook["status"] == "active" and res.headers["location"] == f"/api/webhooks/{hook['id']}"
    # And reading it back never shows the secret
    got = call("webhooks", "GET", f"/webhooks/{hook['id']}", token=manager.token)
    assert got.status == 200 and "secret" not in got.data and got.data["description"] == "ERP sync"
    listed = call("webhooks", "GET", "/webhooks", token=manager.token)
    assert [h["id"] for h in listed.data] == [hook["id"]] and "secret" not in listed.data[0]
    assert hook["secret"] not in json.dumps(listed.json)


def test_unknown_event_types_are_422_and_nothing_is_written(flow, make_caller, receiver):
    # Given a manager
    manager = make_caller("manager")
    # When they subscribe to an event type that does not exist, or to none, or with an unknown field
    bad = subscribe(manager, receiver.url(), ["invoice.paid", "invoice.exploded"])
    empty = subscribe(manager, receiver.url(), [])
    extra = subscribe(manager, receiver.url(), ["*"], secret="mine")
    # Then each is 422 naming the field, and no webhook exists
    assert bad.status == 422 and bad.error["errors"][0]["field"] == "events"
    assert "invoice.exploded" in bad.error["errors"][0]["message"]
    assert empty.status == 422 and extra.status == 422
    assert call("webhooks", "GET", "/webhooks", token=manager.token).data == []


@pytest.mark.parametrize(("url", "answers"), [
    ("http://hooks.example.test/x", {"hooks.example.test": [PUBLIC_IP]}),        # not https
    ("https://internal.example.test/x", {"internal.example.test": ["10.0.0.5"]}),  # private
    ("https://mixed.example.test/x", {"mixed.example.test": [PUBLIC_IP, "192.168.1.1"]}),  # one bad address
    ("https://meta.example.test/x", {"meta.example.test": ["169.254.169.254"]}),  # metadata
    ("https://meta6.example.test/x", {"meta6.example.test": ["fd00:ec2::254"]}),  # IPv6 metadata
    ("https://mapped.example.test/x", {"mapped.example.test": ["::ffff:127.0.0.1"]}),  # IPv4-mapped loopback
    ("https://ll.example.test/x", {"ll.example.test": ["fe80::1"]}),  # link-local
    ("https://mc.example.test/x", {"mc.example.test": ["224.0.0.1"]}),  # multicast
    ("https://cgnat.example.test/x", {"cgnat.example.test": ["100.64.0.1"]}),  # shared address space
    ("https://[::1]/x", {}),  # literal loopback
    ("https://127.0.0.1/x", {}),  # https to loopback: only http://127.0.0.1 is the local exception
    ("http://localhost:8080/x", {"localhost": ["127.0.0.1"]}),  # only the literal 127.0.0.1
    ("https://nowhere.example.test/x", {}),  # does not resolve
    ("https://user:pw@hooks.example.test/x", {"hooks.example.test": [PUBLIC_IP]}),  # credentials
])
def test_unsafe_urls_are_refused_at_registration(flow, make_caller, dns, no_connections, url, answers):
    # Given name resolution answering with the addresses of the case (no connection can be made)
    dns(answers)
    manager = make_caller("manager")
    # When the URL is subscribed
    res = subscribe(manager, url, ["*"])
    # Then it is 422 on the url field, and nothing was written
    assert res.status == 422, res
    assert res.error["errors"][0]["field"] == "url"
    assert call("webhooks", "GET", "/webhooks", token=manager.token).data == []


def test_public_https_url_is_accepted(flow, make_caller, dns, no_connections):
    # Given a host that resolves to public addresses only (IPv4 and IPv6)
    dns({"hooks.example.test": [PUBLIC_IP, "2606:2800:220:1:248:1893:25c8:1946"]})
    # When it is subscribed / Then it is accepted without any connection being made
    res = subscribe(make_caller("owner"), "https://hooks.example.test/urbaneta", ["*"])
    assert res.status == 201, res


def test_plain_http_loopback_is_refused_outside_the_local_stack(flow, make_caller, receiver, monkeypatch):
    # Given the production stage
    monkeypatch.setenv("STAGE", "prod")
    get_settings.cache_clear()
    # When http://127.0.0.1 is subscribed / Then it is 422
    res = subscribe(make_caller("manager"), receiver.url(), ["*"])
    assert res.status == 422 and res.error["errors"][0]["field"] == "url"


def test_roles_and_tenancy(flow, make_caller, receiver):
    # Given a webhook of one tenant
    owner = make_caller("owner")
    hook = subscribe(owner, receiver.url(), ["invoice.paid"]).data
    other = make_caller("manager")
    resident = make_caller("resident", tenant_id=owner.tenant_id)
    base = f"/webhooks/{hook['id']}"
    routes = [("GET", base), ("DELETE", base), ("GET", f"{base}/deliveries"), ("POST", f"{base}/test"),
              ("POST", f"{base}/rotate-secret"), ("POST", f"{base}/deliveries/{hook['id']}/redeliver")]
    for method, path in routes:
        # When another tenant's manager calls each route / Then 404
        assert call("webhooks", method, path, token=other.token).status == 404, (method, path)
        # When a resident of the same tenant calls it / Then 403
        assert call("webhooks", method, path, token=resident.token).status == 403, (method, path)
        # When nobody is signed in / Then 401
        assert call("webhooks", method, path).status == 401, (method, path)
    assert subscribe(resident, receiver.url(), ["*"]).status == 403
    assert call("webhooks", "GET", "/webhooks", token=other.token).data == []
    # And the webhook is untouched and nothing was sent
    assert call("webhooks", "GET", base, token=owner.token).data["status"] == "active"
    run_flow(flow)
    assert receiver.requests == []


def test_list_is_cursor_paginated_and_cursor_bound_to_tenant(flow, make_caller, receiver):
    # Given three webhooks
    manager = make_caller("manager")
    ids = [subscribe(manager, receiver.url(f"/h{i}"), ["*"]).data["id"] for i in range(3)]
    # When listed two at a time
    first = call("webhooks", "GET", "/webhooks", query={"limit": "2"}, token=manager.token)
    second = call("webhooks", "GET", "/webhooks", query={"limit": "2", "cursor": first.json["nextCursor"]},
                  token=manager.token)
    # Then every webhook comes once (oldest first; same-second ones by id)
    listed = [h["id"] for h in first.data + second.data]
    assert len(first.data) == 2 and sorted(listed) == sorted(ids) and second.json["nextCursor"] is None
    # And the cursor is refused in another tenant, and a bad limit is 422
    other = make_caller("manager")
    assert call("webhooks", "GET", "/webhooks", query={"cursor": first.json["nextCursor"]},
                token=other.token).status == 400
    assert call("webhooks", "GET", "/webhooks", query={"limit": "0"}, token=manager.token).status == 422


def test_delete_stops_deliveries(flow, make_caller, receiver):
    # Given a webhook with a queued test delivery
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["*"]).data
    assert call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token).status == 202
    # When it is deleted
    res = call("webhooks", "DELETE", f"/webhooks/{hook['id']}", token=manager.token)
    # Then it is gone (twice → 404) and the queued delivery is dropped unsent
    assert res.status == 204
    assert call("webhooks", "GET", f"/webhooks/{hook['id']}", token=manager.token).status == 404
    assert call("webhooks", "DELETE", f"/webhooks/{hook['id']}", token=manager.token).status == 404
    run_flow(flow)
    assert receiver.requests == []


# --- the bus, fan-out and delivery -------------------------------------------------------------------------


def test_bus_event_reaches_each_subscribed_endpoint_signed(flow, make_caller, receiver):
    # Given two endpoints subscribed to invoice.paid, one to readings only, and another tenant's catch-all
    manager = make_caller("manager")
    a = subscribe(manager, receiver.url("/a"), ["invoice.paid"]).data
    b = subscribe(manager, receiver.url("/b"), ["*"]).data
    subscribe(manager, receiver.url("/c"), ["reading.submitted"])
    subscribe(make_caller("manager"), receiver.url("/other-tenant"), ["*"])
    # When an invoice.paid event of the tenant is published on the bus
    event = domain_event("invoice.paid", manager.tenant_id, {"invoiceId": "inv-1", "amount": 142.5})
    assert publish([event]) == 1
    run_flow(flow)
    # Then /a and /b each received it once, nobody else did
    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]
    for hook, path in ((a, "/a"), (b, "/b")):
        (request,) = receiver.on(path)
        # And an integrator verifies both signatures with the secret alone
        payload = verify_as_integrator(hook["secret"], request)
        assert payload == {"id": event.id, "event": "invoice.paid", "timestamp": event.timestamp,
                           "tenantId": manager.tenant_id, "data": {"invoiceId": "inv-1", "amount": 142.5}}
        assert request.headers["webhook-id"] == event.id
        assert request.headers["x-urbaneta-event"] == "invoice.paid"
        # And the delivery and its attempt are visible
        (delivery,) = deliveries(manager, hook["id"])
        assert delivery["status"] == "succeeded" and delivery["eventId"] == event.id
        assert delivery["id"] == request.headers["x-urbaneta-delivery"]
        (attempt,) = delivery["attempts"]
        assert attempt["attempt"] == 1 and attempt["status"] == "succeeded" and attempt["responseCode"] == 200
        assert attempt["latencyMs"] >= 0 and attempt["responseExcerpt"] == '{"ok":true}'
    # And a wrong secret does not verify
    with pytest.raises(Exception, match="signature"):
        StandardWebhook(b["secret"]).verify(receiver.on("/a")[0].body, receiver.on("/a")[0].headers)


def test_same_event_fanned_out_twice_is_delivered_once(flow, make_caller, receiver):
    # Given an endpoint and one event that reaches the queue twice (EventBridge and SQS are at-least-once)
    manager = make_caller("manager")
    subscribe(manager, receiver.url(), ["maintenance.created"])
    event = domain_event("maintenance.created", manager.tenant_id, {"id": "m-1"})
    publish([event])
    publish([event])
    # When both copies are processed
    run_flow(flow)
    # Then the endpoint received the event once
    assert len(receiver.requests) == 1


def test_failures_are_retried_with_the_same_webhook_id(flow, make_caller, receiver):
    # Given an endpoint that fails twice (500, then a timeout-like 503) before answering 204
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["payment.received"]).data
    receiver.script.extend([(500, {}), (503, {}), (204, {})])
    event = domain_event("payment.received", manager.tenant_id, {"paymentId": "p-1"})
    publish([event])
    # When the flow runs
    run_flow(flow)
    # Then three requests came with the same webhook-id and the same body, each validly signed
    assert [r.status for r in receiver.requests] == [500, 503, 204]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event.id}
    assert len({r.body for r in receiver.requests}) == 1
    for request in receiver.requests:
        verify_as_integrator(hook["secret"], request)
    # And every attempt is in the deliveries list
    (delivery,) = deliveries(manager, hook["id"])
    assert delivery["status"] == "succeeded" and delivery["attemptCount"] == 3
    assert [(a["attempt"], a["status"], a["responseCode"]) for a in delivery["attempts"]] == [
        (1, "failed", 500), (2, "failed", 503), (3, "succeeded", 204)]
    assert delivery["attempts"][0]["nextAttemptAt"]


def test_exhausted_retries_fail_the_delivery_and_keep_it_in_the_dlq(flow, make_caller, receiver):
    # Given an endpoint that always fails, and a schedule of 3 retries (4 attempts)
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["invoice.overdue"]).data
    receiver.script.extend([(500, {})] * 10)
    publish([domain_event("invoice.overdue", manager.tenant_id, {"invoiceId": "i-9"})])
    # When the flow runs
    run_flow(flow)
    # Then it was attempted 4 times and recorded failed
    assert len(receiver.requests) == 4
    (delivery,) = deliveries(manager, hook["id"])
    assert delivery["status"] == "failed" and delivery["attemptCount"] == 4
    assert "4 attempts" in delivery["failureReason"]
    # And its message is kept in the dead-letter queue; the delivery queue is empty
    dead = client("sqs").receive_message(QueueUrl=flow["WebhookDeliveryDLQ"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["deliveryId"] for m in dead] == [delivery["id"]]
    assert json.loads(dead[0]["Body"])["tenantId"] == manager.tenant_id
    assert not client("sqs").receive_message(QueueUrl=flow["WebhookDeliveryQueue"]).get("Messages")
    # When the endpoint recovers and an operator redrives the dead-letter queue
    receiver.script.clear()
    client("sqs").send_message(QueueUrl=flow["WebhookDeliveryQueue"], MessageBody=dead[0]["Body"])
    client("sqs").delete_message(QueueUrl=flow["WebhookDeliveryDLQ"], ReceiptHandle=dead[0]["ReceiptHandle"])
    run_flow(flow)
    # Then a new round delivers it: same webhook-id, attempt 5 succeeded
    assert len(receiver.requests) == 5 and receiver.requests[-1].status == 200
    assert receiver.requests[-1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
    (delivery,) = deliveries(manager, hook["id"])
    assert delivery["status"] == "succeeded" and delivery["attemptCount"] == 5


def test_410_disables_the_endpoint(flow, make_caller, receiver):
    # Given an endpoint that answers 410 Gone
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["*"]).data
    receiver.script.append((410, {}))
    publish([domain_event("reading.submitted", manager.tenant_id, {"readingId": "r-1"})])
    # When the flow runs
    run_flow(flow)
    # Then it was called once, the delivery failed without retries, and the endpoint is disabled
    assert len(receiver.requests) == 1
    (delivery,) = deliveries(manager, hook["id"])
    assert delivery["status"] == "failed" and delivery["attemptCount"] == 1
    got = call("webhooks", "GET", f"/webhooks/{hook['id']}", token=manager.token).data
    assert got["status"] == "disabled" and "410" in got["disabledReason"]
    # And later events are not sent to it, and a test is refused
    publish([domain_event("reading.submitted", manager.tenant_id, {"readingId": "r-2"})])
    run_flow(flow)
    assert len(receiver.requests) == 1
    assert call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token).status == 409


def test_429_honours_retry_after(flow, make_caller, receiver):
    # Given an endpoint that answers 429 with Retry-After: 120
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["*"]).data
    receiver.script.append((429, {"Retry-After": "120"}))
    call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    # When the worker makes the attempt
    seen: list[dict[str, Any]] = []

    def capture(params, **_):
        seen.append(params)

    sqs = client("sqs")
    messages = sqs.receive_message(QueueUrl=flow["WebhookDeliveryQueue"], MaxNumberOfMessages=10)["Messages"]
    sqs.meta.events.register("provide-client-params.sqs.ChangeMessageVisibility", capture)
    try:
        result = function_module("webhook_delivery_worker").handler(
            sqs_event("sqs/webhook_delivery", messages), LambdaContext())
    finally:
        sqs.meta.events.unregister("provide-client-params.sqs.ChangeMessageVisibility", capture)
        sqs.delete_message(QueueUrl=flow["WebhookDeliveryQueue"], ReceiptHandle=messages[0]["ReceiptHandle"])
    # Then the message is reported failed and hidden for 120 seconds, and the delivery waits until then
    assert result["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]
    assert [p["VisibilityTimeout"] for p in seen] == [120]
    (delivery,) = deliveries(manager, hook["id"])
    assert delivery["status"] == "pending" and delivery["attempts"][0]["responseCode"] == 429
    assert delivery["nextAttemptAt"] > delivery["attempts"][0]["at"]


def test_one_failing_delivery_never_redelivers_the_others(flow, make_caller, receiver):
    # Given two queued deliveries in one batch: /ok answers 200, /bad answers 500 once
    manager = make_caller("manager")
    ok_hook = subscribe(manager, receiver.url("/ok"), ["*"]).data
    bad_hook = subscribe(manager, receiver.url("/bad"), ["*"]).data
    receiver.by_path["/bad"] = [500]
    call("webhooks", "POST", f"/webhooks/{ok_hook['id']}/test", token=manager.token)
    call("webhooks", "POST", f"/webhooks/{bad_hook['id']}/test", token=manager.token)
    messages = client("sqs").receive_message(QueueUrl=flow["WebhookDeliveryQueue"], MaxNumberOfMessages=10,
                                             WaitTimeSeconds=0)["Messages"]
    assert len(messages) == 2
    # When the worker handles the batch
    result = function_module("webhook_delivery_worker").handler(
        sqs_event("sqs/webhook_delivery", messages), LambdaContext())
    # Then only the failing delivery's message is reported for retry
    by_hook = {json.loads(m["Body"])["webhookId"]: m for m in messages}
    assert result["batchItemFailures"] == [{"itemIdentifier": by_hook[bad_hook["id"]]["MessageId"]}]
    client("sqs").delete_message(QueueUrl=flow["WebhookDeliveryQueue"],
                                 ReceiptHandle=by_hook[ok_hook["id"]]["ReceiptHandle"])
    # And when the queue is worked again, only /bad is called again
    pump(flow["WebhookDeliveryQueue"], "webhook_delivery_worker", "sqs/webhook_delivery")
    assert len(receiver.on("/ok")) == 1 and [r.status for r in receiver.on("/bad")] == [500, 200]


# --- test event, redelivery, rotation, refusals at delivery time ------------------------------------------


def test_test_event_goes_only_to_that_endpoint(flow, make_caller, receiver):
    # Given two endpoints subscribed to invoices only
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url("/one"), ["invoice.sent"]).data
    subscribe(manager, receiver.url("/two"), ["invoice.sent"])
    # When a test is sent to the first
    res = call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    # Then it is accepted as a pending delivery, and only /one receives a signed webhook.test
    assert res.status == 202 and res.data["status"] == "pending" and res.data["event"] == "webhook.test"
    run_flow(flow)
    assert [r.path for r in receiver.requests] == ["/one"]
    payload = verify_as_integrator(hook["secret"], receiver.requests[0])
    assert payload["event"] == "webhook.test" and payload["data"]["webhookId"] == hook["id"]
    assert deliveries(manager, hook["id"])[0]["status"] == "succeeded"


def test_redelivery_sends_the_same_webhook_again(flow, make_caller, receiver):
    # Given a delivery that failed after its retries
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["invoice.created"]).data
    receiver.script.extend([(500, {})] * 4)
    event = domain_event("invoice.created", manager.tenant_id, {"invoiceId": "i-1"})
    publish([event])
    run_flow(flow)
    (failed,) = deliveries(manager, hook["id"])
    assert failed["status"] == "failed"
    # When it is redelivered
    res = call("webhooks", "POST", f"/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver", token=manager.token)
    assert res.status == 202 and res.data["status"] == "pending"
    # And redelivering it again while pending is refused
    again = call("webhooks", "POST", f"/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver",
                 token=manager.token)
    assert again.status == 409
    run_flow(flow)
    # Then the receiver got the same webhook-id and body once more, validly signed, and it succeeded
    assert len(receiver.requests) == 5
    last = receiver.requests[-1]
    assert last.status == 200 and last.headers["webhook-id"] == event.id and last.body == receiver.requests[0].body
    verify_as_integrator(hook["secret"], last)
    (done,) = deliveries(manager, hook["id"])
    assert done["status"] == "succeeded" and done["attemptCount"] == 5 and done["attempts"][-1]["attempt"] == 5
    # And an unknown delivery is 404
    assert call("webhooks", "POST", f"/webhooks/{hook['id']}/deliveries/{hook['id']}/redeliver",
                token=manager.token).status == 404


def test_rotation_signs_with_both_secrets_until_the_old_one_expires(flow, make_caller, receiver):
    # Given a webhook and its first secret
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["*"]).data
    old = hook["secret"]
    # When the secret is rotated (default grace of 24 hours)
    res = call("webhooks", "POST", f"/webhooks/{hook['id']}/rotate-secret", token=manager.token)
    # Then a new secret is shown once, and the old one's expiry is visible
    assert res.status == 200 and res.data["secret"].startswith("whsec_") and res.data["secret"] != old
    new = res.data["secret"]
    assert res.data["previousSecretExpiresAt"]
    assert "secret" not in call("webhooks", "GET", f"/webhooks/{hook['id']}", token=manager.token).data
    # And a delivery carries both signatures: integrators on either secret verify it
    call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    run_flow(flow)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert len(request.headers["x-urbaneta-signature"].split(",")) == 2
    verify_as_integrator(new, request)
    verify_as_integrator(old, request)
    # When it is rotated again with no grace
    newest = call("webhooks", "POST", f"/webhooks/{hook['id']}/rotate-secret", body={"graceHours": 0},
                  token=manager.token).data["secret"]
    call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    run_flow(flow)
    # Then only the newest secret signs
    request = receiver.requests[-1]
    verify_as_integrator(newest, request)
    with pytest.raises(Exception, match="signature"):
        StandardWebhook(new).verify(request.body, request.headers)
    # And a bad grace period is 422
    assert call("webhooks", "POST", f"/webhooks/{hook['id']}/rotate-secret", body={"graceHours": 1000},
                token=manager.token).status == 422


def test_address_is_checked_again_at_delivery(flow, make_caller, dns, no_connections):
    # Given a webhook whose host resolved to a public address when it was registered
    dns({"hooks.example.test": [PUBLIC_IP]})
    manager = make_caller("manager")
    hook = subscribe(manager, "https://hooks.example.test/in", ["*"]).data
    # When the name later resolves to the metadata address (DNS rebinding) and a delivery is attempted
    dns({"hooks.example.test": ["169.254.169.254"]})
    call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    results = pump(flow["WebhookDeliveryQueue"], "webhook_delivery_worker", "sqs/webhook_delivery", rounds=1)
    # Then no connection is made (no_connections), the attempt is recorded as refused and will be retried
    assert len(results[0]["batchItemFailures"]) == 1
    (delivery,) = deliveries(manager, hook["id"])
    (attempt,) = delivery["attempts"]
    assert attempt["status"] == "failed" and attempt["responseCode"] is None
    assert "metadata" in attempt["error"]


def test_redirects_are_not_followed_and_only_an_excerpt_is_kept(flow, make_caller, receiver):
    # Given an endpoint that answers a redirect with a large body
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url("/moved"), ["*"]).data
    receiver.body = b"x" * 50_000
    receiver.script.append((302, {"Location": receiver.url("/elsewhere")}))
    # When a delivery is attempted
    call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token)
    pump(flow["WebhookDeliveryQueue"], "webhook_delivery_worker", "sqs/webhook_delivery", rounds=1)
    # Then the redirect was not followed, the attempt failed with 302, and at most 1 KiB of the body was kept
    assert [r.path for r in receiver.requests] == ["/moved"]
    attempt = deliveries(manager, hook["id"])[0]["attempts"][0]
    assert attempt["responseCode"] == 302 and attempt["status"] == "failed"
    assert len(attempt["responseExcerpt"]) == 1024


def test_deliveries_list_is_paginated_newest_first(flow, make_caller, receiver):
    # Given three test deliveries
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url(), ["*"]).data
    made = [call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token).data["id"]
            for _ in range(3)]
    # When listed two at a time
    path = f"/webhooks/{hook['id']}/deliveries"
    first = call("webhooks", "GET", path, query={"limit": "2"}, token=manager.token)
    second = call("webhooks", "GET", path, query={"limit": "2", "cursor": first.json["nextCursor"]},
                  token=manager.token)
    # Then all three come once, newest first
    listed = [d["id"] for d in first.data + second.data]
    assert sorted(listed) == sorted(made) and listed == sorted(listed, reverse=True)
    # And the cursor does not work for another webhook's list
    other = subscribe(manager, receiver.url("/other"), ["*"]).data
    assert call("webhooks", "GET", f"/webhooks/{other['id']}/deliveries", query={"cursor": first.json["nextCursor"]},
                token=manager.token).status == 400


def test_patch_changes_an_endpoint_and_re_enables_a_disabled_one(flow, make_caller, receiver, dns, no_connections):
    # Given a webhook disabled by a 410
    manager = make_caller("manager")
    hook = subscribe(manager, receiver.url("/old"), ["invoice.paid"], description="ERP").data
    from urbaneta.store import webhooks as store

    store.disable_webhook(manager.tenant_id, hook["id"], "The endpoint answered 410 Gone.", now="2026-01-01T00:00:00Z")
    path = f"/webhooks/{hook['id']}"
    # When its events and description change and it is re-enabled
    res = call("webhooks", "PATCH", path, body={"events": ["*"], "description": None, "status": "active"},
               token=manager.token)
    # Then it is active again with the new subscription, without a description or a disabled reason
    assert res.status == 200, res
    assert res.data["status"] == "active" and res.data["events"] == ["*"]
    assert res.data["description"] is None and res.data["disabledReason"] is None
    assert res.data["url"] == receiver.url("/old") and "secret" not in res.data
    # And an unsafe URL, an unknown event, an empty change, a null url or an unknown field change nothing (422)
    dns({"evil.example.test": ["10.0.0.1"]})
    for body in ({"url": "https://evil.example.test/"}, {"events": ["nope.nope"]}, {}, {"url": None},
                 {"secret": "x"}):
        bad = call("webhooks", "PATCH", path, body=body, token=manager.token)
        assert bad.status == 422, (body, bad)
    assert call("webhooks", "GET", path, token=manager.token).data == res.data
    # And another tenant gets 404, a resident 403
    assert call("webhooks", "PATCH", path, body={"status": "disabled"}, token=make_caller().token).status == 404
    resident = make_caller("resident", tenant_id=manager.tenant_id)
    assert call("webhooks", "PATCH", path, body={"status": "disabled"}, token=resident.token).status == 403
    # When a user disables it / Then events are no longer sent to it
    off = call("webhooks", "PATCH", path, body={"status": "disabled"}, token=manager.token)
    assert off.status == 200 and off.data["status"] == "disabled" and off.data["disabledReason"]


def test_an_organisation_has_at_most_20_webhooks(flow, make_caller, receiver):
    # Given an organisation with 20 webhooks
    manager = make_caller("manager")
    ids = [subscribe(manager, receiver.url(f"/{i}"), ["*"]).data["id"] for i in range(20)]
    # When a 21st is subscribed / Then it is 409 and not created
    over = subscribe(manager, receiver.url("/21"), ["*"])
    assert over.status == 409 and "20" in over.error["message"]
    listed = call("webhooks", "GET", "/webhooks", query={"limit": "100"}, token=manager.token).data
    assert len(listed) == 20
    # When one is deleted / Then there is room for one more
    assert call("webhooks", "DELETE", f"/webhooks/{ids[0]}", token=manager.token).status == 204
    assert subscribe(manager, receiver.url("/21"), ["*"]).status == 201
    assert subscribe(manager, receiver.url("/22"), ["*"]).status == 409
