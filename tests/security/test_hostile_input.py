"""No 5xx from input (issue 17, finding 4): hostile JSON on every operation that takes a body, anonymous
or signed in, is a 4xx; numbers are finite and bounded; names refuse control characters."""

from __future__ import annotations

import pytest

from tests.security.operations import operations
from tests.support import call

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _with_body() -> list:
    return [op for op in operations() if op.method in ("post", "patch", "put")]


def _every_field(op, literal: str) -> str:
    names = list((op.body_schema or {}).get("properties") or {"x": {}})
    return "{" + ",".join(f'"{name}":{literal}' for name in names) + "}"


@pytest.mark.parametrize("op", _with_body(), ids=lambda o: o.id)
def test_deep_or_unbounded_json_is_a_4xx_on_every_operation(aws, make_caller, op):
    # Given an owner (and, for public operations, nobody) and bodies no parser should recurse into
    owner = make_caller("owner")
    bodies = {
        "deep array": DEEP_ARRAY,
        "deep object": DEEP_OBJECT,
        "deep field": "{" + f'"{next(iter((op.body_schema or {}).get("properties") or {"x": 0}))}":' + DEEP_ARRAY + "}",
        "5000 digits": _every_field(op, "9" * 5000),
        "41 digits": _every_field(op, "1" * 41),
        "NaN": _every_field(op, "NaN"),
        "Infinity": _every_field(op, "-Infinity"),
        "1e999": _every_field(op, "1e999"),
    }
    for name, raw in bodies.items():
        # When it is sent
        res = call(op.function, op.method.upper(), op.url(), raw_body=raw, token=owner.token,
                   headers={"content-type": "application/json"})
        # Then it is refused as the client's fault
        assert 400 <= res.status < 500, (name, res)


def test_a_thousand_nested_arrays_on_login_is_a_400_naming_the_limit(aws):
    # Given an anonymous caller / When a 1,000-deep array is posted to login
    res = call("auth", "POST", "/auth/login", raw_body=DEEP_ARRAY, headers={"content-type": "application/json"})
    # Then 400, saying why
    assert res.status == 400 and res.error["code"] == "BAD_REQUEST" and "nested" in res.error["message"], res


def test_json_within_the_limits_still_works(aws, make_caller):
    # Given a building body with an ordinary nested address and metadata / When it is posted
    manager = make_caller("manager")
    res = call("buildings", "POST", "/buildings", token=manager.token, body={
        "name": "Kase 12", "address": {"street": "Kase 12", "city": "Tallinn", "postalCode": "10148",
                                       "country": "EE"}, "metadata": {"a": "[[[{{{\\\"\""}})
    # Then it is created (brackets and escapes inside strings do not count as depth)
    assert res.status == 201, res
