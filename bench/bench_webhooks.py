"""Webhooks: 1,000 events to 3 endpoints on a local receiver that fails 30 % of requests (503), run through
the real path — PutEvents on the bus → the template's rule → WebhookEventsQueue → fan-out function →
WebhookDeliveryQueue → delivery worker → HTTP — on moto in-process, with this process playing Lambda's SQS
poller (batches of 10, partial batch failures, DeleteMessageBatch). Checks that every event reached every
endpoint, every signature verifies, nothing is lost or dead-lettered; prints delivery lag p50/p99 and SQS and
HTTP calls per delivery. Baseline: the same run (fewer events) against a receiver that never fails.

The retry schedule is shortened to seconds (WEBHOOK_RETRY_SCHEDULE) so the run takes under a minute; the
deployed schedule only stretches the waits, not the calls."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.common import ROOT, Figure, percentile, quick, report

warnings.filterwarnings("ignore", message="No application metrics to publish")

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

SCHEDULE = "1,1,1,2,2,2,3,3,3,5,5,5"  # 13 attempts: P(13 failures in a row at 30 %) ≈ 1.6e-7
ENDPOINTS = 3


@dataclass
class Run:
    events: int
    deliveries: int
    http_requests: int
    sqs_calls: Counter[str]
    lags: list[float]
    duplicates: int
    seconds: float


def _environment() -> Any:
    from tests.support import start_emulated_aws

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    _mock, names, _env = start_emulated_aws("urbaneta-bench", extra_env={"WEBHOOK_RETRY_SCHEDULE": SCHEDULE})
    return names


def _queue(names: Any, logical: str) -> str:
    return names.physical[logical]


def _caller() -> str:
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token
    from urbaneta.clock import new_id

    principal = create_session(new_id(), new_id(), Role.OWNER)
    return issue_access_token(principal)


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    from standardwebhooks import Webhook

    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in headers["x-urbaneta-signature"].split(",")):
        return False
    try:
        Webhook(secret).verify(body, headers)
    except Exception:
        return False
    return True


def run(names: Any, *, events: int, fail_rate: float, seed: int) -> Run:
    from tests.support import LambdaContext, call, function_module, load_event
    from tests.webhook_receiver import Receiver
    from urbaneta.adapters.aws import client
    from urbaneta.adapters.events import domain_event, publish

    sqs = client("sqs")
    secrets: dict[str, str] = {}
    # signatures are verified when each request arrives, as an integrator does (Standard Webhooks refuses
    # timestamps older than 5 minutes, so a check after the run would judge the clock, not the signature)
    receiver = Receiver(fail_rate=fail_rate, seed=seed,
                        check=lambda path, headers, body: _verify(secrets[path], headers, body)).start()
    token = _caller()
    for i in range(ENDPOINTS):
        res = call("webhooks", "POST", "/webhooks", body={"url": receiver.url(f"/endpoint-{i}"), "events": ["*"]},
                   token=token)
        assert res.status == 201, res
        secrets[f"/endpoint-{i}"] = res.data["secret"]
    from urbaneta.auth.tokens import authenticate

    tenant = authenticate(f"Bearer {token}").tenant_id

    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        calls[event_name.split(".")[-1]] += 1

    sqs.meta.events.register("before-call.sqs.*", count)
    published: dict[str, float] = {}
    started = time.perf_counter()
    pending = [domain_event("invoice.paid", tenant, {"invoiceId": f"inv-{n}", "amountCents": 14250 + n})
               for n in range(events)]

    def publish_next() -> None:
        """A steady stream: 10 events (one PutEvents) per poller round."""
        chunk = [pending.pop(0) for _ in range(min(10, len(pending)))]
        if chunk:
            now = time.perf_counter()
            published.update({e.id: now for e in chunk})
            publish(chunk)

    record = load_event("sqs/webhook_delivery")["Records"][0]

    def poll(queue: str, function: str) -> int:
        """One receive → invoke → delete round of Lambda's poller; returns the messages handled."""
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return 0
        records = [{**record, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
                   for m in messages]
        with contextlib.redirect_stdout(io.StringIO()):  # the functions' EMF metric lines
            result = function_module(function).handler({"Records": records}, LambdaContext())
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=queue, Entries=done)
        return len(messages)

    events_queue, delivery_queue = _queue(names, "WebhookEventsQueue"), _queue(names, "WebhookDeliveryQueue")
    expected = events * ENDPOINTS
    deadline = time.perf_counter() + 1800
    next_note = time.perf_counter() + 15
    while time.perf_counter() < deadline:
        publish_next()
        handled = poll(events_queue, "webhook_fanout")
        for _ in range(8):  # the delivery poller keeps up with the stream (Lambda would add concurrency)
            batch_size = poll(delivery_queue, "webhook_delivery_worker")
            handled += batch_size
            if batch_size < 10:
                break
        succeeded = {(json.loads(r.body)["id"], r.path) for r in receiver.requests if 200 <= r.status < 300}
        if len(succeeded) >= expected:
            break
        if time.perf_counter() >= next_note:
            print(f"  {len(succeeded)}/{expected} delivered, {len(receiver.requests)} requests, "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            next_note = time.perf_counter() + 15
        if not handled:
            time.sleep(0.05)  # only retries hidden until their next attempt remain
    seconds = time.perf_counter() - started
    sqs.meta.events.unregister("before-call.sqs.*", count)
    receiver.stop()

    first_success: dict[tuple[str, str], float] = {}
    success_counts: Counter[tuple[str, str]] = Counter()
    bad_signatures = 0
    for r in receiver.requests:
        if r.valid is not True:
            bad_signatures += 1
        if 200 <= r.status < 300:
            key = (json.loads(r.body)["id"], r.path)
            success_counts[key] += 1
            first_success.setdefault(key, r.at)
    dead = sqs.get_queue_attributes(QueueUrl=_queue(names, "WebhookDeliveryDLQ"),
                                    AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    missing = expected - len(first_success)
    assert bad_signatures == 0, f"{bad_signatures} requests with an invalid signature"
    assert missing == 0, f"{missing} deliveries never succeeded"
    assert dead["ApproximateNumberOfMessages"] == "0", "deliveries were dead-lettered"
    lags = [at - published[event_id] for (event_id, _), at in first_success.items()]
    return Run(events, expected, len(receiver.requests), calls, lags,
               sum(c - 1 for c in success_counts.values()), seconds)


def main() -> None:
    names = _environment()
    events = 100 if quick() else 1000
    baseline = run(names, events=max(50, events // 4), fail_rate=0.0, seed=1)
    main_run = run(names, events=events, fail_rate=0.3, seed=2)

    def per(r: Run, *ops: str) -> float:
        return sum(r.sqs_calls[o] for o in ops) / r.deliveries if ops else sum(r.sqs_calls.values()) / r.deliveries

    worker_ops = ("SendMessageBatch", "ChangeMessageVisibility", "SendMessage")
    figures = [
        Figure("webhooks", f"delivery lag p50 ({main_run.events} events x {ENDPOINTS}, 30% fail)",
               percentile(main_run.lags, 50) * 1000, "ms", percentile(baseline.lags, 50) * 1000),
        Figure("webhooks", "delivery lag p99", percentile(main_run.lags, 99) * 1000, "ms",
               percentile(baseline.lags, 99) * 1000, f"retry waits {SCHEDULE} s"),
        Figure("webhooks", "HTTP requests per delivery", main_run.http_requests / main_run.deliveries, "requests",
               baseline.http_requests / baseline.deliveries, "1/(1-0.3) = 1.43"),
        Figure("webhooks", "SQS calls per delivery (all)", per(main_run), "calls", per(baseline)),
        Figure("webhooks", "SQS calls per delivery (functions)", per(main_run, *worker_ops), "calls",
               per(baseline, *worker_ops)),
        Figure("webhooks", "duplicate successful requests", main_run.duplicates, "requests", None, "0"),
        Figure("webhooks", "deliveries per second", main_run.deliveries / main_run.seconds, "1/s",
               baseline.deliveries / baseline.seconds),
    ]
    print(f"delivered {main_run.deliveries}/{main_run.deliveries} with valid signatures, none dead-lettered; "
          f"{main_run.http_requests} HTTP requests; SQS calls: {dict(main_run.sqs_calls)}")
    report("webhooks", figures)


if __name__ == "__main__":
    main()
