"""The debtor report of a building (GET /reports/debtors?buildingId&asOf), from the balance aggregates only.

DynamoDB calls: one GetItem of the building; then per page one Query of the building's accounts collection
(``limit`` aggregates) and one BatchGetItem of their apartment numbers; the first page adds the building's
totals, read by Query pages of the same collection (an aggregate is a few hundred bytes: a 1 MB page holds
thousands). No invoice, entry or Scan is read: ageing comes from each aggregate's charges per due date.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.clock import today
from urbaneta.domain import ledger
from urbaneta.domain.ledger import BUCKETS, AccountBalance, Bucket
from urbaneta.domain.money import from_cents
from urbaneta.errors import ValidationFailed
from urbaneta.models.accounts import AgeingOut, DebtorOut, DebtorReportOut, DebtorTotalsOut
from urbaneta.services.accounts.statements import cell
from urbaneta.services.params import query_date
from urbaneta.store import accounts as store
from urbaneta.store.pages import PageRequest

CSV_COLUMNS = ("apartmentId", "apartmentNumber", "balance", "overdue", *BUCKETS, "lastPaymentDate",
               "reminderLevel")


def _building(caller: Principal, building_id: str | None) -> str:
    from urbaneta.store import buildings

    if not building_id:
        raise ValidationFailed.one("buildingId", "is required")
    return buildings.get_building(caller.tenant_id, building_id, include_archived=True).id


def _as_of(raw: str | None) -> date:
    return query_date(raw, "asOf") or today()


def building_and_day(caller: Principal, building_id: str | None, raw_as_of: str | None) -> tuple[str, date]:
    """A staff report's building (422 without one; 404 for another organisation's) and its ``asOf`` day."""
    as_of = _as_of(raw_as_of)
    return _building(caller, building_id), as_of


def _row(account: AccountBalance, number: str | None, as_of: date) -> DebtorOut:
    buckets = ledger.ageing(account.balance_cents, account.charges, as_of)
    return DebtorOut.of(account, number, buckets, ledger.overdue_of(buckets))


def _totals(accounts: Iterable[AccountBalance], as_of: date) -> DebtorTotalsOut:
    sums: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
    count = debtors = balance = prepaid = 0
    for a in accounts:
        buckets = ledger.ageing(a.balance_cents, a.charges, as_of)
        for k in BUCKETS:
            sums[k] += buckets[k]
        count += 1
        debtors += ledger.overdue_of(buckets) > 0
        balance += a.balance_cents
        prepaid += max(0, -a.balance_cents)
    return DebtorTotalsOut(accounts=count, debtors=debtors, balance=from_cents(balance), prepaid=from_cents(prepaid),
                           overdue=from_cents(ledger.overdue_of(sums)), ageing=AgeingOut.of(sums))


def debtor_report(caller: Principal, *, building_id: str | None, raw_as_of: str | None, limit: str | None,
                  cursor: str | None) -> tuple[DebtorReportOut, str | None]:
    """One page of the building's accounts, with their ageing on ``asOf``; the totals on the first page."""
    bid, as_of = building_and_day(caller, building_id, raw_as_of)
    req = PageRequest.parse(caller.tenant_id, f"debtors|{bid}|{as_of}", limit=limit, cursor=cursor)
    accounts, last = store.page_balances(caller.tenant_id, bid, limit=req.limit, start_key=req.start)
    numbers = store.apartment_numbers(caller.tenant_id, [a.apartment_id for a in accounts])
    totals = _totals(store.all_balances(caller.tenant_id, bid), as_of) if req.is_first else None
    out = DebtorReportOut(building_id=bid, as_of=as_of, totals=totals,
                          apartments=[_row(a, numbers.get(a.apartment_id), as_of) for a in accounts])
    return out, req.page([out], last).next_cursor


def debtor_csv(caller: Principal, *, building_id: str | None, raw_as_of: str | None) -> str:
    """Every account of the building as CSV, and a totals row."""
    bid, as_of = building_and_day(caller, building_id, raw_as_of)
    accounts = list(store.all_balances(caller.tenant_id, bid))
    numbers = store.apartment_numbers(caller.tenant_id, [a.apartment_id for a in accounts])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in accounts:
        row = _row(a, numbers.get(a.apartment_id), as_of)
        ageing = row.ageing.model_dump()
        writer.writerow([row.apartment_id, cell(row.apartment_number), row.balance, row.overdue,
                         *(ageing[k] for k in ("not_due", "days1to30", "days31to60", "days61to90", "over90")),
                         row.last_payment_date or "", row.reminder_level or ""])
    t = _totals(accounts, as_of)
    ageing = t.ageing.model_dump()
    writer.writerow(["total", "", t.balance, t.overdue,
                     *(ageing[k] for k in ("not_due", "days1to30", "days31to60", "days61to90", "over90")), "", ""])
    return out.getvalue()
