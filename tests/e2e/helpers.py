"""What the end-to-end tests do over and over through the stack: sign up an organisation, wait for a job or for
what a worker does."""

from __future__ import annotations

import time
import uuid
from typing import Any

PASSWORD = "Hõbedane-Kuu-2025-aken"


def register(http: Any, body: dict[str, Any]) -> Any:
    """POST /api/auth/register and its e-mailed code to /api/auth/register/verify: the verify answer."""
    from local.signup import register as sign_up

    return sign_up(http, str(http.base_url).rstrip("/") + "/api", body)


def own_address() -> str:
    """A loopback address of its own (127.0.0.0/8): each organisation's owner signs up from their own network,
    as they would, so that the per-address registration throttle meets a realistic mix."""
    n = uuid.uuid4().int
    return f"127.{n % 249 + 2}.{(n >> 8) % 256}.{(n >> 16) % 254 + 1}"


def register_owner(http: Any, organization: str, name: str, *, password: str = PASSWORD) -> dict[str, str]:
    """A new organisation and its owner, through POST /api/auth/register (from an address of the owner's
    own); returns the bearer header."""
    import httpx

    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=str(http.base_url), timeout=60,
                      transport=httpx.HTTPTransport(local_address=own_address())) as owner:
        reg = register(owner, {"organizationName": organization, "email": email, "password": password,
                               "name": name})
    assert reg.status_code == 201, reg.text
    return {"Authorization": f"Bearer {reg.json()['data']['accessToken']}"}


def wait_for_job(http: Any, headers: dict[str, str], job_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll GET /api/jobs/{id} until the job has completed or failed (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        data: dict[str, Any] = http.get(f"/api/jobs/{job_id}", headers=headers).json()["data"]
        if data["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def wait_for_sweep(http: Any, headers: dict[str, str], building_id: str, day: str, timeout: float = 60) -> int:
    """After the daily schedule fired for ``day``: poll the building's sent invoices until none is unpaid and due
    before ``day`` (the sweep's worker has marked them overdue from its queue), or the timeout passes. Returns how
    many were still waiting."""
    deadline = time.monotonic() + timeout
    while True:
        sent = http.get("/api/invoices", headers=headers,
                        params={"buildingId": building_id, "status": "sent", "limit": "100"}).json()["data"]
        waiting = [i for i in sent if i["dueDate"] < day and i["balanceDue"] > 0]
        if not waiting or time.monotonic() > deadline:
            return len(waiting)
        time.sleep(0.2)


def worker_invocations(stack: Any) -> int:
    """How many times the daily schedule's slice worker has run so far."""
    return int(stack.stats()["functions"].get("OverdueSweepWorkerFunction", {}).get("invocations", 0))


def wait_for_slices(stack: Any, before: int, at_least: int = 16, timeout: float = 120) -> None:
    """After the daily schedule fired: wait until its slice worker ran at least ``at_least`` more times than
    ``before`` (8 overdue and 8 reminder slices) and then stayed idle for a second (continuations done)."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        now = worker_invocations(stack)
        if now >= before + at_least and now == last:
            return
        last = now
        time.sleep(1.0)
    raise AssertionError(f"the schedule's slices did not finish: {worker_invocations(stack) - before} ran")


def new_building(http: Any, headers: dict[str, str], name: str, street: str, city: str, postal_code: str,
                 **billing: Any) -> str:
    """POST /api/buildings (in Estonia, with an IBAN at Swedbank and 14 days to pay); returns its id."""
    res = http.post("/api/buildings", headers=headers, json={
        "name": name, "address": {"street": street, "city": city, "postalCode": postal_code, "country": "EE"},
        "billing": {"dueDays": 14, "vatRate": 22, "iban": "EE061010220000000016", "bankName": "Swedbank",
                    **billing}})
    assert res.status_code == 201, res.text
    return str(res.json()["data"]["id"])
