"""API Gateway HTTP API (payload format 2.0): the event a request becomes and the response a handler's result
becomes. The event starts from events/api/base.json, the same sample the tests use."""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from local.router import Match
from local.template import ACCOUNT, ROOT

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP API's request payload limit
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
              "application/x-www-form-urlencoded", "application/problem+json", "application/yaml")


@cache
def _base_event() -> dict[str, Any]:
    base: dict[str, Any] = json.loads((ROOT / "events" / "api" / "base.json").read_text())
    return base


def is_text(content_type: str | None) -> bool:
    ct = (content_type or "").split(";")[0].strip().lower()
    return ct.startswith(TEXT_TYPES) or ct.endswith(("+json", "+xml"))


def query_parameters(raw_query: str) -> dict[str, str] | None:
    """Decoded query parameters; a repeated key's values are joined by commas, as HTTP API does."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        out[key] = f"{out[key]},{value}" if key in out else value
    return out or None


def build_event(*, method: str, raw_path: str, raw_query: str, headers: Iterable[tuple[str, str]], body: bytes,
                match: Match, source_ip: str = "127.0.0.1", host: str = "127.0.0.1:3000") -> dict[str, Any]:
    event = copy.deepcopy(_base_event())
    hdrs: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lname = name.lower()
        if lname == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        hdrs[lname] = f"{hdrs[lname]},{value}" if lname in hdrs else value
    hdrs.setdefault("host", host)
    hdrs["x-forwarded-for"] = source_ip
    hdrs["x-forwarded-proto"] = "http"
    hdrs.setdefault("x-forwarded-port", host.rsplit(":", 1)[-1])
    now = time.time()
    event["routeKey"] = match.route.key
    event["rawPath"] = raw_path
    event["rawQueryString"] = raw_query
    event["headers"] = hdrs
    event.pop("queryStringParameters", None)
    event.pop("pathParameters", None)
    event.pop("cookies", None)
    event.pop("body", None)
    if cookies:
        event["cookies"] = cookies
    params = query_parameters(raw_query)
    if params:
        event["queryStringParameters"] = params
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    ctx = event["requestContext"]
    ctx.update({
        "accountId": ACCOUNT,
        "apiId": "local",
        "domainName": host.split(":")[0],
        "domainPrefix": host.split(".")[0].split(":")[0],
        "requestId": str(uuid.uuid4()),
        "routeKey": match.route.key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    })
    ctx["http"] = {"method": method.upper(), "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                   "userAgent": hdrs.get("user-agent", "")}
    event["isBase64Encoded"] = False
    if body:
        if is_text(hdrs.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode()
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def to_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """A handler's result as HTTP API turns it into a response (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # format 2.0 accepts any JSON value without statusCode: 200, application/json
        return 200, [("Content-Type", "application/json")], json.dumps(result).encode()
    status = int(result["statusCode"])
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or [])
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
    if body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return status, headers, body


def not_found() -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's own answer when no route matches."""
    return 404, [("Content-Type", "application/json")], b'{"message":"Not Found"}'


def internal_error() -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's answer when the integration fails (the handler raised or returned garbage)."""
    return 500, [("Content-Type", "application/json")], b'{"message":"Internal Server Error"}'


def too_large() -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's answer to a request body over its 10 MB limit."""
    return 413, [("Content-Type", "application/json")], b'{"message":"Request Entity Too Large"}'
