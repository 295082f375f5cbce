"""Fourteen months of one building over HTTP against the local stack (issue 14): opening balances, monthly invoices
(generate and send jobs), partial payments and overpayments by camt.053 import, late interest, two reminder levels
(the daily schedule, idempotent when fired twice the same day), a one-off invoice, a partial credit note on a paid
invoice and a reversed payment. At the end each apartment's closing balance equals the sum of its entries, the
stored balance and the test's own calculation, to the cent."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from tests.e2e.helpers import (
    new_building,
    register_owner,
    wait_for_job,
    wait_for_slices,
    wait_for_sweep,
    worker_invocations,
)
from tests.payments_support.files import Entry, Tx, camt

MONTHS = [(2025, m) for m in range(1, 13)] + [(2026, 1), (2026, 2)]
LEVELS = [{"daysAfterDue": 7, "message": "Palun tasuge arve esimesel võimalusel."},
          {"daysAfterDue": 21, "message": "Teine meeldetuletus: võlg tuleb tasuda.", "attachStatement": True}]


def cents(value: float | Decimal) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def ok(res: Any, *codes: int) -> Any:
    assert res.status_code in (codes or (200,)), res.text
    return res.json()["data"]


class Year:
    """The building, its three apartments (A pays on time, B pays 60 %, C overpays) and the test's own ledger."""

    def __init__(self, http: Any, stack: Any) -> None:
        self.http, self.stack, self.tag = http, stack, uuid.uuid4().hex[:8]
        self.staff = register_owner(http, "KÜ Kastani 3", "Mari Maasikas")
        self.bid = new_building(http, self.staff, "Kastani 3", "Kastani 3", "Tartu", "50410", vatRate=0,
                                lateInterestDailyRate=0.05, reminders=LEVELS)
        ok(http.post(f"/api/buildings/{self.bid}/charges", headers=self.staff,
                     json={"name": "Haldustasu", "type": "per_area", "unitPrice": 1.2345}), 201)
        self.apts: dict[str, dict[str, Any]] = {}
        for name, area in (("A", 52.3), ("B", 47.1), ("C", 61.9)):
            self.apts[name] = ok(http.post(f"/api/buildings/{self.bid}/apartments", headers=self.staff, json={
                "number": name, "area": area, "ownerName": f"Omanik {name}", "language": "et",
                "email": f"{name.lower()}-{self.tag}@example.ee"}), 201)
        self.expected = dict.fromkeys(self.apts, 0)  # cents each apartment owes, by the test's own reckoning
        self.bank_refs = 0

    def id(self, name: str) -> str:
        return str(self.apts[name]["id"])

    def mails(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.stack.mail() if self.apts[name]["email"] in m["to"]]

    def bill(self, year: int, month: int) -> dict[str, dict[str, Any]]:
        """Generate and send the month's invoices (issued the 1st of the next month, due the 15th)."""
        from calendar import monthrange

        issue = date(year + month // 12, month % 12 + 1, 1)
        job = ok(self.http.post("/api/invoices/generate-bulk", headers=self.staff, json={
            "buildingId": self.bid, "periodStart": f"{year}-{month:02d}-01",
            "periodEnd": f"{year}-{month:02d}-{monthrange(year, month)[1]}", "issueDate": issue.isoformat(),
            "dueDate": issue.replace(day=15).isoformat()}), 202)
        assert wait_for_job(self.http, self.staff, job["jobId"])["status"] == "completed"
        sent = ok(self.http.post("/api/invoices/send-bulk", headers=self.staff, json={"buildingId": self.bid}), 202)
        assert wait_for_job(self.http, self.staff, sent["jobId"])["status"] == "completed"
        found = ok(self.http.get("/api/invoices", headers=self.staff, params={
            "buildingId": self.bid, "from": issue.isoformat(), "to": issue.isoformat(), "limit": "100"}))
        month_invoices = {i["apartmentId"]: i for i in found if i["periodStart"] == f"{year}-{month:02d}-01"}
        for name in self.apts:
            inv = month_invoices[self.id(name)]
            assert inv["status"] in ("sent", "paid")  # paid: apartment credit covered it
            self.expected[name] += cents(inv["total"])  # the invoice's lines (with late interest) as issued
        return month_invoices

    def pay(self, day: date, amounts: dict[str, Decimal]) -> None:
        """One camt.053 of the day paying each apartment's reference."""
        entries = []
        for name, amount in amounts.items():
            self.bank_refs += 1
            entries.append(Entry([Tx(f"{amount:.2f}", ref=self.apts[name]["referenceNumber"])],
                                 bank_ref=f"Y{self.tag}{self.bank_refs:05d}", day=day.isoformat()))
            self.expected[name] -= cents(amount)
        res = self.http.post("/api/bank-statements/import", headers={**self.staff, "Content-Type": "application/xml"},
                             content=camt(entries))
        assert ok(res, 201)["matched"] == len(entries), res.text

    def schedule(self, day: date) -> dict[str, Any]:
        """The daily schedule, and its slices done: the overdue sweep (the next month's late interest needs it) and
        the reminders."""
        before = worker_invocations(self.stack)
        fired = dict(self.stack.fire_schedule("overdue-sweep", time=f"{day.isoformat()}T01:00:00Z"))
        assert wait_for_sweep(self.http, self.staff, self.bid, day.isoformat()) == 0
        wait_for_slices(self.stack, before)
        return fired


def test_fourteen_months_of_one_building_balance_to_the_cent(stack, http):
    y = Year(http, stack)
    # Given opening balances: B owes 50.00, C has 20.00 prepaid
    ok(http.post("/api/apartments/opening-balances", headers=y.staff, json={"balances": [
        {"apartmentId": y.id("B"), "date": "2024-12-31", "balance": 50, "reason": "Eelmise halduri võlg"},
        {"apartmentId": y.id("C"), "date": "2024-12-31", "balance": -20}]}))
    y.expected["B"] += 5000
    y.expected["C"] -= 2000
    paid_a: dict[int, str] = {}
    for k, (year, month) in enumerate(MONTHS):
        # When the month is billed and sent, then paid on the 10th: A exactly, B 60 %, C 250.00 every third month
        invoices = y.bill(year, month)
        issue = date.fromisoformat(invoices[y.id("A")]["issueDate"])
        amounts = {"A": Decimal(str(invoices[y.id("A")]["balanceDue"])),
                   "B": (Decimal(str(invoices[y.id("B")]["total"])) * Decimal("0.6")).quantize(Decimal("0.01"))}
        if k % 3 == 0:
            amounts["C"] = Decimal("250.00")
        y.pay(issue.replace(day=10), amounts)
        paid_a[k] = invoices[y.id("A")]["id"]
        if k == 4:  # a one-off invoice for B (a key replacement), sent by hand
            one_off = ok(http.post("/api/invoices", headers=y.staff, json={
                "apartmentId": y.id("B"), "issueDate": issue.replace(day=5).isoformat(),
                "dueDate": issue.replace(day=19).isoformat(),
                "lines": [{"description": "Võtme asendus", "quantity": 2, "unitPrice": 12.35}]}), 201)
            ok(http.patch(f"/api/invoices/{one_off['id']}", headers=y.staff, json={"status": "sent"}))
            y.expected["B"] += cents(one_off["total"])
        if k == 6:  # a partial credit note of 10.00 on A's paid invoice: it becomes apartment credit
            ok(http.post(f"/api/invoices/{paid_a[5]}/credit-note", headers=y.staff,
                         json={"amount": 10, "reason": "Ülearvestus"}), 201)
            y.expected["A"] -= 1000
        if k == 8:  # A's payment of this month is reversed by the bank: the invoice reopens
            (payment,) = [p for p in ok(http.get("/api/payments", headers=y.staff, params={"invoiceId": paid_a[8]}))
                          if p["method"] != "credit"]
            ok(http.post(f"/api/payments/{payment['id']}/reverse", headers=y.staff, json={"reason": "Pank tagastas"}))
            y.expected["A"] += cents(payment["amount"])
        # And the daily schedule runs on the 22nd (overdue, late interest next month, reminders)
        y.schedule(issue.replace(day=22))

    # Then B (always behind) got level 1 and then level 2 reminders, in Estonian, the second with the statement
    b_mails = [m for m in y.mails("B") if "Maksemeeldetuletus" in m["subject"]]
    assert any("Maksemeeldetuletus 1" in m["subject"] for m in b_mails)
    level2 = [m for m in b_mails if "Maksemeeldetuletus 2" in m["subject"]]
    assert level2 and [a["contentType"] for a in level2[0]["attachments"]] == ["application/pdf"]
    assert not [m for m in y.mails("C") if "Maksemeeldetuletus" in m["subject"]]
    # And firing the schedule again the same day sends nothing
    before = len(y.mails("A") + y.mails("B"))
    assert y.schedule(date(2026, 3, 22))["reminderSlicesQueued"] == 8 and len(y.mails("A") + y.mails("B")) == before
    # And B was charged late interest
    b_invoices = ok(http.get("/api/invoices", headers=y.staff, params={"apartmentId": y.id("B"), "limit": "100"}))
    assert any("interest" in ln["description"].lower() for i in b_invoices for ln in i["lines"])
    _assert_balances(http, y)


def _assert_balances(http: Any, y: Year) -> None:
    """Closing balance = the sum of the entries = the stored balance = the test's own reckoning, to the cent."""
    debtors = ok(http.get("/api/reports/debtors", headers=y.staff, params={"buildingId": y.bid}))
    stored = {d["apartmentId"]: d for d in debtors["apartments"]}
    for name in y.apts:
        st = ok(http.get(f"/api/apartments/{y.id(name)}/account", headers=y.staff, params={"limit": "100"}))
        entries = st["entries"]
        assert len(entries) < 100, "one page holds the year"
        total = sum(cents(e["amount"]) for e in entries)
        assert (total, cents(st["closingBalance"]), cents(stored[y.id(name)]["balance"]), y.expected[name]) == (
            y.expected[name],) * 4, (name, entries)
    assert stored[y.id("B")]["reminderLevel"] == 2
    assert ok(http.get("/api/reports/account-check", headers=y.staff, params={"buildingId": y.bid}))["drift"] == []
