"""The SQS pump's pure parts: the SQS event record it builds and how it reads batchItemFailures."""

from __future__ import annotations

from local.pumps import failed_ids, sqs_record
from tests.support import load_event

MESSAGE = {
    "MessageId": "m-1",
    "ReceiptHandle": "rh-1",
    "MD5OfBody": "abc",
    "Body": '{"x": 1}',
    "Attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1795257000000", "SenderId": "S",
                   "ApproximateFirstReceiveTimestamp": "1795257000010"},
    "MessageAttributes": {"tenantId": {"StringValue": "t-1", "DataType": "String"}},
}


def test_record_has_the_shape_of_the_sample_sqs_event():
    # Given the sample SQS event / When a record is built from a received message / Then same keys
    sample = load_event("sqs/batch")["Records"][1]
    record = sqs_record(MESSAGE, "arn:aws:sqs:eu-north-1:123456789012:q")
    assert set(record) == set(sample)
    assert set(sample["attributes"]) <= set(record["attributes"])
    assert set(record["messageAttributes"]["tenantId"]) == set(sample["messageAttributes"]["tenantId"])


def test_record_carries_the_message():
    record = sqs_record(MESSAGE, "arn:aws:sqs:eu-north-1:123456789012:q")
    assert record["messageId"] == "m-1"
    assert record["receiptHandle"] == "rh-1"
    assert record["body"] == '{"x": 1}'
    assert record["attributes"]["ApproximateReceiveCount"] == "3"
    assert record["messageAttributes"]["tenantId"]["stringValue"] == "t-1"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-north-1:123456789012:q"
    assert record["eventSource"] == "aws:sqs"
    assert record["awsRegion"] == "eu-north-1"


def test_failures_named_in_the_answer():
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, {"a", "b"}) == {"a"}


def test_no_failures():
    assert failed_ids({"batchItemFailures": []}, {"a"}) == set()
    assert failed_ids(None, {"a"}) == set()
    assert failed_ids({}, {"a"}) == set()


def test_a_malformed_answer_fails_the_whole_batch():
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a"}) is None
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a"}) is None
    assert failed_ids({"batchItemFailures": [{}]}, {"a"}) is None
    assert failed_ids({"batchItemFailures": "a"}, {"a"}) is None
    assert failed_ids(["a"], {"a"}) is None
