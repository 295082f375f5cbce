"""Probe functions for the e2e tests of the local stack (see template.yaml beside this file). They use the
application's own adapters (mail, events), so what they prove holds for the product's functions."""

from __future__ import annotations

import base64
import json
from typing import Any

from urbaneta.adapters.events import DomainEvent, publish
from urbaneta.adapters.mail import Attachment, send_email
from urbaneta.clock import new_id, now_iso

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _json(status: int, payload: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}


def _body(event: dict[str, Any]) -> Any:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    return json.loads(raw) if raw else {}


def on_http(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = event["rawPath"]
    if path.startswith("/api/_e2e/echo"):
        return _json(200, {"event": event, "functionName": context.function_name})
    if path == "/api/_e2e/mail":
        body = _body(event)
        attachments = [Attachment(a["filename"], a["contentType"], base64.b64decode(a["content"]))
                       for a in body.get("attachments", [])]
        message_id = send_email(body["to"], body["subject"], body["text"], attachments=attachments)
        return _json(201, {"data": {"messageId": message_id}})
    if path == "/api/_e2e/publish":
        body = _body(event)
        # any type and data: the probe tests the bus, not the event contract (domain_event checks that)
        event = DomainEvent(id=new_id(), event=body["detailType"], timestamp=now_iso(),
                            tenantId=body.get("tenantId", "e2e"), data=body["data"])
        calls = publish([event])
        return _json(202, {"data": {"putEventsCalls": calls}})
    if path == "/api/_e2e/binary":
        return {"statusCode": 200, "headers": {"Content-Type": "application/pdf"},
                "body": base64.b64encode(PDF).decode(), "isBase64Encoded": True,
                "cookies": ["probe=1; Path=/"]}
    if path == "/api/_e2e/boom":
        raise RuntimeError("the probe failed on purpose")
    return _json(404, {"error": {"code": "NOT_FOUND", "message": "unknown probe"}})


def on_bus(event: dict[str, Any], _context: Any) -> None:
    """An EventBridge rule's function target: tell the test what arrived, by e-mail."""
    data = event["detail"]["data"]
    send_email([data["to"]], f"bus {data['marker']}", json.dumps(event))


def on_queue(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """An SQS worker reporting partial batch failures: records whose data says fail=true fail."""
    failures = []
    for record in event["Records"]:
        data = json.loads(record["body"])["detail"]["data"]
        if data.get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        send_email([data["to"]], f"queue {data['marker']}",
                   json.dumps({"receiveCount": record["attributes"]["ApproximateReceiveCount"],
                               "eventSourceARN": record["eventSourceARN"]}))
    return {"batchItemFailures": failures}


def on_schedule(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return {"time": event["time"], "detailType": event["detail-type"], "source": event["source"],
            "resources": event["resources"]}
