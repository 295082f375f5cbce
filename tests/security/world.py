"""A complete organisation built through the public API, so that every id-bearing route has a real id of
another tenant to be tried with: buildings, apartments, charges, meters, readings, invitations, invoices,
jobs, payments, bank statements and their entries, maintenance requests, webhooks and deliveries, API keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment, new_building, new_charge
from tests.payments_support.files import ONE_ENTRY_CAMT as CAMT
from tests.support import call, unique


@dataclass
class World:
    tenant_id: str
    owner: Any
    manager: Any
    ids: dict[str, str] = field(default_factory=dict)  # path parameter name -> a real id of this tenant


def _ok(res: Any, *codes: int) -> Any:
    assert res.status in (codes or (200, 201, 202)), res
    return res.data


def build_world(make_caller: Any) -> World:
    owner = make_caller("owner")
    manager = make_caller("manager", tenant_id=owner.tenant_id)
    w = World(owner.tenant_id, owner, manager)
    ids = w.ids
    ids["user_id"] = _member(owner)
    ids["building_id"] = new_building(manager)["id"]
    b = ids["building_id"]
    ids["apartment_id"] = new_apartment(manager, b, "1", 42.5, ownerName="Jüri Õunapuu",
                                        email="jyri@example.com")["id"]
    ids["charge_id"] = new_charge(manager, b, "Haldustasu", "per_area", 0.5)["id"]
    meter = _ok(call("meters", "POST", "/meters", token=manager.token, body={
        "buildingId": b, "apartmentId": ids["apartment_id"], "type": "cold_water", "unit": "m3",
        "serialNumber": unique("SN"), "initialReading": 10, "initialReadingDate": "2025-01-01"}))
    ids["meter_id"] = meter["id"]
    ids["reading_id"] = _ok(call("meters", "POST", f"/meters/{meter['id']}/readings", token=manager.token,
                                 body={"value": 12.5, "readingDate": "2025-01-31"}))["id"]
    ids["invitation_id"] = _ok(call("residents", "POST", "/invitations", token=manager.token, body={
        "apartmentId": ids["apartment_id"], "email": f"{unique('r')}@example.com", "role": "tenant"}))["id"]
    ids["request_id"] = _ok(call("maintenance", "POST", "/maintenance-requests", token=manager.token, body={
        "buildingId": b, "apartmentId": ids["apartment_id"], "title": "Leak", "description": "Kitchen tap"}))["id"]
    job = generate(manager, b)
    ids["job_id"] = job["id"]
    ids["invoice_id"] = invoices_of(manager, buildingId=b)[0]["id"]
    ids["payment_id"] = _ok(call("payments", "POST", "/payments", token=manager.token, body={
        "invoiceId": ids["invoice_id"], "amount": 1, "paidDate": "2025-02-01", "method": "cash"}))["id"]
    statement = _ok(call("payments", "POST", "/bank-statements/import", token=manager.token,
                         raw_body=CAMT.format(msg=unique("MSG")), headers={"content-type": "application/xml"}))
    ids["statement_id"] = statement["id"]
    entries = _ok(call("payments", "GET", f"/bank-statements/{statement['id']}", token=manager.token))
    entry_list = entries.get("entries") if isinstance(entries, dict) else entries
    ids["entry_id"] = entry_list[0]["id"]
    hook = _ok(call("webhooks", "POST", "/webhooks", token=manager.token, body={
        "url": "http://127.0.0.1:9/hook", "events": ["invoice.created"]}))
    ids["webhook_id"] = hook["id"]
    ids["delivery_id"] = _ok(call("webhooks", "POST", f"/webhooks/{hook['id']}/test", token=manager.token))["id"]
    ids["key_id"] = _ok(call("auth", "POST", "/api-keys", token=owner.token, body={"name": "ci"}))["id"]
    return w


def _member(owner: Any) -> str:
    """A real member of staff (an accountant) of the owner's organisation: the id member routes are tried with."""
    from urbaneta.services import auth

    return str(auth.create_user(owner.tenant_id, email=f"{unique('acc')}@example.com", name="Anu Arvestaja",
                                password=None, role="accountant")["id"])


def snapshot(tenant_id: str) -> list[dict[str, Any]]:
    """Every item of the tenant (tests only: a Scan of the emulated table, filtered by the tenant's key)."""
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    ddb = client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": get_settings().table_name, "FilterExpression": "begins_with(PK, :p)",
                              "ExpressionAttributeValues": {":p": {"S": f"T#{tenant_id}"}}}
    while True:
        out = ddb.scan(**kwargs)
        items.extend(out.get("Items", []))
        if "LastEvaluatedKey" not in out:
            return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
        kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def read_route_calls(world: World) -> dict[str, int]:
    """DynamoDB calls of one warm request to every read route (GET) of the document, as the owner."""
    from tests.security.operations import operations
    from tests.support import call, count_calls

    counts: dict[str, int] = {}
    for op in operations():
        if op.method != "get" or op.public:
            continue
        query = {"buildingId": world.ids["building_id"]} if op.path == "/meters" or op.path.startswith(
            "/reports/") else None
        call(op.function, "GET", op.url(world.ids), token=world.owner.token, query=query)  # warm the container
        with count_calls("dynamodb") as counter:
            res = call(op.function, "GET", op.url(world.ids), token=world.owner.token, query=query)
        assert res.status == 200, (op.id, res)
        counts[op.id] = counter.count()
    return counts
