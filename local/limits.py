"""AWS service quotas that moto does not enforce, enforced by the local stack so that tests catch them.

moto already refuses what it knows: a DynamoDB item over 400 KB, a transaction of more than 100 actions, an SQS
message or batch over the queue's maximum size (1 MiB) or of more than 10 entries. The local stack adds:

| service | call | limit (as AWS documents it) |
|---|---|---|
| DynamoDB | BatchWriteItem | at most 25 put or delete requests; the request at most 16 MB |
| DynamoDB | BatchGetItem | at most 100 keys; the request at most 16 MB |
| DynamoDB | TransactWriteItems | the request at most 4 MB |
| EventBridge | PutEvents | at most 10 entries; their total size at most 256 KB, counted as EventBridge counts it |

A call over a limit gets the error AWS answers (a ``ValidationException``), and nothing of it is applied.
"""

from __future__ import annotations

import json
from typing import Any

MB = 1024 * 1024
BATCH_WRITE_ITEMS = 25
BATCH_GET_KEYS = 100
BATCH_REQUEST_BYTES = 16 * MB
TRANSACTION_BYTES = 4 * MB
PUT_EVENTS_ENTRIES = 10
PUT_EVENTS_BYTES = 256 * 1024


def event_entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it: 14 bytes for a Time, plus the UTF-8 bytes of Source,
    DetailType, Detail and each resource."""
    size = 14 if entry.get("Time") else 0
    for name in ("Source", "DetailType", "Detail"):
        if entry.get(name):
            size += len(str(entry[name]).encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [])


def violation(service: str, operation: str, body: bytes) -> tuple[str, str] | None:
    """(error type, message) when the call breaks a limit, else None."""
    if service not in ("dynamodb", "events") or not body:
        return None
    try:
        request = json.loads(body)
    except ValueError:
        return None  # malformed: the emulator answers that itself
    if not isinstance(request, dict):
        return None
    if service == "dynamodb":
        return _dynamodb(operation, request, len(body))
    if operation == "PutEvents":
        return _put_events(request)
    return None


def _dynamodb(operation: str, request: dict[str, Any], size: int) -> tuple[str, str] | None:
    if operation == "BatchWriteItem":
        count = sum(len(v) for v in (request.get("RequestItems") or {}).values() if isinstance(v, list))
        if count > BATCH_WRITE_ITEMS:
            return ("ValidationException", "Too many items requested for the BatchWriteItem call")
        if size > BATCH_REQUEST_BYTES:
            return ("ValidationException", "Item collection size limit exceeded: the request is over 16 MB")
    elif operation == "BatchGetItem":
        count = sum(len((v or {}).get("Keys") or []) for v in (request.get("RequestItems") or {}).values()
                    if isinstance(v, dict))
        if count > BATCH_GET_KEYS:
            return ("ValidationException", "Too many items requested for the BatchGetItem call")
        if size > BATCH_REQUEST_BYTES:
            return ("ValidationException", "The BatchGetItem request is over 16 MB")
    elif operation == "TransactWriteItems" and size > TRANSACTION_BYTES:
        return ("ValidationException", "Transaction request cannot be larger than 4 MB")
    return None


def _put_events(request: dict[str, Any]) -> tuple[str, str] | None:
    entries = request.get("Entries") or []
    if not isinstance(entries, list):
        return None
    if len(entries) > PUT_EVENTS_ENTRIES:
        return ("ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy "
                                       "constraint: Member must have length less than or equal to 10")
    total = sum(event_entry_size(e) for e in entries if isinstance(e, dict))
    if total > PUT_EVENTS_BYTES:
        return ("ValidationException", "Total size of the entries in the request is over the limit.")
    return None


def error_response(service: str, error_type: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The 400 answer of AWS's JSON protocol for ``error_type``."""
    prefix = "com.amazon.coral.validate#" if service == "dynamodb" else ""
    body = json.dumps({"__type": f"{prefix}{error_type}", "message": message}).encode()
    return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", error_type)], body
