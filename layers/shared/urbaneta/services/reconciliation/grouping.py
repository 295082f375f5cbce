"""Matched lines written together: the payments of lines that touch no common item (different apartments,
invoices, payers, signatures) share one TransactWriteItems of up to 100 operations. Each payment keeps its own
unit of work inside it (payment, dedupe guard, invoice updates, credit, the apartment's ledger entry and
balance, the entry's new status), so a group is all-or-nothing and every guarantee of one payment holds for each.

A line whose condition fails in a group (its dedupe guard exists: a redelivery or a concurrent import; an invoice
changed; the entry is no longer pending) is taken out and applied alone by the single-line path, which knows
what each refusal means; the rest of the group is written again without it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from urbaneta.services.payments import Applied, Prepared, committed
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import TRANSACT_LIMIT, Op, transact

SEPARATOR = "|"


def _key(op: Op) -> tuple[str, str]:
    """The item an operation touches (a transaction may touch an item once)."""
    body: dict[str, Any] = next(iter(op.request.values()))
    key = body.get("Item") or body.get("Key") or {}
    return str(key.get("PK", {}).get("S", "")), str(key.get("SK", {}).get("S", ""))


@dataclass
class Member:
    """One line's payment in a group: its position in the caller's list and the payment composed."""

    index: int
    prepared: Prepared


class Group:
    """Payments whose items are disjoint, at most TRANSACT_LIMIT operations together."""

    def __init__(self) -> None:
        self.members: list[Member] = []
        self.keys: set[tuple[str, str]] = set()
        self.size = 0

    def fits(self, prepared: Prepared) -> bool:
        ops = prepared.work.ops
        return self.size + len(ops) <= TRANSACT_LIMIT and not ({_key(op) for op in ops} & self.keys)

    def add(self, index: int, prepared: Prepared) -> None:
        self.members.append(Member(index, prepared))
        self.keys |= {_key(op) for op in prepared.work.ops}
        self.size += len(prepared.work.ops)

    def commit(self) -> tuple[list[tuple[int, Applied]], list[int]]:
        """Write the group: (index, result) of the payments written, and the indexes refused (to be applied
        alone). A refused payment is known by its labels (prefixed with its index); the rest is written again
        without it, so every round takes at least one member out."""
        members, refused = list(self.members), []
        while members:
            ops = [Op(f"{m.index}{SEPARATOR}{op.label}", op.request) for m in members for op in m.prepared.work.ops]
            try:
                transact(ops, conflict_message="A payment of the group was refused.")
            except ConditionFailed as exc:
                out = {int(label.split(SEPARATOR, 1)[0]) for label in exc.labels if SEPARATOR in label}
                if not out:
                    raise
                refused += sorted(out)
                members = [m for m in members if m.index not in out]
                continue
            return [(m.index, committed(m.prepared)) for m in members], refused
        return [], refused
