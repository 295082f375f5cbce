"""The HTTP API (payload 2.0) event the local stack builds, and how it turns a handler's answer into HTTP."""

from __future__ import annotations

import base64
import json

from local.httpapi import build_event, is_text, query_parameters, to_response
from local.router import Route, Router
from tests.support import load_event


def event_for(method: str, path: str, query: str = "", headers: list[tuple[str, str]] | None = None,
              body: bytes = b"", route: str = "ANY /api/things/{id}") -> dict:
    match = Router([Route.of(*route.split(" "), target="Fn")]).match(method, path)
    assert match is not None
    return build_event(method=method, raw_path=path, raw_query=query, headers=headers or [], body=body,
                       match=match, source_ip="10.0.0.7", host="127.0.0.1:3999")


def test_event_has_the_shape_of_the_sample_event():
    # Given the sample every test starts from / When the stack builds an event / Then the same keys
    sample = load_event("api/base")
    event = event_for("GET", "/api/things/1")
    assert set(sample) <= set(event) | {"body"}
    assert set(sample["requestContext"]) <= set(event["requestContext"])
    assert set(sample["requestContext"]["http"]) == set(event["requestContext"]["http"])


def test_query_parameters_are_decoded_and_repeated_keys_joined_by_commas():
    assert query_parameters("a=1&b=%C3%B5&a=2&c=&d=x%2Cy") == {"a": "1,2", "b": "õ", "c": "", "d": "x,y"}
    assert query_parameters("") is None
    event = event_for("GET", "/api/things/1", "a=1&a=2")
    assert event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}


def test_no_query_no_parameters_no_body_means_absent_keys():
    event = event_for("GET", "/api/things/1")
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert "cookies" not in event


def test_headers_are_lower_cased_repeated_ones_joined_and_cookies_moved_out():
    event = event_for("GET", "/api/things/1", headers=[
        ("X-Thing", "a"), ("x-thing", "b"), ("Cookie", "s=1; t=2"), ("Authorization", "Bearer t")])
    assert event["headers"]["x-thing"] == "a,b"
    assert event["headers"]["authorization"] == "Bearer t"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["headers"]["x-forwarded-for"] == "10.0.0.7"
    assert event["headers"]["host"] == "127.0.0.1:3999"


def test_route_key_path_parameters_and_request_context():
    event = event_for("PATCH", "/api/things/x%2Fy")
    assert event["routeKey"] == "ANY /api/things/{id}"
    assert event["pathParameters"] == {"id": "x/y"}
    ctx = event["requestContext"]
    assert ctx["routeKey"] == "ANY /api/things/{id}"
    assert ctx["http"]["method"] == "PATCH"
    assert ctx["http"]["sourceIp"] == "10.0.0.7"
    assert ctx["stage"] == "$default"
    assert ctx["requestId"] != load_event("api/base")["requestContext"]["requestId"]


def test_text_body_stays_text_and_binary_body_is_base64():
    text = event_for("POST", "/api/things/1", headers=[("Content-Type", "application/json; charset=utf-8")],
                     body='{"a": "õ"}'.encode())
    assert text["isBase64Encoded"] is False and json.loads(text["body"]) == {"a": "õ"}
    binary = event_for("POST", "/api/things/1", headers=[("Content-Type", "image/png")], body=b"\x89PNG\x00")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\x89PNG\x00"
    not_utf8 = event_for("POST", "/api/things/1", headers=[("Content-Type", "text/plain")], body=b"\xff\xfe")
    assert not_utf8["isBase64Encoded"] is True


def test_text_types():
    assert is_text("application/json")
    assert is_text("application/vnd.api+json")
    assert is_text("text/csv; charset=utf-8")
    assert not is_text("application/pdf")
    assert not is_text(None)


def test_response_with_base64_body_is_decoded():
    status, headers, body = to_response({"statusCode": 200, "headers": {"Content-Type": "application/pdf"},
                                         "body": base64.b64encode(b"%PDF").decode(), "isBase64Encoded": True,
                                         "cookies": ["a=1", "b=2"]})
    assert status == 200 and body == b"%PDF"
    assert ("Content-Type", "application/pdf") in headers
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_response_multi_value_headers_and_empty_body():
    status, headers, body = to_response({"statusCode": 204, "multiValueHeaders": {"X-A": ["1", "2"]}})
    assert status == 204 and body == b""
    assert [v for k, v in headers if k == "X-A"] == ["1", "2"]


def test_a_result_without_status_code_is_a_200_json_answer():
    status, headers, body = to_response({"hello": "world"})
    assert status == 200 and json.loads(body) == {"hello": "world"}
    assert ("Content-Type", "application/json") in headers
