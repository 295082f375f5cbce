"""SQS pumps: what Lambda's event source mapping does for a function with an SQS event.

A pump long-polls its queue, gathers up to ``BatchSize`` messages (waiting at most the batching window),
hands the handler an SQS event (the shape of events/sqs/batch.json), then deletes what succeeded:
- the handler returned and the function reports batch item failures: every message except those named in
  ``batchItemFailures`` (a malformed answer fails the whole batch, as Lambda does);
- the handler returned and the function does not report failures: every message;
- the handler raised: none.
Messages left in the queue come back after the queue's visibility timeout; once a message has been received
``maxReceiveCount`` times the queue's redrive policy moves it to the dead-letter queue (moto does that on
receive, as SQS does).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.template import REGION

log = logging.getLogger("local.pumps")

RECEIVE_MAX = 10  # SQS's limit per ReceiveMessage
LONG_POLL_SECONDS = 1  # short enough to stop within a second, long enough not to spin
LOCAL_WINDOW_CAP = 2.0  # the batching window is honoured up to this many seconds locally


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    deleted: int
    failed: int
    raised: bool


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of an SQS event, from a ReceiveMessage message."""
    attributes = dict(message.get("Attributes") or {})
    attrs = {
        "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
        "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
        "SenderId": attributes.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
        "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp",
                                                           str(int(time.time() * 1000))),
        **{k: v for k, v in attributes.items() if k in ("MessageGroupId", "MessageDeduplicationId",
                                                         "SequenceNumber", "AWSTraceHeader")},
    }
    message_attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        message_attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType", "String"),
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attrs,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """The message ids a ReportBatchItemFailures answer names; None when the answer fails the whole batch."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    items = result.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return None
    out = set()
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in batch_ids:
            return None  # Lambda treats an unknown or empty identifier as a failure of the whole batch
        out.add(ident)
    return out


class SqsPump:
    """A thread that feeds one queue to one handler. ``handler(event)`` returns the function's answer."""

    def __init__(self, *, sqs: Any, queue_url: str, queue_arn: str, handler: Callable[[dict[str, Any]], Any],
                 batch_size: int = 10, window_seconds: float = 0, report_failures: bool = True,
                 name: str = "pump", concurrency: int = 1) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.handler = handler
        self.batch_size = max(1, batch_size)
        self.window = min(float(window_seconds), LOCAL_WINDOW_CAP)
        self.report_failures = report_failures
        self.name = name
        self.concurrency = max(1, concurrency)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.batches = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SqsPump:
        """Poll with ``concurrency`` pollers: that many batches in flight at once, as Lambda's event source
        mapping scales up to its MaximumConcurrency."""
        self._threads = [threading.Thread(target=self._run, name=f"pump-{self.name}-{i}", daemon=True)
                         for i in range(self.concurrency)]
        for thread in self._threads:
            thread.start()
        return self

    def signal_stop(self) -> None:
        """Ask the pump to stop after its current poll (``stop`` also waits for it)."""
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    break
                log.exception("pump %s: polling failed", self.name)
                self._stop.wait(1.0)

    # ------------------------------------------------------------------ one round
    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        out = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=min(RECEIVE_MAX, count), WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = out.get("Messages", [])
        return messages

    def gather(self) -> list[dict[str, Any]]:
        """Up to batch_size messages: one long poll, then more until the batch is full or the window closes."""
        batch = self._receive(self.batch_size, LONG_POLL_SECONDS)
        if not batch:
            return batch
        deadline = time.monotonic() + self.window
        while len(batch) < self.batch_size and not self._stop.is_set():
            more = self._receive(self.batch_size - len(batch), 0)
            batch.extend(more)
            if time.monotonic() >= deadline:
                break
            if not more:
                self._stop.wait(min(0.1, max(0.0, deadline - time.monotonic())))
        return batch

    def poll_once(self) -> BatchOutcome | None:
        messages = self.gather()
        if not messages:
            return None
        return self.deliver(messages)

    def deliver(self, messages: list[dict[str, Any]]) -> BatchOutcome:
        event = {"Records": [sqs_record(m, self.queue_arn) for m in messages]}
        by_id = {m["MessageId"]: m for m in messages}
        self.batches += 1
        try:
            result = self.handler(event)
        except Exception:
            log.exception("pump %s: the handler raised; %d message(s) will come back", self.name, len(messages))
            return BatchOutcome(len(messages), 0, len(messages), True)
        if self.report_failures:
            failed = failed_ids(result, set(by_id))
            if failed is None:
                log.error("pump %s: malformed batchItemFailures %s; the whole batch fails",
                          self.name, json.dumps(result, default=str)[:300])
                failed = set(by_id)
        else:
            failed = set()
        done = [m for mid, m in by_id.items() if mid not in failed]
        for start in range(0, len(done), RECEIVE_MAX):
            chunk = done[start:start + RECEIVE_MAX]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
            ])
        if failed:
            log.warning("pump %s: %d of %d message(s) failed and will come back", self.name, len(failed),
                        len(messages))
        return BatchOutcome(len(messages), len(done), len(failed), False)
