"""SQS: messages in batches of 10 (SendMessageBatch's limit), failed entries retried."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from urbaneta.adapters.aws import client
from urbaneta.errors import ServiceUnavailable

SEND_BATCH_LIMIT = 10


def send_all(queue_url: str, bodies: Sequence[dict[str, Any]]) -> int:
    """Send every body as one message; returns the SendMessageBatch calls made."""
    calls = 0
    for start in range(0, len(bodies), SEND_BATCH_LIMIT):
        pending = [{"Id": str(i), "MessageBody": json.dumps(b, separators=(",", ":"), default=str)}
                   for i, b in enumerate(bodies[start : start + SEND_BATCH_LIMIT])]
        for attempt in range(6):
            out = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=pending)
            calls += 1
            failed = {f["Id"] for f in out.get("Failed", [])}
            if not failed:
                break
            pending = [e for e in pending if e["Id"] in failed]
            time.sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise ServiceUnavailable("The work could not be queued; try again.")
    return calls
