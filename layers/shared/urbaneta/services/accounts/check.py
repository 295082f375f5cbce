"""The consistency check: every balance aggregate recomputed from its entries; any difference is drift.

``check_building`` (a manager's GET /reports/account-check, and tests) checks every account of a building;
``check_changed`` (the daily schedule, after the overdue sweep) checks the accounts that changed on a day,
found through the sparse GSI3 partitions ``ACCOUNTCHECK#<shard>`` (no Scan, nothing per unchanged account).
Drift is logged, counted in the ``AccountDrift`` metric and returned; nothing is corrected automatically:
a person decides (the entries are the truth; the aggregate can be rebuilt from them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.domain import ledger
from urbaneta.domain.ledger import AccountBalance
from urbaneta.domain.money import from_cents
from urbaneta.models.accounts import ConsistencyOut, DriftOut
from urbaneta.observability import logger, metrics
from urbaneta.store import accounts as store


@dataclass(frozen=True)
class Drift:
    tenant_id: str
    building_id: str
    apartment_id: str
    stored_cents: int
    recomputed_cents: int


@dataclass
class CheckResult:
    checked: int = 0
    drift: list[Drift] = field(default_factory=list)


def check_accounts(accounts: Iterable[AccountBalance]) -> CheckResult:
    result = CheckResult()
    for account in accounts:
        result.checked += 1
        entries = list(store.entries_between(account.tenant_id, account.apartment_id, None))
        recomputed = ledger.recompute(entries)
        if recomputed != account.balance_cents or len(entries) != account.entry_count:
            result.drift.append(Drift(account.tenant_id, account.building_id, account.apartment_id,
                                      account.balance_cents, recomputed))
    if result.drift:
        metrics.add_metric(name="AccountDrift", unit="Count", value=len(result.drift))
        logger.error("apartment accounts drift from their entries",
                     extra={"drift": [d.__dict__ for d in result.drift[:50]]})
    return result


def check_building(tenant_id: str, building_id: str) -> CheckResult:
    return check_accounts(store.all_balances(tenant_id, building_id))


def check_changed(day: date) -> CheckResult:
    """The accounts changed on ``day`` (the schedule passes yesterday and today)."""
    from urbaneta.store.keys import ACCOUNT_CHECK_SHARDS

    found: list[AccountBalance] = []
    for shard in range(ACCOUNT_CHECK_SHARDS):
        for tenant_id, building_id, apartment_id in store.changed_on(shard, day.isoformat()):
            found.append(store.get_balance(tenant_id, building_id, apartment_id))
    return check_accounts(found)


def consistency(caller: Principal, building_id: str) -> ConsistencyOut:
    """GET /reports/account-check: a manager checks one building of their organisation (404 for another's)."""
    from urbaneta.store import buildings

    building = buildings.get_building(caller.tenant_id, building_id, include_archived=True)
    result = check_building(caller.tenant_id, building.id)
    return ConsistencyOut(checked=result.checked, drift=[
        DriftOut(apartment_id=d.apartment_id, stored=from_cents(d.stored_cents),
                 recomputed=from_cents(d.recomputed_cents), difference=from_cents(d.stored_cents - d.recomputed_cents))
        for d in result.drift])
