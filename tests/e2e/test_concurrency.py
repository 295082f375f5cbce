"""Many clients at once, through HTTP, against the local stack: every answer is a success that belongs to its
own request (the id asked for, the caller's organisation), and concurrent writes give exact results.

Two organisations are built through the API with one of everything that has an id. Then 32 clients, half of
each organisation, call every GET operation of the served OpenAPI document in their own random order, while
writes run beside them. Lambda runs one event per execution environment; the stack must too, or answers mix.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.world import (
    ADDRESS,
    BILLING,
    Organisation,
    build_organisation,
    check_answer,
    data_of,
    foreign_ids,
    request_for,
)
from tests.e2e.world import read_operations as served_read_operations

pytestmark = pytest.mark.e2e

CLIENTS = 32
ROUNDS = 2
@pytest.fixture(scope="module")
def organisations(stack) -> list[Organisation]:
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        return [build_organisation(http, "Alfa"), build_organisation(http, "Beeta")]


@pytest.fixture(scope="module")
def read_operations(stack) -> list[tuple[str, dict[str, Any]]]:
    return served_read_operations(stack.api_url)


def _write(http: httpx.Client, org: Organisation, label: str) -> list[str]:
    """A maintenance request created and then updated by this client: each answer is its own."""
    title = f"Concurrent {uuid.uuid4().hex[:8]}"
    created = http.post("/api/maintenance-requests", headers=org.headers, json={
        "buildingId": org.ids["building_id"], "apartmentId": org.ids["apartment_id"], "title": title,
        "description": label})
    if created.status_code != 201 or created.json()["data"]["title"] != title:
        return [f"{label} POST /api/maintenance-requests: {created.status_code} {created.text[:200]}"]
    request_id = created.json()["data"]["id"]
    updated = http.patch(f"/api/maintenance-requests/{request_id}", headers=org.headers,
                         json={"status": "in_progress", "comment": label})
    if updated.status_code != 200 or updated.json()["data"]["id"] != request_id:
        return [f"{label} PATCH /api/maintenance-requests/{request_id}: {updated.status_code} {updated.text[:200]}"]
    return []


def _run(clients: int, work: Callable[[int], list[str]]) -> list[str]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [problem for problems in pool.map(work, range(clients)) for problem in problems]


def test_concurrent_clients_of_two_organisations_each_get_their_own_answers(stack, organisations, read_operations):
    # Given two organisations with one of everything, and every GET operation of the document
    assert len(read_operations) >= 20

    # When 32 clients, half of each organisation, call every operation twice in their own random order, and
    # every eighth client also writes (a maintenance request, then its update) between its reads
    def client(n: int) -> list[str]:
        org = organisations[n % 2]
        foreign = foreign_ids(org, organisations)
        order = [op for _ in range(ROUNDS) for op in read_operations]
        random.Random(n).shuffle(order)
        problems = []
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            for step, (path, operation) in enumerate(order):
                url, query = request_for(path, operation, org)
                response = http.get(url, params=query, headers=org.headers)
                problem = check_answer(response, path, org, foreign)
                if problem:
                    problems.append(f"client {n} GET {url}: {problem}")
                if n % 8 == 0 and step % 10 == 0:
                    problems += _write(http, org, f"client {n} step {step}")
        return problems

    problems = _run(CLIENTS, client)

    # Then every answer was a 200 with the caller's own data
    assert not problems, "\n".join(problems[:20])


def test_concurrent_creates_by_two_organisations_land_in_their_own(stack, organisations):
    # Given two organisations
    names = {0: set(), 1: set()}
    lock = threading.Lock()

    # When 40 clients create buildings at once, half in each organisation, each with a name of its own
    def client(n: int) -> list[str]:
        org = organisations[n % 2]
        name = f"Concurrent {n} {uuid.uuid4().hex[:6]}"
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            response = http.post("/api/buildings", headers=org.headers,
                                 json={"name": name, "address": ADDRESS, "billing": BILLING})
        if response.status_code != 201:
            return [f"client {n}: {response.status_code} {response.text[:200]}"]
        if response.json()["data"]["name"] != name:
            return [f"client {n}: asked for {name}, got {response.json()['data']['name']}"]
        with lock:
            names[n % 2].add(name)
        return []

    problems = _run(40, client)

    # Then each answer was its own building, and each organisation stores exactly its own
    assert not problems, "\n".join(problems)
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        for index, org in enumerate(organisations):
            stored: set[str] = set()
            cursor = None
            while True:
                page = http.get("/api/buildings", headers=org.headers,
                                params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
                stored |= {b["name"] for b in page["data"] if b["name"].startswith("Concurrent ")}
                cursor = page.get("nextCursor") or page.get("meta", {}).get("nextCursor")
                if not cursor:
                    break
            assert stored == names[index]


def test_fifty_concurrent_payments_on_one_invoice_leave_the_exact_balance(stack, organisations):
    # Given an invoice of 85.00 (42.5 m2 at 2.00)
    org = organisations[0]
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        invoice = data_of(http.get(f"/api/invoices/{org.ids['invoice_id']}", headers=org.headers))
    before = Decimal(str(invoice["amountPaid"]))
    total = Decimal(str(invoice["total"]))
    assert total - before >= Decimal("50")

    # When 50 clients each record a payment of 1.00 at once
    def client(n: int) -> list[str]:
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            response = http.post("/api/payments", headers=org.headers, json={
                "invoiceId": org.ids["invoice_id"], "amount": 1, "paidDate": "2025-02-01", "method": "cash",
                "reference": f"concurrent-{n}"})
        return [] if response.status_code == 201 else [f"client {n}: {response.status_code} {response.text[:200]}"]

    problems = _run(50, client)

    # Then every payment was stored once and the invoice shows exactly 50.00 more paid
    assert not problems, "\n".join(problems)
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        after = data_of(http.get(f"/api/invoices/{org.ids['invoice_id']}", headers=org.headers))
        payments, cursor = [], None
        while True:
            page = http.get("/api/payments", headers=org.headers, params={
                "invoiceId": org.ids["invoice_id"], "limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            payments += page["data"]
            cursor = page.get("nextCursor") or page.get("meta", {}).get("nextCursor")
            if not cursor:
                break
    assert Decimal(str(after["amountPaid"])) - before == Decimal("50")
    assert Decimal(str(after["balanceDue"])) == total - before - Decimal("50")
    assert len([p for p in payments if str(p.get("reference", "")).startswith("concurrent-")]) == 50


def test_concurrent_creation_of_one_apartment_number_gives_exactly_one_201(stack, organisations):
    # Given a building
    org = organisations[1]
    number = f"C-{uuid.uuid4().hex[:5]}"

    # When 20 clients create the same apartment number at once
    def client(n: int) -> list[str]:
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            response = http.post(f"/api/buildings/{org.ids['building_id']}/apartments", headers=org.headers,
                                 json={"number": number, "area": 30 + n})
        return [str(response.status_code)]

    codes = _run(20, client)

    # Then exactly one was created and every other one is a conflict
    assert sorted(codes) == ["201"] + ["409"] * 19
