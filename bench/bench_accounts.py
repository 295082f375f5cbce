"""Apartment accounts: DynamoDB calls of the debtor report of a 2,000-apartment building (BENCH_QUICK=1: 200;
BENCH_APARTMENTS=n: n) and of one apartment's 24-month statement, against a recompute-from-history baseline in
the same run. Printed per apartment (debtors) and per statement, with the ratio to the baseline.

- ours, debtors: ``services.accounts.debtors.debtor_report`` page after page (100 accounts a page): per page one
  Query of the building's balance aggregates and one BatchGetItem of their numbers; the totals on the first page.
- baseline, debtors: what a report without aggregates must do: list the building's apartments, then walk each
  apartment's whole ledger (a Query per apartment) to add up its balance and age its charges.
- ours, statement: ``services.accounts.statements.account_statement`` for the whole 24 months: the apartment,
  its balance aggregate, one Query of its entries.
- baseline, statement: from the invoices and payments themselves: the apartment's invoices (GSI1 Query) and each
  invoice's payments (a GSI2 Query per invoice).

Calls are counted with botocore's event hooks (``tests.support.count_calls``), as in ``bench_read_calls``. The
organisation is written straight to the table through the same repositories and posting operations the API uses
(``services.accounts.posting``), so that seeding 2,000 apartments takes seconds. Neither side uses a Scan.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from typing import Any

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

MONTHS = 24
PAGE = "100"


def _apartments(tenant_id: str, building_id: str, n: int) -> list[str]:
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.buildings import Apartment
    from urbaneta.domain.references import make_731
    from urbaneta.store.buildings.apartments import apartment_item
    from urbaneta.store.table import batch_write

    now = now_iso()
    apts = [Apartment(id=new_id(), tenant_id=tenant_id, building_id=building_id, number=str(k + 1), area=50,
                      reference_number=make_731(str(3_000_000 + k)), created_at=now, updated_at=now)
            for k in range(n)]
    batch_write(apartment_item(a) for a in apts)
    return [a.id for a in apts]


def _month(tenant_id: str, building_id: str, apt: str, k: int, paid_cents: int) -> list[Any]:
    """Month ``k`` of an apartment: an invoice of 100.00 (issued the 1st, due the 15th) and a payment."""
    from urbaneta.services.accounts import posting

    issue = date(2023, 1, 1) + timedelta(days=31 * k)
    issue = issue.replace(day=1)
    due = issue + timedelta(days=14)
    inv = posting.opening_entry(tenant_id, building_id, apt, issue, 0).model_copy(
        update={"id": f"invoice:{apt}-{k}", "type": "invoice", "amount_cents": 10000})
    pay = inv.model_copy(update={"id": f"payment:{apt}-{k}", "type": "payment", "amount_cents": -paid_cents,
                                 "date": issue + timedelta(days=9)})
    return posting.post_ops([inv, pay], due=due)


def _seed_accounts(tenant_id: str, building_id: str, apts: list[str]) -> None:
    """A month of history per apartment (an invoice and a payment); every third pays less. (The report reads
    aggregates only, so its cost does not depend on the history; the baseline's Query per apartment holds a
    short history in one page, which is its cheapest case.)"""
    from urbaneta.store.transactions import transact

    for n, apt in enumerate(apts):
        transact(_month(tenant_id, building_id, apt, 23, 10000 if n % 3 else 6000))


def _seed_history(tenant_id: str, building_id: str, apt: str) -> None:
    """24 months of one apartment: the ledger (ours) and the invoices and payments themselves (the baseline)."""
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.invoices import Invoice, Recipient
    from urbaneta.domain.payments import Payment
    from urbaneta.store import invoices as invoice_store
    from urbaneta.store import payments as payment_store
    from urbaneta.store.transactions import transact

    now = now_iso()
    for k in range(MONTHS):
        transact(_month(tenant_id, building_id, apt, k, 10000))
        issue = (date(2023, 1, 1) + timedelta(days=31 * k)).replace(day=1)
        inv = Invoice(id=new_id(), tenant_id=tenant_id, number=f"H-{k:06d}", reference_number="123",
                      building_id=building_id, apartment_id=apt, period_start=issue, period_end=issue,
                      issue_date=issue, due_date=issue + timedelta(days=14), status="paid", subtotal_cents=10000,
                      vat_total_cents=0, total_cents=10000, amount_paid_cents=10000, balance_due_cents=0,
                      recipient=Recipient(), created_at=now, updated_at=now)
        pay = Payment(id=new_id(), tenant_id=tenant_id, invoice_id=inv.id, apartment_id=apt, amount_cents=10000,
                      paid_date=issue + timedelta(days=9), method="bank_transfer", created_at=now, updated_at=now)
        transact([invoice_store.create_op(inv), payment_store.put_payment_op(pay)])


def _ours_debtors(caller: Any, building_id: str) -> int:
    from urbaneta.services.accounts.debtors import debtor_report

    rows, cursor = 0, None
    while True:
        out, cursor = debtor_report(caller, building_id=building_id, raw_as_of="2025-01-01", limit=PAGE,
                                    cursor=cursor)
        rows += len(out.apartments)
        if not cursor:
            return rows


def _baseline_debtors(tenant_id: str, building_id: str) -> int:
    from urbaneta.domain import ledger
    from urbaneta.store import accounts, buildings

    rows = 0
    for apt in buildings.list_apartments(tenant_id, building_id):
        entries = list(accounts.entries_between(tenant_id, apt.id, None))
        charges: dict[str, int] = {}
        for e in entries:
            if e.amount_cents > 0:
                due = (e.date + timedelta(days=14)).isoformat()
                charges[due] = charges.get(due, 0) + e.amount_cents
        ledger.ageing(ledger.recompute(entries), charges, date(2025, 1, 1))
        rows += 1
    return rows


def _baseline_statement(tenant_id: str, building_id: str, apt: str) -> int:
    from urbaneta.store import invoices as invoice_store
    from urbaneta.store import payments as payment_store

    lines = 0
    for inv in invoice_store.apartment_invoices(tenant_id, building_id, apt):
        payments, _ = payment_store.list_payments(tenant_id, invoice_id=inv.id, date_from=None, date_to=None,
                                                  limit=100, start_key=None)
        lines += 1 + len(payments)
    return lines


def _measure(n: int) -> list[Figure]:
    from tests.support import count_calls
    from urbaneta.auth.principal import Principal, Role
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.buildings import Address, Building
    from urbaneta.services.accounts.statements import account_statement
    from urbaneta.store.buildings.building import create_building

    tenant = new_id()
    now = now_iso()
    building = Building(id=new_id(), tenant_id=tenant, name="Bench", created_at=now, updated_at=now,
                        address=Address(street="Pikk 1", city="Tallinn", postal_code="10123", country="EE"))
    create_building(building)
    apts = _apartments(tenant, building.id, n)
    _seed_accounts(tenant, building.id, apts[1:])
    _seed_history(tenant, building.id, apts[0])
    caller = Principal(tenant, new_id(), Role.MANAGER, new_id())
    with count_calls() as ours:
        assert _ours_debtors(caller, building.id) == n
    with count_calls() as base:
        assert _baseline_debtors(tenant, building.id) == n
    with count_calls() as ours_st:
        out, _ = account_statement(caller, apts[0], raw_from=None, raw_to=None, limit=PAGE, cursor=None)
    assert len(out.entries) == 2 * MONTHS
    with count_calls() as base_st:
        assert _baseline_statement(tenant, building.id, apts[0]) == 2 * MONTHS
    for counter in (ours, base, ours_st, base_st):
        assert counter.count("Scan") == 0
    print(f"debtor report of {n} apartments: ours {ours.count()} calls, baseline {base.count()}; "
          f"24-month statement: ours {ours_st.count()}, baseline {base_st.count()}")
    return [
        Figure("accounts", f"debtor report, calls per apartment ({n})", ours.count() / n, "calls/apt",
               base.count() / n, "<= 0.05"),
        Figure("accounts", "debtor report, calls in all", ours.count(), "calls", base.count()),
        Figure("accounts", f"{MONTHS}-month statement, calls", ours_st.count(), "calls", base_st.count(), "<= 3"),
    ]


def main() -> None:
    from bench.bench_reconciliation import _environment

    n = int(os.environ.get("BENCH_APARTMENTS", "200" if quick() else "2000"))
    _environment()
    report("accounts", _measure(n))


if __name__ == "__main__":
    main()
