"""The local stack end to end, over HTTP: routing as API Gateway does, the event the functions receive, the
mailbox, schedules on demand, rules delivering to functions and queues, and the SQS pump's batch semantics
(partial failures, redelivery, dead-letter queue) against the stack's own moto server."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest

from local.pumps import SqsPump

pytestmark = pytest.mark.e2e

PDF_START = b"%PDF-1.4"


def eventually(probe: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll until ``probe()`` returns something truthy (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def mail_to(stack, address: str) -> list[dict[str, Any]]:
    return [m for m in stack.mail() if address in m["to"]]


def address() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}@urbaneta.example"


# ------------------------------------------------------------------------------------------------ routing


def test_request_reaches_the_function_as_an_http_api_v2_event(http):
    # Given a route ANY /api/_e2e/echo/{id} of the probe function
    # When a request with an encoded path parameter, a repeated query key, cookies and a header arrives
    r = http.get("/api/_e2e/echo/abc%20d?x=1&x=2&y=%C3%B5&empty=",
                 headers={"X-Custom-Thing": "Yes", "Cookie": "a=1; b=2"})

    # Then the function receives the event API Gateway would build
    assert r.status_code == 200
    event = r.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /api/_e2e/echo/{id}"
    assert event["rawPath"] == "/api/_e2e/echo/abc%20d"
    assert event["rawQueryString"] == "x=1&x=2&y=%C3%B5&empty="
    assert event["queryStringParameters"] == {"x": "1,2", "y": "õ", "empty": ""}
    assert event["pathParameters"] == {"id": "abc d"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-custom-thing"] == "Yes"
    assert "cookie" not in event["headers"]
    assert all(k == k.lower() for k in event["headers"])
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "GET"
    assert ctx["http"]["path"] == "/api/_e2e/echo/abc%20d"
    assert ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["routeKey"] == event["routeKey"]
    uuid.UUID(ctx["requestId"])
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    assert r.json()["functionName"].endswith("-E2eProbeFunction")


def test_every_request_gets_a_fresh_request_id(http):
    # Given two identical requests / When both are served / Then their request ids differ
    first = http.get("/api/_e2e/echo/1").json()["event"]["requestContext"]["requestId"]
    second = http.get("/api/_e2e/echo/1").json()["event"]["requestContext"]["requestId"]
    assert first != second


def test_exact_route_beats_parameter_and_greedy_route(http):
    # Given GET /api/_e2e/echo/exact, ANY /api/_e2e/echo/{id} and ANY /api/_e2e/echo/{id}/{proxy+}
    # When each shape of path is requested
    exact = http.get("/api/_e2e/echo/exact").json()["event"]
    param = http.get("/api/_e2e/echo/other").json()["event"]
    greedy = http.delete("/api/_e2e/echo/7/a/b%2Fc/d").json()["event"]
    post_exact = http.post("/api/_e2e/echo/exact").json()["event"]

    # Then the most specific route wins, and a method the exact route lacks falls to the parameter route
    assert exact["routeKey"] == "GET /api/_e2e/echo/exact"
    assert "pathParameters" not in exact
    assert param["routeKey"] == "ANY /api/_e2e/echo/{id}"
    assert greedy["routeKey"] == "ANY /api/_e2e/echo/{id}/{proxy+}"
    assert greedy["pathParameters"] == {"id": "7", "proxy": "a/b/c/d"}
    assert greedy["requestContext"]["http"]["method"] == "DELETE"
    assert post_exact["routeKey"] == "ANY /api/_e2e/echo/{id}"
    assert post_exact["pathParameters"] == {"id": "exact"}


def test_text_bodies_arrive_as_text_and_binary_bodies_as_base64(http):
    # Given a JSON body and a binary body
    text = http.post("/api/_e2e/echo/1", json={"name": "Õunapuu"}).json()["event"]
    raw = bytes(range(256))
    binary = http.post("/api/_e2e/echo/1", content=raw,
                       headers={"Content-Type": "application/octet-stream"}).json()["event"]

    # Then the JSON arrives as text and the bytes base64-encoded, flagged as such
    assert text["isBase64Encoded"] is False
    assert json.loads(text["body"]) == {"name": "Õunapuu"}
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == raw


def test_a_base64_response_is_decoded_with_its_headers_and_cookies(http):
    # When a function answers a PDF, base64-encoded, with a cookie
    r = http.get("/api/_e2e/binary")

    # Then the client receives the bytes themselves
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(PDF_START)
    assert r.headers["set-cookie"] == "probe=1; Path=/"


def test_a_handler_that_raises_is_an_internal_server_error(http):
    # When the function raises / Then API Gateway's own 500 answer
    r = http.get("/api/_e2e/boom")
    assert r.status_code == 500
    assert r.json() == {"message": "Internal Server Error"}


def test_unknown_api_route_is_a_json_404(http):
    # Given no function declares this path (the docs function's catch-all takes it)
    r = http.get(f"/api/no-such-thing-{uuid.uuid4().hex[:8]}")

    # Then a JSON 404 with the error body
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == "NOT_FOUND"


def test_a_path_outside_every_route_gets_api_gateways_404(http):
    # Given a path no route of the HTTP API matches / Then API Gateway's own answer
    r = http.get("/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}


def test_unknown_local_endpoint_is_a_json_404(http):
    r = http.get("/_local/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"


# ------------------------------------------------------------------------------------------------ mailbox


def test_mailbox_shows_mail_sent_through_the_apps_mail_adapter(stack, http):
    # Given a recipient nobody else writes to
    to = address()

    # When the app sends two e-mails, the first with a PDF attached
    pdf = PDF_START + b"\n" + b"x" * 100
    first = http.post("/api/_e2e/mail", json={
        "to": [to], "subject": "Arve nr 1 — Õunapuu 7, dzīvoklis Nr. 3", "text": "Tere! Žinutė ąčęėįšųūž.",
        "attachments": [{"filename": "arve-1.pdf", "contentType": "application/pdf",
                         "content": base64.b64encode(pdf).decode()}]})
    second = http.post("/api/_e2e/mail", json={"to": [to], "subject": "second", "text": "2"})
    assert first.status_code == 201 and second.status_code == 201

    # Then the mailbox lists both, oldest first, decoded, with the attachment described
    mails = mail_to(stack, to)
    assert [m["subject"] for m in mails] == ["Arve nr 1 — Õunapuu 7, dzīvoklis Nr. 3", "second"]
    assert mails[0]["id"] == first.json()["data"]["messageId"]
    assert mails[0]["to"] == [to]
    assert mails[0]["text"].strip() == "Tere! Žinutė ąčęėįšųūž."
    assert mails[0]["attachments"] == [{"filename": "arve-1.pdf", "contentType": "application/pdf",
                                        "size": len(pdf)}]
    assert mails[1]["attachments"] == []


def test_mailbox_can_be_emptied(stack, http):
    # Given a sent e-mail
    to = address()
    http.post("/api/_e2e/mail", json={"to": [to], "subject": "s", "text": "t"})
    assert mail_to(stack, to)

    # When the mailbox is emptied
    r = http.delete("/_local/mail")

    # Then the mail is gone
    assert r.status_code == 204
    assert mail_to(stack, to) == []


# ------------------------------------------------------------------------------------------------ schedules


def test_a_schedule_fired_on_demand_receives_the_given_time(stack):
    # When the probe's schedule is fired with a chosen time
    result = stack.fire_schedule("e2e-scheduled-function", "2026-01-31T06:00:00Z")

    # Then its function ran with a Scheduled Event of that time
    assert result["time"] == "2026-01-31T06:00:00Z"
    assert result["detailType"] == "Scheduled Event"
    assert result["source"] == "aws.events"
    assert result["resources"][0].startswith("arn:aws:events:")


def test_a_schedule_answers_to_its_short_name_and_normalises_the_time(http):
    # When fired by the alias without "-function", with an offset time
    r = http.post("/_local/schedules/e2e-scheduled", json={"time": "2026-03-01T02:30:00+02:00"})

    # Then the time arrives in UTC
    assert r.status_code == 200
    assert r.json()["data"]["time"] == "2026-03-01T00:30:00Z"


def test_a_schedule_fired_without_a_time_gets_now(http):
    r = http.post("/_local/schedules/e2e-scheduled")
    assert r.status_code == 200
    fired = r.json()["data"]["time"]
    assert fired.endswith("Z") and len(fired) == len("2026-01-31T06:00:00Z")


def test_schedules_are_listed(http):
    r = http.get("/_local/schedules")
    assert r.status_code == 200
    probe = next(s for s in r.json()["data"] if s["function"] == "E2eScheduledFunction")
    assert probe["name"] == "e2e-scheduled-function"
    assert "e2e-scheduled" in probe["aliases"]
    assert probe["schedule"] == "cron(0 6 * * ? *)"


def test_an_unknown_schedule_is_a_json_404(http):
    r = http.post("/_local/schedules/no-such-schedule", json={"time": "2026-01-31T06:00:00Z"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert "e2e-scheduled-function" in r.json()["error"]["message"]


@pytest.mark.parametrize("body, field", [
    ({"time": "31.01.2026"}, "time"),
    ({"time": "2026-01-31T06:00:00"}, "time"),  # no zone
    ({"time": 1769839200}, "time"),
    ({"when": "2026-01-31T06:00:00Z"}, "when"),
])
def test_a_bad_schedule_body_is_a_422_naming_the_field(http, body, field):
    r = http.post("/_local/schedules/e2e-scheduled", json=body)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["error"]["errors"]] == [field]


def test_a_schedule_body_that_is_not_json_is_a_400(http):
    r = http.post("/_local/schedules/e2e-scheduled", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


# ------------------------------------------------------------------------------------------------ EventBridge


def test_a_rule_delivers_matching_events_to_its_function_target(stack, http):
    # Given the probe's EventBridgeRule on the bus for detail-type e2e.direct
    to, marker = address(), uuid.uuid4().hex

    # When the app publishes a matching domain event
    r = http.post("/api/_e2e/publish", json={"detailType": "e2e.direct", "tenantId": "t-e2e",
                                             "data": {"to": to, "marker": marker}})
    assert r.status_code == 202

    # Then the function is invoked with the EventBridge event (it reports by e-mail)
    mail = eventually(lambda: mail_to(stack, to), "the bus function ran")[0]
    assert mail["subject"] == f"bus {marker}"
    event = json.loads(mail["text"])
    assert event["detail-type"] == "e2e.direct"
    assert event["source"] == "urbaneta.api"
    assert {"version", "id", "account", "time", "region", "resources", "detail"} <= set(event)
    assert event["detail"]["tenantId"] == "t-e2e"
    assert event["detail"]["event"] == "e2e.direct"
    assert event["resources"] == ["urbaneta:tenant/t-e2e"]


def test_a_rule_does_not_deliver_events_its_pattern_does_not_match(stack, http):
    # Given an event of another detail-type, published before a matching one
    to = address()
    http.post("/api/_e2e/publish", json={"detailType": "e2e.unmatched", "data": {"to": to, "marker": "no"}})
    http.post("/api/_e2e/publish", json={"detailType": "e2e.direct", "data": {"to": to, "marker": "yes"}})

    # Then only the matching one reaches the function
    # (had the first matched, the relay would have delivered it first: moto delivers at PutEvents time)
    eventually(lambda: mail_to(stack, to), "the matching event arrived")
    assert [m["subject"] for m in mail_to(stack, to)] == ["bus yes"]


def test_a_rule_feeds_its_queue_and_the_pump_feeds_the_worker(stack, http):
    # Given the probe's AWS::Events::Rule -> E2eProbeQueue -> E2eWorkerFunction (SQS event)
    to, marker = address(), uuid.uuid4().hex

    # When a matching event is published
    http.post("/api/_e2e/publish", json={"detailType": "e2e.queued", "data": {"to": to, "marker": marker}})

    # Then the worker received it in an SQS event from that queue
    mail = eventually(lambda: mail_to(stack, to), "the worker ran")[0]
    assert mail["subject"] == f"queue {marker}"
    record = json.loads(mail["text"])
    assert record["receiveCount"] == "1"
    assert record["eventSourceARN"].endswith(":urbaneta-local-E2eProbeQueue")


def test_a_message_the_worker_keeps_failing_lands_in_the_dead_letter_queue(stack, http):
    # Given the worker reports the message as failed every time (maxReceiveCount 2, visibility 1 s)
    marker = uuid.uuid4().hex
    http.post("/api/_e2e/publish", json={"detailType": "e2e.queued",
                                         "data": {"to": address(), "marker": marker, "fail": True}})
    sqs = boto3.client("sqs", endpoint_url=stack.moto_url, region_name="eu-north-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    dlq = sqs.get_queue_url(QueueName="urbaneta-local-E2eProbeDeadLetterQueue")["QueueUrl"]

    # Then it ends up in the dead-letter queue
    def in_dlq() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                  MessageSystemAttributeNames=["All"]).get("Messages", [])
        return [m for m in got if json.loads(m["Body"])["detail"]["data"]["marker"] == marker]

    moved = eventually(in_dlq, "the message reached the DLQ")
    assert int(moved[0]["Attributes"]["ApproximateReceiveCount"]) >= 2


# ------------------------------------------------------------------------------------------------ the pump


@pytest.fixture
def sqs(stack):
    return boto3.client("sqs", endpoint_url=stack.moto_url, region_name="eu-north-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def make_queue(sqs, *, visibility: int = 1, max_receive: int | None = None) -> tuple[str, str, str | None]:
    """(url, arn, dead-letter queue url) of fresh queues."""
    name = f"pump-{uuid.uuid4().hex[:12]}"
    attrs = {"VisibilityTimeout": str(visibility)}
    dlq_url = None
    if max_receive:
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attrs["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive})
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq_url


def queue_depth(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_pump_partial_batch_failure_redelivers_only_the_failed_message(sqs):
    # Given a queue with three messages and a handler that fails "b" on its first delivery only
    url, arn, _ = make_queue(sqs, visibility=1)
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            seen.append((record["body"], record["attributes"]["ApproximateReceiveCount"]))
            assert record["eventSourceARN"] == arn and record["eventSource"] == "aws:sqs"
            if record["body"] == "b" and record["attributes"]["ApproximateReceiveCount"] == "1":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    pump = SqsPump(sqs=sqs, queue_url=url, queue_arn=arn, handler=handler, batch_size=10, report_failures=True)

    # When the pump delivers the batch
    first = pump.poll_once()

    # Then two messages are deleted and "b" comes back after the visibility timeout, alone
    assert first is not None and (first.received, first.deleted, first.failed) == (3, 2, 1)
    again = eventually(pump.poll_once, "b came back")
    assert (again.received, again.deleted, again.failed) == (1, 1, 0)
    assert sorted(seen) == [("a", "1"), ("b", "1"), ("b", "2"), ("c", "1")]
    assert queue_depth(sqs, url) == 0


def test_pump_moves_a_message_failing_max_receive_count_times_to_the_dlq(sqs):
    # Given a queue whose redrive policy allows 3 receives, and a handler that always raises
    url, arn, dlq_url = make_queue(sqs, visibility=0, max_receive=3)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    calls: list[str] = []

    def handler(event: dict[str, Any]) -> None:
        calls.extend(r["attributes"]["ApproximateReceiveCount"] for r in event["Records"])
        raise RuntimeError("cannot process")

    # When the pump runs in its thread until the message has left the queue
    pump = SqsPump(sqs=sqs, queue_url=url, queue_arn=arn, handler=handler, batch_size=5).start()
    try:
        moved = eventually(lambda: sqs.receive_message(QueueUrl=dlq_url, VisibilityTimeout=0).get("Messages"),
                           "the message reached the DLQ")
    finally:
        pump.stop()

    # Then the handler saw it exactly maxReceiveCount times, and the DLQ holds it; the pump stopped
    assert calls == ["1", "2", "3"]
    assert moved[0]["Body"] == "poison"
    assert queue_depth(sqs, url) == 0
    assert not pump.running


def test_pump_without_reported_failures_deletes_the_batch_when_the_handler_returns(sqs):
    # Given a function that does not report item failures and answers something that names one
    url, arn, _ = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    pump = SqsPump(sqs=sqs, queue_url=url, queue_arn=arn, report_failures=False,
                   handler=lambda e: {"batchItemFailures": [{"itemIdentifier": e["Records"][0]["messageId"]}]})

    # When the batch is delivered / Then every message is deleted, as Lambda does without the setting
    outcome = pump.poll_once()
    assert outcome is not None and outcome.deleted == 1
    assert queue_depth(sqs, url) == 0


def test_pump_treats_a_malformed_failure_report_as_a_failed_batch(sqs):
    # Given a handler answering an itemIdentifier that is not in the batch
    url, arn, _ = make_queue(sqs, visibility=30)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.send_message(QueueUrl=url, MessageBody="y")
    pump = SqsPump(sqs=sqs, queue_url=url, queue_arn=arn, batch_size=2,
                   handler=lambda e: {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]})

    # When the batch is delivered / Then nothing is deleted
    outcome = pump.poll_once()
    assert outcome is not None and (outcome.received, outcome.deleted, outcome.failed) == (2, 0, 2)
    assert queue_depth(sqs, url) == 2


def test_pump_gathers_up_to_its_batch_size(sqs):
    # Given 25 messages and a batch size of 12
    url, arn, _ = make_queue(sqs)
    for start in range(0, 25, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)}
                                                      for i in range(start, min(start + 10, 25))])
    sizes: list[int] = []
    pump = SqsPump(sqs=sqs, queue_url=url, queue_arn=arn, batch_size=12, window_seconds=1,
                   handler=lambda e: sizes.append(len(e["Records"])))

    # When the pump delivers until every message was handled
    eventually(lambda: pump.poll_once() is None and sum(sizes) >= 25, "every message was delivered")

    # Then no batch was larger than 12, and the first one was full
    assert max(sizes) <= 12
    assert sizes[0] == 12
    assert queue_depth(sqs, url) == 0


# ------------------------------------------------------------------------------------------------ make dev


@pytest.mark.slow
def test_make_dev_seeds_the_demo_organisation_through_the_api_and_stops_cleanly():
    from local.seed import APARTMENTS, DEMO_EMAIL, DEMO_PASSWORD, seed
    from local.stack import spawn_stack

    # Given the stack as make dev starts it (with the seed), in a process of its own
    dev = spawn_stack(seed=True, timeout=180)
    try:
        # Then the banner names the URL, the docs and the demo login, and the seed warned about nothing
        console = dev.log()
        assert f"{dev.api_url}/docs" in console
        assert f"demo login     {DEMO_EMAIL} / {DEMO_PASSWORD}" in console
        assert "WARNING" not in console

        # And the demo organisation is there, through the API
        import httpx

        with httpx.Client(base_url=dev.api_url, timeout=60) as api:
            login = api.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            assert login.status_code == 200
            auth = {"Authorization": f"Bearer {login.json()['data']['accessToken']}"}
            (building,) = api.get("/buildings", headers=auth).json()["data"]
            assert building["name"] == "Õunapuu 7"
            apartments = api.get(f"/buildings/{building['id']}/apartments", headers=auth).json()["data"]
            assert sorted(a["ownerName"] for a in apartments) == sorted(a["ownerName"] for a in APARTMENTS)
            meters = api.get("/meters", params={"buildingId": building["id"]}, headers=auth).json()["data"]
            assert len(meters) == 2 * len(APARTMENTS)

        # When the seed runs again / Then it changes nothing
        assert seed(dev.api_url).skipped
    finally:
        # And Ctrl-C stops it with exit code 0
        assert dev.stop() == 0


# ------------------------------------------------------------------------------------------- AWS quotas


def test_the_emulator_refuses_what_aws_would_refuse(stack):
    # Given the stack's table and bus, reached as a function reaches them
    from botocore.exceptions import ClientError

    env = stack.environments["InvoicesFunction"]
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="eu-north-1")
    ddb = session.client("dynamodb", endpoint_url=stack.moto_url)
    events = session.client("events", endpoint_url=stack.moto_url)
    items = [{"PutRequest": {"Item": {"PK": {"S": f"QUOTA#{uuid.uuid4()}"}, "SK": {"S": "X"}}}} for _ in range(26)]
    # When a batch write carries 26 items / Then it is refused, and nothing of it is written
    with pytest.raises(ClientError) as refused:
        ddb.batch_write_item(RequestItems={env["TABLE_NAME"]: items})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Item" not in ddb.get_item(TableName=env["TABLE_NAME"], Key=items[0]["PutRequest"]["Item"])
    # When PutEvents carries more than 256 KB of entries / Then it is refused
    entry = {"Source": "urbaneta.api", "DetailType": "e2e.quota", "EventBusName": env["EVENT_BUS_NAME"],
             "Detail": json.dumps({"blob": "x" * 150_000})}
    with pytest.raises(ClientError) as too_big:
        events.put_events(Entries=[entry, entry])
    assert too_big.value.response["Error"]["Code"] == "ValidationException"


def test_a_post_to_a_stored_object_is_refused_as_s3_refuses_it(stack):
    # Given an object in the documents bucket, reached as any HTTP client reaches a presigned URL
    env = stack.environments["InvoicesFunction"]
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="eu-north-1")
    s3 = session.client("s3", endpoint_url=stack.moto_url)
    key = f"e2e/{uuid.uuid4()}.txt"
    s3.put_object(Bucket=env["DOCUMENTS_BUCKET"], Key=key, Body=b"kept")
    # When something POSTs to a presigned link of it (a webhook endpoint pointed at one, for example)
    link = s3.generate_presigned_url("get_object", Params={"Bucket": env["DOCUMENTS_BUCKET"], "Key": key})
    answer = httpx.post(link, content=b"{}", timeout=10)
    # Then the emulator answers as S3 does (405), not with an error of its own, and the object is unchanged
    assert answer.status_code == 405
    assert b"MethodNotAllowed" in answer.content
    assert s3.get_object(Bucket=env["DOCUMENTS_BUCKET"], Key=key)["Body"].read() == b"kept"
