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


# --- money: finite and plausible -----------------------------------------------------------------------------


def _invoice(manager):
    from tests.payments_support.org import new_apartment, new_building, new_invoice

    building = new_building(manager)
    apt = new_apartment(manager, building, "1")
    return new_invoice(manager, building, apt, 10000)


@pytest.mark.parametrize("amount", ["10000000000000", "10000000.01", "1e20"])
def test_a_manual_payment_above_the_documented_maximum_is_422(aws, make_caller, amount):
    # Given an open invoice of 100.00
    manager = make_caller("manager")
    invoice = _invoice(manager)
    # When an implausible amount is recorded against it
    raw = f'{{"invoiceId": "{invoice["id"]}", "amount": {amount}, "paidDate": "2024-03-05", "method": "cash"}}'
    res = call("payments", "POST", "/payments", token=manager.token, raw_body=raw,
               headers={"content-type": "application/json"})
    # Then 422 naming the amount, and the invoice keeps its balance
    assert res.status == 422 and res.error["errors"][0]["field"] == "amount", res
    got = call("invoices", "GET", f"/invoices/{invoice['id']}", token=manager.token)
    assert got.data["balanceDue"] == 100


def test_a_manual_payment_of_the_maximum_is_accepted(aws, make_caller):
    # Given an open invoice / When 10,000,000.00 is recorded / Then it is accepted (the surplus is credit)
    manager = make_caller("manager")
    invoice = _invoice(manager)
    res = call("payments", "POST", "/payments", token=manager.token, body={
        "invoiceId": invoice["id"], "amount": 10_000_000.00, "paidDate": "2024-03-05", "method": "cash"})
    assert res.status == 201, res


def test_a_charge_unit_price_above_the_maximum_is_422(aws, make_caller):
    # Given a building / When a charge of 10,000,000,000 per unit is added / Then 422 naming unitPrice
    from tests.payments_support.org import new_building

    manager = make_caller("manager")
    building = new_building(manager)
    res = call("buildings", "POST", f"/buildings/{building}/charges", token=manager.token, body={
        "name": "Haldus", "type": "per_apartment", "unitPrice": 10_000_000_000})
    assert res.status == 422 and res.error["errors"][0]["field"] == "unitPrice", res


# --- names refuse control characters -------------------------------------------------------------------------


NAMES = ["Kase 12\r\nBcc: victim@example.com", "Kase\x0012", "Kase\x1b[31m"]


@pytest.mark.parametrize("name", NAMES)
def test_register_refuses_control_characters_in_the_organisation_and_person_names(aws, name):
    # Given a registration whose organisation name, then person name, has a control character
    from tests.integration.test_auth import PASSWORD, new_email, send

    for field, body in (("organizationName", {"organizationName": name, "name": "Kadri Tamm"}),
                        ("name", {"organizationName": "KÜ Kase 12", "name": name})):
        # When it is sent
        res = send("POST", "/auth/register", body={**body, "email": new_email(), "password": PASSWORD})
        # Then 422 naming the field
        assert res.status == 422 and res.error["errors"][0]["field"] == field, res


@pytest.mark.parametrize("name", NAMES)
def test_titles_and_key_names_refuse_control_characters(aws, make_caller, name):
    # Given an owner and a building
    from tests.payments_support.org import new_building

    owner = make_caller("owner")
    building = new_building(owner)
    # When a maintenance title and an API key name carry a control character / Then 422 naming the field
    res = call("maintenance", "POST", "/maintenance-requests", token=owner.token,
               body={"buildingId": building, "title": name, "description": "Line one\nline two"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "title", res
    res = call("auth", "POST", "/api-keys", token=owner.token, body={"name": name})
    assert res.status == 422 and res.error["errors"][0]["field"] == "name", res


def test_free_text_keeps_line_breaks_but_refuses_nul(aws, make_caller):
    # Given an owner and a building
    from tests.payments_support.org import new_building

    owner = make_caller("owner")
    building = new_building(owner)
    body = {"buildingId": building, "title": "Leak", "description": "Kitchen tap\r\n\tdrips"}
    # When a description has line breaks / Then it is accepted
    assert call("maintenance", "POST", "/maintenance-requests", token=owner.token, body=body).status == 201
    # When it has a NUL / Then 422 naming the description
    res = call("maintenance", "POST", "/maintenance-requests", token=owner.token,
               body={**body, "description": "Kitchen\x00tap"})
    assert res.status == 422 and res.error["errors"][0]["field"] == "description", res
