"""AWS quotas the local stack enforces where moto does not: each refused with AWS's ValidationException."""

from __future__ import annotations

import json

from local.limits import event_entry_size, violation


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_batch_write_of_26_items_is_refused_and_25_pass():
    item = {"PutRequest": {"Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}
    assert violation("dynamodb", "BatchWriteItem", body({"RequestItems": {"t": [item] * 25}})) is None
    refused = violation("dynamodb", "BatchWriteItem", body({"RequestItems": {"t": [item] * 26}}))
    assert refused == ("ValidationException", "Too many items requested for the BatchWriteItem call")


def test_a_batch_get_of_101_keys_is_refused():
    keys = [{"PK": {"S": str(i)}, "SK": {"S": "x"}} for i in range(101)]
    assert violation("dynamodb", "BatchGetItem", body({"RequestItems": {"t": {"Keys": keys[:100]}}})) is None
    assert violation("dynamodb", "BatchGetItem", body({"RequestItems": {"t": {"Keys": keys}}}))


def test_a_transaction_over_4_mb_is_refused():
    big = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"PK": {"S": "x" * (4 * 1024 * 1024)}}}}]}
    assert violation("dynamodb", "TransactWriteItems", body(big))


def test_put_events_counts_entries_and_their_size_as_eventbridge_does():
    entry = {"Source": "urbaneta.api", "DetailType": "invoice.created", "Detail": json.dumps({"a": "õ"}),
             "EventBusName": "bus", "Time": "2026-11-30T00:00:00Z"}
    assert event_entry_size(entry) == 14 + len("urbaneta.api") + len("invoice.created") + len(entry["Detail"].encode())
    assert violation("events", "PutEvents", body({"Entries": [entry] * 10})) is None
    assert violation("events", "PutEvents", body({"Entries": [entry] * 11}))
    huge = {**entry, "Detail": json.dumps({"blob": "x" * 200_000})}
    assert violation("events", "PutEvents", body({"Entries": [huge]})) is None
    assert violation("events", "PutEvents", body({"Entries": [huge, huge]})) == (
        "ValidationException", "Total size of the entries in the request is over the limit.")


def test_other_calls_and_bodies_that_are_not_json_pass_through():
    assert violation("dynamodb", "Query", body({"TableName": "t"})) is None
    assert violation("sqs", "SendMessageBatch", body({"Entries": []})) is None
    assert violation("dynamodb", "BatchWriteItem", b"not json") is None


def test_only_a_post_naming_an_object_without_a_known_subresource_is_unsupported_by_s3():
    from local.emulator import _unsupported_s3_post

    def post(path: str, query: str = "", host: str = "127.0.0.1:5000") -> bool:
        return _unsupported_s3_post({"PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": host})

    assert post("/bucket/tenants/t/x.pdf")
    assert post("/x.pdf", host="bucket.s3.amazonaws.com")
    assert not post("/bucket")  # a presigned POST form upload
    assert not post("/", host="bucket.s3.amazonaws.com")
    assert not post("/bucket/x.pdf", "uploads")
    assert not post("/bucket/x.pdf", "uploadId=1")
    assert not post("/bucket", "delete")
