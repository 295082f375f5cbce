"""Helpers of the apartment account tests: a building billed through the public API, payments, statements."""

from __future__ import annotations

from typing import Any

from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment, new_building, new_charge
from tests.support import call


def billed_building(caller: Any, apartments: int = 2, monthly: float = 100.0, **billing: Any
                    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A building of ``apartments`` apartments with one per-apartment charge of ``monthly``."""
    b = new_building(caller, **billing)
    apts = [new_apartment(caller, b["id"], str(n)) for n in range(1, apartments + 1)]
    new_charge(caller, b["id"], "Haldus", "per_apartment", monthly)
    return b, apts


def bill_month(caller: Any, building_id: str, month: str, issue: str | None = None) -> dict[str, dict[str, Any]]:
    """Generate the month (``2025-01``) and return the new invoices by apartment id."""
    from calendar import monthrange

    y, m = (int(p) for p in month.split("-"))
    end = f"{month}-{monthrange(y, m)[1]:02d}"
    over = {"issueDate": issue} if issue else {}
    job = generate(caller, building_id, f"{month}-01", end, **over)
    assert job["status"] == "completed", job
    found = invoices_of(caller, buildingId=building_id)
    return {i["apartmentId"]: i for i in found if i["periodStart"] == f"{month}-01"}


def pay(caller: Any, invoice_id: str, amount: float, paid: str) -> Any:
    res = call("payments", "POST", "/payments", token=caller.token,
               body={"invoiceId": invoice_id, "amount": amount, "paidDate": paid, "method": "bank_transfer"})
    assert res.status == 201, res
    return res.data


def account(caller: Any, apartment_id: str, **query: str) -> Any:
    return call("accounts", "GET", f"/apartments/{apartment_id}/account", token=caller.token, query=query or None)


def full_statement(caller: Any, apartment_id: str, **query: str) -> dict[str, Any]:
    """Every page of a statement, entries joined."""
    res = account(caller, apartment_id, **query)
    assert res.status == 200, res
    doc = res.data
    cursor = res.json["nextCursor"]
    while cursor:
        more = account(caller, apartment_id, **query, cursor=cursor)
        assert more.status == 200, more
        doc["entries"] += more.data["entries"]
        cursor = more.json["nextCursor"]
    return doc


def cents(amount: float) -> int:
    return round(amount * 100)
