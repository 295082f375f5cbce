"""Batch calls stay within AWS's limits by count and by bytes: SQS (10 messages, 1 MiB together), EventBridge
(10 entries, 256 KB together). moto refuses a SendMessageBatch over the queue's maximum size and the local stack's
limits (local/limits.py) refuse a PutEvents over 256 KB, so an unbounded batch fails here."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.invoicing_helpers import receive_all
from tests.support import count_calls, unique


def test_messages_that_together_exceed_a_batchs_bytes_go_in_several_batches(aws):
    # Given 12 messages of about 300 KB each (3.6 MB together: over SQS's 1 MiB per batch)
    from urbaneta.adapters.queues import send_all

    bodies = [{"n": n, "pad": "x" * 300_000} for n in range(12)]
    # When they are sent
    with count_calls("sqs") as counter:
        calls = send_all(os.environ["INVOICE_GENERATION_QUEUE_URL"], bodies)
    # Then every batch kept under the limit (3 messages each: 4 calls), and all 12 arrived once
    assert calls == counter.count("SendMessageBatch") == 4
    got = sorted(json.loads(m["Body"])["n"] for m in receive_all("INVOICE_GENERATION_QUEUE_URL"))
    assert got == list(range(12))


def test_small_messages_still_go_ten_to_a_batch(aws):
    from urbaneta.adapters.queues import send_all

    with count_calls("sqs") as counter:
        send_all(os.environ["INVOICE_GENERATION_QUEUE_URL"], [{"n": n} for n in range(25)])
    assert counter.count("SendMessageBatch") == 3
    assert len(receive_all("INVOICE_GENERATION_QUEUE_URL")) == 25


def test_a_message_that_can_never_be_sent_is_refused_before_any_call(aws):
    from urbaneta.adapters.queues import send_all

    with count_calls("sqs") as counter, pytest.raises(ValueError, match="over the 1048576-byte limit"):
        send_all(os.environ["INVOICE_GENERATION_QUEUE_URL"], [{"pad": "x" * (1024 * 1024)}])
    assert counter.count() == 0


def test_events_that_together_exceed_256_kb_go_in_several_calls(aws):
    # Given 10 events of about 60 KB each (600 KB together)
    from urbaneta.adapters.events import PUT_EVENTS_BYTES, domain_event, entry_size, publish
    from urbaneta.adapters.events import _entry as wire
    from urbaneta.domain.events.webhooks import WebhookTest

    tenant = unique("t")
    data = WebhookTest(webhook_id="w1", url="https://erp.example.ee/" + "x" * 60_000)
    events = [domain_event("webhook.test", tenant, data) for _ in range(10)]
    assert sum(entry_size(wire(e)) for e in events) > PUT_EVENTS_BYTES
    # When they are published / Then each call stays under the limit: 3 calls (4 + 4 + 2)
    with count_calls("events") as counter:
        assert publish(events) == counter.count("PutEvents") == 3


def test_a_jobs_error_list_stops_growing_while_its_counts_stay_exact(aws, monkeypatch):
    # Given a job of 40 chunks, each with 3 failed items, and a cap of 10 kept errors
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.jobs import Job
    from urbaneta.store import jobs

    monkeypatch.setattr(jobs, "MAX_ERRORS", 10)
    now = now_iso()
    job = Job(id=new_id(), tenant_id=unique("t"), type="invoice_sending", status="queued", created_at=now,
              updated_at=now)
    jobs.create_job(job)
    # When every chunk reports its errors (one chunk twice: a redelivery)
    for chunk in [*range(40), 7]:
        errors = [{"invoiceId": f"i-{chunk}-{n}", "message": "no e-mail address"} for n in range(3)]
        jobs.progress(job.tenant_id, job.id, chunk, total=120, processed=3, failed=3, errors=errors)
    # Then the counts are exact, the redelivery counted once, and the kept errors stopped at the cap plus one chunk
    after = jobs.get_job(job.tenant_id, job.id)
    assert (after.processed, after.failed) == (120, 120)
    assert 10 <= len(after.errors) <= 10 + 3
