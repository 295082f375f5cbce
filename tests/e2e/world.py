"""Two organisations with one of everything that has an id, built through the API, and the checks that an
answer belongs to its own request: shared by the concurrency tests and the concurrency benchmark."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.helpers import register_owner, wait_for_job
from tests.payments_support.files import ONE_ENTRY_CAMT as CAMT

ADDRESS = {"street": "Pärna 7", "city": "Tallinn", "postalCode": "10115", "country": "EE"}
BILLING = {"dueDays": 14, "vatRate": 0, "iban": "EE061010220000000016", "bankName": "Swedbank"}


@dataclass
class Organisation:
    headers: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)  # path parameter name -> a real id of this organisation


def data_of(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201, 202)), (response.request.url, response.text)
    return response.json()["data"]


def build_organisation(http: httpx.Client, label: str) -> Organisation:
    """One of everything with an id, made through the API as a manager would."""
    org = Organisation(register_owner(http, f"KÜ {label}", f"Juhataja {label}"))
    h, ids = org.headers, org.ids
    b = ids["building_id"] = data_of(http.post("/api/buildings", headers=h, json={
        "name": f"Pärna 7 {label}", "address": ADDRESS, "billing": BILLING}))["id"]
    ids["apartment_id"] = data_of(http.post(f"/api/buildings/{b}/apartments", headers=h, json={
        "number": "1", "area": 42.5, "ownerName": "Jüri Õunapuu", "email": f"jyri-{label}@example.com"}))["id"]
    ids["charge_id"] = data_of(http.post(f"/api/buildings/{b}/charges", headers=h, json={
        "name": "Haldustasu", "type": "per_area", "unitPrice": 2}))["id"]
    ids["meter_id"] = data_of(http.post("/api/meters", headers=h, json={
        "buildingId": b, "apartmentId": ids["apartment_id"], "type": "cold_water", "unit": "m3",
        "serialNumber": f"SN-{uuid.uuid4().hex[:8]}", "initialReading": 10, "initialReadingDate": "2025-01-01"}))["id"]
    ids["reading_id"] = data_of(http.post(f"/api/meters/{ids['meter_id']}/readings", headers=h, json={
        "value": 12.5, "readingDate": "2025-01-31"}))["id"]
    ids["invitation_id"] = data_of(http.post("/api/invitations", headers=h, json={
        "apartmentId": ids["apartment_id"], "email": f"resident-{uuid.uuid4().hex[:8]}@example.com",
        "role": "tenant"}))["id"]
    ids["request_id"] = data_of(http.post("/api/maintenance-requests", headers=h, json={
        "buildingId": b, "apartmentId": ids["apartment_id"], "title": "Leak", "description": "Kitchen tap"}))["id"]
    job = data_of(http.post("/api/invoices/generate-bulk", headers=h, json={
        "buildingId": b, "periodStart": "2025-01-01", "periodEnd": "2025-01-31"}))
    ids["job_id"] = job["jobId"]
    assert wait_for_job(http, h, job["jobId"])["status"] == "completed"
    ids["invoice_id"] = data_of(http.get("/api/invoices", headers=h, params={"buildingId": b}))[0]["id"]
    ids["payment_id"] = data_of(http.post("/api/payments", headers=h, json={
        "invoiceId": ids["invoice_id"], "amount": 1, "paidDate": "2025-02-01", "method": "cash"}))["id"]
    ids["statement_id"] = data_of(http.post("/api/bank-statements/import", headers={
        **h, "Content-Type": "application/xml"}, content=CAMT.format(msg=uuid.uuid4().hex[:12]).encode()))["id"]
    ids["webhook_id"] = data_of(http.post("/api/webhooks", headers=h, json={
        "url": "http://127.0.0.1:9/urbaneta-hook", "events": ["invoice.created"]}))["id"]
    ids["key_id"] = data_of(http.post("/api/api-keys", headers=h, json={"name": "Accounting export"}))["id"]
    data_of(http.post("/api/organization/members", headers=h, json={  # the owner is listed from the first invite
        "email": f"raamatupidaja-{uuid.uuid4().hex[:8]}@example.com", "role": "accountant"}))
    ids["user_id"] = _owner_id(http, h)
    return org


def _owner_id(http: httpx.Client, headers: dict[str, str]) -> str:
    """The owner's own user id: a member id of this organisation for /organization/members/{user_id}."""
    members = data_of(http.get("/api/organization/members", headers=headers))
    return str(next(m["id"] for m in members if m["role"] == "owner"))




def request_for(path: str, operation: dict[str, Any], org: Organisation) -> tuple[str, dict[str, str]]:
    url = "/api" + path
    for name, value in org.ids.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no id for {path}"
    query = {}
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("required"):
            assert param["name"] == "buildingId", param
            query["buildingId"] = org.ids["building_id"]
    return url, query


def foreign_ids(org: Organisation, others: list[Organisation]) -> set[str]:
    return {value for other in others if other is not org for value in other.ids.values()}


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _timestamps(value: Any) -> list[str]:
    """Every ``…At`` string in an answer (the document declares them ``format: date-time``)."""
    if isinstance(value, list):
        return [t for item in value for t in _timestamps(item)]
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k.endswith("At") and isinstance(v, str)]
        return found + [t for v in value.values() for t in _timestamps(v)]
    return []


def check_answer(response: httpx.Response, path: str, org: Organisation, foreign: set[str]) -> str | None:
    """What is wrong with the answer, or None."""
    if response.status_code != 200:
        return f"{response.status_code}: {response.text[:200]}"
    text = response.text if not response.headers.get("content-type", "").startswith("application/pdf") else ""
    leaked = [value for value in foreign if value in text]
    if leaked:
        return f"carries another organisation's ids {leaked}"
    if path.endswith("/pdf"):
        return None if response.content.startswith(b"%PDF") else "not a PDF"
    data = response.json()["data"]
    stamps = [v for v in _timestamps(data) if not _RFC3339.fullmatch(v)]
    if stamps:
        return f"timestamps that are not RFC 3339 date-times: {stamps[:3]}"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last.startswith("{") and isinstance(data, dict) and "id" in data:
        wanted = org.ids[last.strip("{}")]
        if data["id"] != wanted:
            return f"asked for {wanted}, got {data['id']}"
    return None




def read_operations(api_url: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, operation) of every GET operation of the served document that an organisation's owner may call."""
    doc = httpx.get(f"{api_url}/openapi.json", timeout=30).json()
    return [(path, ops["get"]) for path, ops in doc["paths"].items()
            if "get" in ops and "owner" in ops["get"].get("x-roles", [])]
