"""The AWS emulation the local stack runs on: moto's server, made safe under concurrency.

moto's backends are not thread-safe, so every request into them holds one lock (``EMULATOR_LOCK``), as does
anything of the stack that reads moto's state in this process (the mailbox). Holding that lock, no request
can interleave with another: transactions, batch writes and queries from many clients give what DynamoDB
would, and no request sees a dictionary change size under it.

Three calls would hold the lock too long or cost too much, and are changed here:
- SQS long polling (``WaitTimeSeconds`` > 0) would hold the lock for the whole wait. The server answers it as
  SQS does, by polling moto without waiting, with the lock released between polls; a poll waits for a send to
  its queue or any PutEvents (or a second, for messages whose visibility timeout ends) before trying again.
- moto's ``SendMessage`` counted every message of the queue to read one attribute: a send cost time in
  proportion to the queue's length (see ``install_sqs_sends``); and a rule's delivery of an event built a
  JSONPath parser for every path of it (``install_event_paths``).
- moto's ``TransactWriteItems`` copies every table it touches, whole, before it starts, and puts the copy
  back when the transaction is cancelled. Its cost grows with the table and, with concurrent requests, the
  copy wiped other requests' writes. Under the lock, the stack keeps a copy of only the items the transaction
  names and restores those.

Quotas moto does not enforce (batch sizes, PutEvents' entry size) are enforced here (``local/limits.py``), so
that tests meet them as code on AWS would.

Every request is counted per service and operation, separately for the functions and for the stack's own
plumbing (pumps, provisioning: recognised by their access key), for ``GET /_local/stats`` and the benchmarks;
the functions' DynamoDB capacity units (by item size, per table and index: ``local/capacity.py``) and the
entries of their PutEvents are counted too (``units``).
``--aws-latency-ms`` adds a modelled network round trip to each of the functions' DynamoDB and EventBridge calls
(the benchmarks use it to weigh calls as AWS would, where a call costs a round trip).
"""

from __future__ import annotations

import copy
import json
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, make_server

from local import capacity, limits
from local.template import REGION

EMULATOR_LOCK = threading.RLock()
STACK_ACCESS_KEY = "local-stack"  # the stack's own clients; functions sign with another key
POLL_RECHECK_SECONDS = 1.0

StartResponse = Callable[..., Any]


# A POST to an object without a subresource S3 knows (a webhook pointed at a presigned URL, say): S3 answers 405;
# moto fails with a KeyError (a 500 of the emulator's own).
S3_POST_SUBRESOURCES = frozenset({"uploads", "uploadId", "restore", "select", "delete"})
S3_METHOD_NOT_ALLOWED = ("405 Method Not Allowed", [("Content-Type", "application/xml")],
                         b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MethodNotAllowed</Code>'
                         b"<Message>The specified method is not allowed against this resource.</Message></Error>")


def _unsupported_s3_post(environ: dict[str, Any]) -> bool:
    """A POST naming an object (not a bucket's form upload) with none of the subresources S3 accepts."""
    query = set(parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
    if query & S3_POST_SUBRESOURCES:
        return False
    parts = [p for p in str(environ.get("PATH_INFO", "")).split("/") if p]
    virtual_host = ".s3." in str(environ.get("HTTP_HOST", ""))  # bucket.s3.amazonaws.com: the path is the key
    return len(parts) >= (1 if virtual_host else 2)


class CallCounter:
    """AWS requests per ``service:Operation``, split into the functions' and the stack's own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.functions: Counter[str] = Counter()
        self.stack: Counter[str] = Counter()
        self.units = capacity.CapacityMeter(capacity.moto_lookup(REGION))  # the functions' capacity units

    def add(self, who: str, operation: str) -> None:
        with self._lock:
            (self.stack if who == "stack" else self.functions)[operation] += 1

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {"functions": dict(sorted(self.functions.items())), "stack": dict(sorted(self.stack.items())),
                    "units": self.units.snapshot()}

    def reset(self) -> None:
        with self._lock:
            self.functions.clear()
            self.stack.clear()
        self.units.reset()


def _service_and_key(environ: dict[str, Any]) -> tuple[str, str]:
    """(service, access key) from the SigV4 credential scope: the Authorization header's, or a presigned URL's
    ``X-Amz-Credential``."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    marker = "Credential="
    if marker in auth:
        credential = auth.split(marker, 1)[1].split(",", 1)[0]
    else:
        credential = (parse_qs(str(environ.get("QUERY_STRING", ""))).get("X-Amz-Credential") or [""])[0]
    scope = credential.split("/")
    return (scope[3] if len(scope) > 3 else "unknown"), (scope[0] if len(scope) > 3 else "")


def _operation(environ: dict[str, Any], body: bytes, service: str) -> str:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        return target.rsplit(".", 1)[-1]
    if body and "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", "")):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    query_action = parse_qs(str(environ.get("QUERY_STRING", ""))).get("Action")
    if query_action:
        return query_action[0]
    return str(environ.get("REQUEST_METHOD", "GET")) if service == "s3" else "unknown"


