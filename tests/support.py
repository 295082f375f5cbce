"""Test support: HTTP API v2 events built from events/, function loading by template path, DynamoDB call
counting, and sessions for any role in any tenant. Tests import from here, never paste events."""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, e.g. load_event("api/base")."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def api_event(method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
              query: dict[str, str] | None = None, raw_body: str | bytes | None = None,
              token: str | None = None) -> dict[str, Any]:
    event = copy.deepcopy(load_event("api/base"))
    full = path if path.startswith("/api/") else f"/api{path}"
    event["rawPath"] = full
    event["requestContext"]["http"]["method"] = method.upper()
    event["requestContext"]["http"]["path"] = full
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    if query:
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = dict(query)
    hdrs = {**event["headers"], **{k.lower(): v for k, v in (headers or {}).items()}}
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    event["headers"] = hdrs
    if raw_body is not None:
        if isinstance(raw_body, bytes):
            event["body"] = base64.b64encode(raw_body).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event


def function_module(name: str) -> Any:
    """functions/<name>/app.py as a module (each function's app.py has the same file name)."""
    from local.functions import load_module

    return load_module(f"functions/{name}/")


def sqs_event(sample: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """An SQS event for a worker, as Lambda's poller builds it: the record shape of events/<sample>.json
    (e.g. "sqs/invoice_generation") filled with received messages."""
    template = load_event(sample)["Records"][0]
    records = []
    for m in messages:
        record = copy.deepcopy(template)
        record.update(messageId=m["MessageId"], receiptHandle=m["ReceiptHandle"], body=m["Body"])
        record["attributes"]["ApproximateReceiveCount"] = m.get("Attributes", {}).get("ApproximateReceiveCount", "1")
        records.append(record)
    return {"Records": records}


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:test"
    aws_request_id = "test-request"

    def __init__(self, remaining_ms: int = 30_000) -> None:
        self.remaining_ms = remaining_ms  # what the handler sees left, all along (a worker: its timeout)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Result:
    """A Lambda proxy response, decoded."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status: int = raw["statusCode"]
        self.headers: dict[str, str] = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        body = raw.get("body") or ""
        self.content: bytes = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()

    @property
    def json(self) -> Any:
        return json.loads(self.content) if self.content else None

    @property
    def data(self) -> Any:
        return self.json["data"]

    @property
    def error(self) -> dict[str, Any]:
        return self.json["error"]

    def __repr__(self) -> str:
        return f"<Result {self.status} {self.content[:300]!r}>"


def call(function: str, method: str, path: str, **kwargs: Any) -> Result:
    """Invoke an API function's handler with an HTTP API v2 event, as API Gateway would."""
    module = function_module(function)
    return Result(module.handler(api_event(method, path, **kwargs), LambdaContext()))


class CallCounter:
    """Counts AWS API calls per operation through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, event_name: str, **_: Any) -> None:
        self.calls.append(event_name.split(".")[-1])

    def count(self, *operations: str) -> int:
        return sum(1 for c in self.calls if not operations or c in operations)


@contextmanager
def count_calls(service: str = "dynamodb") -> Iterator[CallCounter]:
    """The calls of both clients of the service: the ordinary one and the bulk writers' (``aws.bulk_client``)."""
    from urbaneta.adapters.aws import bulk_client, client

    counter = CallCounter()
    emitters = [client(service).meta.events, bulk_client(service).meta.events]
    for events in emitters:
        events.register(f"before-call.{service}.*", counter)
    try:
        yield counter
    finally:
        for events in emitters:
            events.unregister(f"before-call.{service}.*", counter)


def unique(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


_DEFAULTS = {
    "AWS_DEFAULT_REGION": "eu-north-1",
    "AWS_REGION": "eu-north-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Urbaneta",
    "POWERTOOLS_SERVICE_NAME": "urbaneta",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_DEV": "false",
    # every function needs these (template.yaml Globals); ``emulated_aws`` replaces them with the real names
    "TABLE_NAME": "urbaneta-test",
    "EVENT_BUS_NAME": "urbaneta-test",
    "EVENT_SOURCE": "urbaneta.api",
    "DOCUMENTS_BUCKET": "urbaneta-test-documents",
    "UPLOADS_BUCKET": "urbaneta-test-uploads",
    "APP_SECRET_ARN": "arn:aws:secretsmanager:eu-north-1:123456789012:secret:urbaneta-test",
    "MAIL_FROM": "no-reply@urbaneta.example",
    "PUBLIC_BASE_URL": "http://127.0.0.1:3000/api",
}


def default_environment() -> None:
    """What a Lambda environment would give every function, with fake credentials (never a real account)."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
    layer = str(ROOT / "layers" / "shared")
    if layer not in sys.path:
        sys.path.insert(0, layer)
    from urbaneta.settings import NEEDS

    for name in {n for names in NEEDS.values() for n in names}:  # a function's own (queues, provider secret)
        os.environ.setdefault(name, f"placeholder-{name.lower()}")


def reset_emulated_data() -> None:
    """Empty the emulated table, buckets, queues and mailbox, keeping the resources themselves. moto holds
    every item in memory and answers index queries by walking all of a table's items, so a whole session in
    one table grows slow and large; tests never rely on data another module made."""
    from collections import defaultdict

    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import _VersionedKeyStore, s3_backends
    from moto.ses.models import ses_backends
    from moto.sqs.models import sqs_backends

    account = "123456789012"
    for backend in dynamodb_backends[account].values():
        for table in backend.tables.values():
            table.items = defaultdict(dict)
    for backend in s3_backends[account].values():
        for bucket in backend.buckets.values():
            bucket.keys = _VersionedKeyStore()
    for backend in sqs_backends[account].values():
        for queue in backend.queues.values():
            queue._messages = []
    for backend in ses_backends[account].values():
        backend.sent_messages.clear()
        backend.sent_message_count = 0


def start_emulated_aws(prefix: str = "urbaneta-test", extra_env: dict[str, str] | None = None
                       ) -> tuple[Any, Any, dict[str, str]]:
    """Start moto in-process with every resource of template.yaml and set the environment the functions see
    (the template's, plus ``extra_env``). Returns (the started mock, the resources' names, that environment);
    benchmarks keep it for their whole process, tests use ``emulated_aws``."""
    default_environment()
    import boto3
    from moto import mock_aws

    from local import provision, template
    from urbaneta.adapters import secrets
    from urbaneta.adapters.aws import reset_clients

    mock = mock_aws()
    mock.start()
    names = provision.provision(boto3.session.Session(), prefix=prefix)
    env: dict[str, str] = {}
    for logical in template.resources("AWS::Serverless::Function"):
        env.update(template.function_environment(logical, names))
    env.update({"STAGE": "test", "TABLE_NAME": names.ref("Table"), "EVENT_BUS_NAME": names.ref("EventBus"),
                "DOCUMENTS_BUCKET": names.ref("DocumentsBucket"), "UPLOADS_BUCKET": names.ref("UploadsBucket"),
                "APP_SECRET_ARN": names.ref("AppSecret")})
    env.pop("AWS_ENDPOINT_URL", None)
    env["POWERTOOLS_LOG_LEVEL"] = os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING")
    env.update(extra_env or {})
    os.environ.update(env)
    reset_clients()
    secrets.reset()
    return mock, names, env


@contextmanager
def emulated_aws(prefix: str = "urbaneta-test", extra_env: dict[str, str] | None = None
                 ) -> Iterator[dict[str, str]]:
    """moto in-process with every resource of template.yaml, and the environment the functions see."""
    default_environment()
    from urbaneta.adapters.aws import reset_clients

    before = dict(os.environ)
    mock, _names, env = start_emulated_aws(prefix, extra_env)
    try:
        yield env
    finally:
        mock.stop()
        for key in env:
            if key in before:
                os.environ[key] = before[key]
            else:
                os.environ.pop(key, None)
        reset_clients()
