"""Apartment accounts repository: ledger entries and the balance aggregate of each apartment.

Writers never write an entry alone: ``entry_op`` (conditioned on the entry not existing: its id comes from its
cause) and ``balance_op`` (the aggregate's UpdateItem) go into the unit of work of the change that causes them.
The aggregate keeps the charges per due date as top-level attributes ``CH#<due date>`` (ADD works on them
whether or not they exist), which ``balance_of`` folds back into ``AccountBalance.charges``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from urbaneta.clock import now_iso
from urbaneta.domain.ledger import AccountBalance, BalanceChange, LedgerEntry, empty_balance
from urbaneta.store import keys
from urbaneta.store import table as t
from urbaneta.store.transactions import Op, tx_put, tx_update

CHARGE_PREFIX = "CH#"
REMINDER_PREFIX = "RL#"  # RL#<level>: how many reminders of that level the account was sent (the highest shows)


def entry_item(e: LedgerEntry) -> dict[str, Any]:
    return {**keys.ledger_entry(e.tenant_id, e.apartment_id, e.date.isoformat(), e.id), "entity": "ledger_entry",
            **t.plain_item(e)}


def entry_op(e: LedgerEntry) -> Op:
    return tx_put(entry_item(e), label=f"entry:{e.apartment_id}")


def entry_of(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry.model_validate(t.strip_keys(item))


def _expression(change: BalanceChange, vals: dict[str, Any], names: dict[str, str]) -> str:
    adds = ["balanceCents :b", "entryCount :n"]
    sets = ["tenantId = :t", "buildingId = :bid", "apartmentId = :a", "updatedAt = :now", "entity = :entity",
            "GSI3PK = :g3pk", "GSI3SK = :g3sk"]
    if change.received_cents:
        adds.append("receivedCents :r")
        vals[":r"] = change.received_cents
    elif change.invoice_date is not None:  # payments since the last invoice start again from here
        sets += ["receivedAtInvoiceCents = if_not_exists(receivedCents, :zero)", "lastInvoiceDate = :inv"]
        vals[":zero"], vals[":inv"] = 0, change.invoice_date.isoformat()
    if change.last_payment_date is not None:
        sets.append("lastPaymentDate = :paid")
        vals[":paid"] = change.last_payment_date.isoformat()
    for i, (due, cents) in enumerate((change.charges or {}).items()):
        names[f"#c{i}"] = f"{CHARGE_PREFIX}{due}"
        vals[f":c{i}"] = cents
        adds.append(f"#c{i} :c{i}")
    if change.reminder_level is not None:
        names["#rl"], vals[":one"] = f"{REMINDER_PREFIX}{change.reminder_level}", 1
        adds.append("#rl :one")
    return "SET " + ", ".join(sets) + " ADD " + ", ".join(adds)


def balance_op(tenant_id: str, building_id: str, apartment_id: str, change: BalanceChange, *,
               expect_entries: int | None = None) -> Op:
    """The aggregate's update for entries written in the same transaction. ``expect_entries``: only if the
    account still has that many entries (what an invoice's balance fields were computed from)."""
    now = now_iso()
    vals: dict[str, Any] = {":b": change.balance_cents, ":n": change.entries, ":t": tenant_id, ":bid": building_id,
                            ":a": apartment_id, ":now": now, ":entity": "account_balance"}
    check = keys.account_check_index(tenant_id, now[:10], building_id, apartment_id)
    vals[":g3pk"], vals[":g3sk"] = check["GSI3PK"], check["GSI3SK"]
    names: dict[str, str] = {}
    expression = _expression(change, vals, names)
    condition = None
    if expect_entries is not None:
        condition = "attribute_not_exists(PK)" if expect_entries == 0 else "entryCount = :expect"
        if expect_entries:
            vals[":expect"] = expect_entries
    return tx_update(keys.account_balance(tenant_id, building_id, apartment_id), expression, names=names or None,
                     vals=vals, condition=condition, label=f"account:{apartment_id}")


def balance_of(item: dict[str, Any]) -> AccountBalance:
    charges = {k[len(CHARGE_PREFIX):]: int(v) for k, v in item.items() if k.startswith(CHARGE_PREFIX)}
    levels = [int(k[len(REMINDER_PREFIX):]) for k in item if k.startswith(REMINDER_PREFIX)]
    plain = {k: v for k, v in t.strip_keys(item).items() if not k.startswith((CHARGE_PREFIX, REMINDER_PREFIX))}
    return AccountBalance.model_validate({**plain, "charges": charges, "reminderLevel": max(levels, default=None)})


def get_balance(tenant_id: str, building_id: str, apartment_id: str) -> AccountBalance:
    """One GetItem (an apartment with no entry yet has an empty account)."""
    item = t.get(keys.account_balance(tenant_id, building_id, apartment_id))
    return balance_of(item) if item else empty_balance(tenant_id, building_id, apartment_id)


def balances(tenant_id: str, building_id: str, apartment_ids: Sequence[str]) -> dict[str, AccountBalance]:
    """The accounts of these apartments of one building (BatchGetItem, 100 per call, consistent)."""
    items = t.batch_get([keys.account_balance(tenant_id, building_id, a) for a in apartment_ids], consistent=True)
    found = {str(i["apartmentId"]): balance_of(i) for i in items}
    return {a: found.get(a) or empty_balance(tenant_id, building_id, a) for a in apartment_ids}


def page_balances(tenant_id: str, building_id: str, *, limit: int, start_key: dict[str, Any] | None
                  ) -> tuple[list[AccountBalance], dict[str, Any] | None]:
    """One Query page of a building's accounts (the debtor report)."""
    items, last = t.query_page(keys.accounts_partition(tenant_id, building_id), limit=limit, start_key=start_key)
    return [balance_of(i) for i in items], last


def all_balances(tenant_id: str, building_id: str) -> Iterator[AccountBalance]:
    for item in t.query_all(keys.accounts_partition(tenant_id, building_id), limit=1000):
        yield balance_of(item)


def entries_between(tenant_id: str, apartment_id: str, date_from: date | None, date_to: date | None = None
                    ) -> Iterator[LedgerEntry]:
    """The entries dated in [from, to] (either open), oldest first: Query pages of the apartment's ledger."""
    lo = keys.ledger_sort(date_from.isoformat() if date_from else "0000", "")
    hi = keys.ledger_sort(date_to.isoformat() if date_to else "9999", "~")
    for item in t.query_all(keys.ledger_partition(tenant_id, apartment_id), sk_between=(lo, hi), consistent=True,
                            limit=1000):
        yield entry_of(item)


def changed_on(shard: int, day: str) -> Iterator[tuple[str, str, str]]:
    """(tenant, building, apartment) of the accounts last changed on ``day`` in one shard (the daily check)."""
    for item in t.query_all(keys.account_check_partition(shard), index="GSI3", sk_prefix=f"{day}#"):
        yield str(item["tenantId"]), str(item["buildingId"]), str(item["apartmentId"])


def apartment_numbers(tenant_id: str, apartment_ids: Sequence[str]) -> dict[str, str]:
    """The numbers of these apartments (the debtor report's labels): one BatchGetItem per 100."""
    items = t.batch_get([keys.apartment(tenant_id, a) for a in apartment_ids])
    return {str(i["id"]): str(i["number"]) for i in items if i.get("entity") == "apartment"}