class SerialisedEmulator:
    """WSGI middleware around moto's application: one request at a time, long polls without holding it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], latency_ms: float = 0) -> None:
        self.app = app
        self.latency = latency_ms / 1000  # a modelled network round trip for the functions' DynamoDB/EventBridge calls
        self.counter = CallCounter()
        self._activity = threading.Condition()
        self._sent: Counter[str] = Counter()  # per queue URL: sends so far (a waiting poll wakes on its queue's)
        self._published = 0  # PutEvents so far: rules may have sent to any queue

    def _notify_activity(self, queue_url: str | None) -> None:
        with self._activity:
            if queue_url is None:
                self._published += 1
            else:
                self._sent[queue_url] += 1
            self._activity.notify_all()

    def _activity_seen(self, queue_url: str) -> tuple[int, int]:
        return self._sent[queue_url], self._published

    def _call(self, environ: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        import io

        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        with EMULATOR_LOCK:
            out = b"".join(self.app(environ, start_response))
        return captured["status"], captured["headers"], out

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        service, key = _service_and_key(environ)
        operation = _operation(environ, body, service)
        who = "stack" if key == STACK_ACCESS_KEY else "functions"
        self.counter.add(who, f"{service}:{operation}")
        if self.latency and who == "functions" and service in ("dynamodb", "events"):
            time.sleep(self.latency)  # outside the lock, as a round trip would be
        broken = limits.violation(service, operation, body)
        if broken is not None:
            status, headers, out = limits.error_response(service, *broken)
        elif service == "sqs" and operation == "ReceiveMessage":
            status, headers, out = self._receive(environ, body)
        elif service == "s3" and environ.get("REQUEST_METHOD") == "POST" and _unsupported_s3_post(environ):
            status, headers, out = S3_METHOD_NOT_ALLOWED
        else:
            status, headers, out = self._metered(environ, body, service, operation, who)
            if service == "events" and operation == "PutEvents":
                self._notify_activity(None)
            elif service == "sqs" and operation in WAKING_SQS_CALLS:
                self._notify_activity(_queue_url(body))
        start_response(status, [(k, v) for k, v in headers if k.lower() != "content-length"]
                       + [("Content-Length", str(len(out)))])
        return [out]

    def _metered(self, environ: dict[str, Any], body: bytes, service: str, operation: str,
                 who: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The call, with the capacity units of the functions' DynamoDB calls and their events counted."""
        if who != "functions" or service not in ("dynamodb", "events"):
            return self._call(environ, body)
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return self._call(environ, body)
        if operation in capacity.WRITES:
            with EMULATOR_LOCK:  # the items before and after, with nothing between
                return self.counter.units.around_write(operation, request, lambda: self._call(environ, body),
                                               lambda answer: answer[0].startswith("200"))
        answer = self._call(environ, body)
        if answer[0].startswith("200") and operation in capacity.READS:
            self.counter.units.count_read(operation, request, answer[2])
        elif answer[0].startswith("200") and operation == "PutEvents":
            self.counter.units.count_events(request)
        return answer

    def _receive(self, environ: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        """ReceiveMessage with long polling done here, outside the lock (JSON protocol, as boto3 speaks)."""
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = None
        wait = 0
        if isinstance(request, dict):
            try:
                wait = max(0, min(20, int(request.get("WaitTimeSeconds") or 0)))
            except (TypeError, ValueError):
                wait = 0
        if not wait or not isinstance(request, dict):
            return self._call(environ, body)
        request["WaitTimeSeconds"] = 0
        body = json.dumps(request).encode()
        deadline = time.monotonic() + wait
        queue_url = str(request.get("QueueUrl", ""))
        while True:
            with self._activity:
                seen = self._activity_seen(queue_url)
            status, headers, out = self._call(environ, body)
            remaining = deadline - time.monotonic()
            if not status.startswith("200") or remaining <= 0 or _has_messages(out):
                return status, headers, out
            with self._activity:
                self._activity.wait_for(lambda s=seen: self._activity_seen(queue_url) != s,  # type: ignore[misc]
                                        timeout=min(remaining, POLL_RECHECK_SECONDS))


WAKING_SQS_CALLS = {"SendMessage", "SendMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}


def _queue_url(body: bytes) -> str | None:
    """The QueueUrl of an SQS JSON request (None, waking every poll, when it cannot be read)."""
    try:
        url = json.loads(body).get("QueueUrl")
    except (ValueError, AttributeError):
        return None
    return str(url) if url else None


def _has_messages(out: bytes) -> bool:
    try:
        return bool(json.loads(out).get("Messages"))
    except (ValueError, AttributeError):
        return True  # not what we expected: hand it to the client as it is


# ----------------------------------------------------------------------------------- DynamoDB transactions


def _item_marker(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> dict[tuple[str, Any, Any], Any]:
    """A copy of every item the transaction names (None where there is none), by (table, hash, range)."""
    saved: dict[tuple[str, Any, Any], Any] = {}
    for entry in transact_items:
        if len(entry) != 1:
            continue
        (op_type, op), = entry.items()
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None:
            continue
        attrs = op.get("Item") if op_type == "Put" else op.get("Key")
        if not isinstance(attrs, dict):
            continue
        try:
            hash_value, range_value = _item_marker(table, attrs)
        except (KeyError, TypeError, AttributeError):
            continue  # moto refuses the request itself
        marker = (table.name, hash_value, range_value)
        if marker not in saved:
            try:
                current = table.get_item(hash_value, range_value)
            except Exception:
                current = None
            saved[marker] = copy.deepcopy(current)
    return saved


def _restore(backend: Any, saved: dict[tuple[str, Any, Any], Any]) -> None:
    for (table_name, hash_value, range_value), item in saved.items():
        table = backend.tables.get(table_name)
        if table is None:
            continue
        if range_value is not None:
            if item is None:
                table.items.get(hash_value, {}).pop(range_value, None)
                if hash_value in table.items and not table.items[hash_value]:
                    del table.items[hash_value]
            else:
                table.items[hash_value][range_value] = item
        elif item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item


class _NoTableCopy(types.ModuleType):
    """``copy`` for moto's DynamoDB backend module, except that a Table is not copied (see below)."""

    def __init__(self) -> None:
        super().__init__("copy")

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value  # the transaction below keeps its own copy of the items it touches
        return copy.deepcopy(value, memo)


_patched = False


def install_dynamodb_transactions() -> None:
    """Make moto's TransactWriteItems copy and restore only the items it touches (idempotent)."""
    global _patched
    if _patched:
        return
    import moto.dynamodb.models as models

    models.copy = _NoTableCopy()  # type: ignore[attr-defined]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _touched(self, transact_items)
        try:
            original(self, transact_items)
        except BaseException:
            _restore(self, saved)  # moto "restored" the same table object: put back what it changed
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _patched = True


# ------------------------------------------------------------------------------------------------- SQS sends


_sending = threading.local()
_sqs_patched = False


def install_sqs_sends() -> None:
    """Make moto's SendMessage cost what it should (idempotent). To read one attribute
    (ContentBasedDeduplication) it computes all of a queue's attributes, counting the visible, in-flight and
    delayed messages one by one: every send cost time in proportion to the queue's length, so a month's burst
    of events into one queue grew quadratically. While a send runs, a queue's attributes are only those a send
    reads."""
    global _sqs_patched
    if _sqs_patched:
        return
    from moto.sqs.models import Queue, SQSBackend

    full = Queue.attributes
    original_send = SQSBackend.send_message

    def attributes(self: Any) -> dict[str, Any]:
        if getattr(_sending, "active", False):
            return {name: getattr(self, camel_to_snake(name)) for name in self.FIFO_ATTRIBUTES} if self.fifo_queue \
                else {}
        return full.fget(self)  # type: ignore[no-any-return, attr-defined]

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.active = True
        try:
            return original_send(self, *args, **kwargs)
        finally:
            _sending.active = False

    Queue.attributes = property(attributes)  # type: ignore[assignment, method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    _sqs_patched = True


def install_event_paths() -> None:
    """Parse each of EventBridge's input paths once (idempotent): moto builds a new JSONPath parser, tables and
    all, for every path of every event it delivers to a target (17 ms an event)."""
    import functools

    import jsonpath_ng.ext as jsonpath

    if not hasattr(jsonpath.parse, "cache_info"):
        jsonpath.parse = functools.lru_cache(maxsize=512)(jsonpath.parse)


def camel_to_snake(name: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return str(camelcase_to_underscores(name))


# ----------------------------------------------------------------------------------------------- the server


class EmulatorServer:
    """moto's server (all services on one port) in a background thread, serialised."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        install_dynamodb_transactions()
        install_sqs_sends()
        install_event_paths()
        self.app = SerialisedEmulator(DomainDispatcherApplication(create_backend_app), latency_ms)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True,
                                                   request_handler=MotoRequestHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]  # werkzeug's threaded server has it
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="aws-emulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def counter(self) -> CallCounter:
        return self.app.counter

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
