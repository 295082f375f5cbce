"""Tenancy, generated from the OpenAPI document: every operation with an id in its path is called by another
organisation's owner and manager with the victim organisation's real ids. Each answers 404 (422 where the
body is refused before any lookup), never reveals the resource, and changes nothing of the victim's."""

from __future__ import annotations

import pytest

from tests.security.operations import Operation, operations
from tests.security.world import World, build_world, snapshot
from tests.support import call

# Valid bodies, so that the answer comes from the lookup and not from validation.
BODIES = {
    "DELETE /buildings/{building_id}": {"password": "whatever-it-is-1"},
    "PATCH /buildings/{building_id}": {"name": "Taken over"},
    "POST /buildings/{building_id}/apartments": {"number": "99", "area": 10},
    "PATCH /buildings/{building_id}/apartments/{apartment_id}": {"area": 11},
    "POST /buildings/{building_id}/charges": {"name": "X", "type": "per_apartment", "unitPrice": 1},
    "PATCH /buildings/{building_id}/charges/{charge_id}": {"unitPrice": 2},
    "PATCH /invoices/{invoice_id}": {"status": "sent"},
    "PATCH /maintenance-requests/{request_id}": {"status": "in_progress", "comment": "mine now"},
    "PATCH /meters/{meter_id}": {"serialNumber": "HIJACK-1"},
    "PATCH /organization/members/{user_id}": {"role": "board"},
    "POST /meters/{meter_id}/readings": {"value": 99, "readingDate": "2025-02-15"},
    "POST /meters/{meter_id}/replace": {"finalReading": 20, "replacedOn": "2025-02-10", "serialNumber": "NEW-1"},
}

ID_OPERATIONS = [op for op in operations() if op.path_params and not op.public]


@pytest.fixture(scope="module")
def victim(aws) -> World:
    from tests.conftest import new_caller

    return build_world(new_caller)


def test_world_covers_every_path_parameter(victim):
    missing = {p for op in ID_OPERATIONS for p in op.path_params} - set(victim.ids)
    assert not missing, f"the world has no id for {missing}"


@pytest.mark.parametrize("op", ID_OPERATIONS, ids=lambda o: o.id)
def test_other_tenants_ids_are_404_and_change_nothing(victim, make_caller, op: Operation):
    # Given an attacker organisation and the victim's items as they are
    attacker = make_caller("owner")
    before = snapshot(victim.tenant_id)
    body = BODIES.get(op.id, {} if op.method in ("post", "patch", "put") else None)
    # When the attacker's owner calls the operation with the victim's ids
    res = call(op.function, op.method, op.url(victim.ids), body=body, token=attacker.token)
    # Then the answer is 404 (the resource does not exist for them), and nothing of the victim changed
    expected = (404,) if op.id in BODIES or body is None else (404, 422)
    assert res.status in expected, res
    assert victim.tenant_id not in res.content.decode()
    assert snapshot(victim.tenant_id) == before


CROSS_REFERENCES = [
    ("meters", "GET", "/meters", {"query": {"buildingId": "building_id"}}),
    ("invoices", "GET", "/invoices", {"query": {"buildingId": "building_id"}}),
    ("maintenance", "GET", "/maintenance-requests", {"query": {"buildingId": "building_id"}}),
    ("payments", "GET", "/payments", {"query": {"invoiceId": "invoice_id"}}),
    ("meters", "POST", "/meters", {"body": {"buildingId": "building_id", "type": "gas", "unit": "m3",
                                           "serialNumber": "X-1"}}),
    ("residents", "POST", "/invitations", {"body": {"apartmentId": "apartment_id", "email": "a@example.com",
                                                    "role": "owner"}}),
    ("maintenance", "POST", "/maintenance-requests", {"body": {"buildingId": "building_id", "title": "t",
                                                              "description": "d"}}),
    ("invoices", "POST", "/invoices/generate-bulk", {"body": {"buildingId": "building_id",
                                                              "periodStart": "2025-03-01",
                                                              "periodEnd": "2025-03-31"}}),
    ("invoices", "POST", "/invoices/send-bulk", {"body": {"invoiceIds": ["invoice_id"]}}),
    ("payments", "POST", "/payments", {"body": {"invoiceId": "invoice_id", "amount": 5, "paidDate": "2025-02-02",
                                                "method": "cash"}}),
    ("payments", "POST", "/payments/banklink", {"body": {"invoiceId": "invoice_id", "provider": "paysera",
                                                         "returnUrl": "https://example.com/back"}}),
]


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return ids.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize("case", CROSS_REFERENCES, ids=lambda c: f"{c[1]} {c[2]}")
def test_other_tenants_ids_in_bodies_and_filters_reveal_nothing(victim, make_caller, case):
    function, method, path, parts = case
    attacker = make_caller("manager")
    before = snapshot(victim.tenant_id)
    res = call(function, method, path, token=attacker.token, query=_fill(parts.get("query"), victim.ids),
               body=_fill(parts.get("body"), victim.ids))
    # a list filtered by another tenant's id is empty; anything that would act on it is refused
    if method == "GET" and res.status == 200:
        assert res.data == []
    elif res.status == 202:  # accepted work must find nothing of the victim's to act on
        assert victim.tenant_id not in res.content.decode()
    else:
        assert res.status in (404, 422), res
    assert snapshot(victim.tenant_id) == before
