"""SQS: typed messages in batches of at most 10 and 1 MiB (SendMessageBatch's limits), refused entries retried;
single messages (dead letters) and visibility changes (a retry's wait)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from urbaneta import backoff
from urbaneta.adapters.aws import client
from urbaneta.adapters.batching import bounded

SEND_BATCH_LIMIT = 10
SEND_BATCH_BYTES = 1024 * 1024
"""SQS's limit on one message and on a SendMessageBatch's bodies together (1 MiB)."""
MAX_VISIBILITY_SECONDS = 43_200  # SQS hides a message for at most 12 hours per receive


def encode(body: BaseModel | dict[str, Any] | str) -> str:
    """A message body: a model as its camelCase JSON (``None`` fields left out), a string as it is."""
    if isinstance(body, BaseModel):
        return body.model_dump_json(by_alias=True, exclude_none=True)
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), default=str)


def send_all(queue_url: str, bodies: Sequence[BaseModel | dict[str, Any] | str]) -> int:
    """Send every body as one message; entries SQS refuses are sent again (up to 6 tries, with backoff), then
    ServiceUnavailable. Returns the SendMessageBatch calls made."""
    calls = 0
    encoded = [encode(b) for b in bodies]
    for chunk in bounded(encoded, max_count=SEND_BATCH_LIMIT, max_bytes=SEND_BATCH_BYTES,
                         size=lambda body: len(body.encode()), what="a queue message"):
        pending = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
        for _ in backoff.attempts(6, message="The work could not be queued; try again."):
            out = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=pending)
            calls += 1
            failed = {f["Id"] for f in out.get("Failed", [])}
            if not failed:
                break
            pending = [e for e in pending if e["Id"] in failed]
    return calls


def send_one(queue_url: str, body: BaseModel | dict[str, Any] | str) -> None:
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=encode(body))


def postpone(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Hide a received message for ``seconds`` (0..12 h): it comes back then, like a retry with a wait."""
    client("sqs").change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle,
                                            VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY_SECONDS)))
