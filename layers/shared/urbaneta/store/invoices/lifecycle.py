"""Invoice changes: version-checked transitions, as operations for a unit of work, and credit notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from urbaneta.clock import now_iso
from urbaneta.domain import invoice_state
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import Conflict
from urbaneta.store import keys, table
from urbaneta.store.invoices.items import CHANGED, DUE_INDEX, invoice_of, plain_value
from urbaneta.store.invoices.numbers import create_op
from urbaneta.store.keys import Key
from urbaneta.store.transactions import Op, transact, tx_update


def _versioned(inv: Invoice, sets: dict[str, Any], removes: Sequence[str] = (), now: str | None = None
               ) -> tuple[str, dict[str, str], dict[str, Any], str]:
    names = {"#v": "version"}
    vals: dict[str, Any] = {":v0": inv.version, ":v1": inv.version + 1, ":now": now or now_iso()}
    parts = ["#v = :v1", "updatedAt = :now"]
    for i, (attr, value) in enumerate(sets.items()):
        names[f"#a{i}"] = attr
        vals[f":a{i}"] = value
        parts.append(f"#a{i} = :a{i}")
    expression = "SET " + ", ".join(parts)
    if removes:
        rnames = {f"#r{i}": attr for i, attr in enumerate(removes)}
        names.update(rnames)
        expression += " REMOVE " + ", ".join(rnames)
    return expression, names, vals, "#v = :v0"


_TRACKED = ("status", "amountPaidCents", "balanceDueCents", "paidDate", "sentAt", "overdueAt", "cancelledAt",
            "cancelledBy", "reference", "creditedCents")


def transition_op(inv: Invoice, after: Invoice) -> Op:
    """A versioned update from ``inv`` to ``after`` (status, stamps, money) keeping the due watch in step."""
    key, (expression, names, vals, condition) = _transition(inv, after)
    return tx_update(key, expression, names=names, vals=vals, condition=condition, label=f"invoice:{inv.id}")


def _transition(inv: Invoice, after: Invoice) -> tuple[Key, tuple[str, dict[str, str], dict[str, Any], str]]:
    sets: dict[str, Any] = {}
    removes: list[str] = []
    before_d = plain_value(inv.model_dump(by_alias=True))
    after_d = plain_value(after.model_dump(by_alias=True))
    for name in _TRACKED:
        if after_d.get(name) == before_d.get(name):
            continue
        if after_d.get(name) is None:
            removes.append(name)
        else:
            sets[name] = after_d[name]
    if invoice_state.watches_due(after):
        sets.update(keys.due_index(after.tenant_id, after.due_date.isoformat(), after.id))
    elif invoice_state.watches_due(inv):
        removes.extend(DUE_INDEX)
    # the caller's stamp when it set one (so that what it answers is what is stored), else now
    now = after.updated_at if after.updated_at != inv.updated_at else None
    return keys.invoice(inv.tenant_id, inv.id), _versioned(inv, sets, removes, now)


def recipient_op(inv: Invoice, recipient: dict[str, Any]) -> Op:
    """A draft addressed to someone else (an ownership change: the new owner); versioned, and only while it is
    still a draft (an issued invoice keeps the recipient it was issued to)."""
    expression, names, vals, condition = _versioned(inv, {"recipient": recipient})
    return tx_update(keys.invoice(inv.tenant_id, inv.id), expression, names={**names, "#st": "status"},
                     vals={**vals, ":draft": "draft"}, condition=f"({condition}) AND #st = :draft",
                     label=f"invoice:{inv.id}")


def reminder_op(inv: Invoice, level: int) -> Op:
    """The "reminder sent" mark of ``level`` on the invoice (no new version: it changes nothing the invoice says),
    only while the invoice is still unpaid and no level as high was sent: the reminder run's guard."""
    return tx_update(keys.invoice(inv.tenant_id, inv.id), "SET reminderLevel = :l",
                     names={"#st": "status"},
                     vals={":l": level, ":s": "sent", ":o": "overdue", ":zero": 0},
                     condition="#st IN (:s, :o) AND balanceDueCents > :zero "
                               "AND (attribute_not_exists(reminderLevel) OR reminderLevel < :l)",
                     label=f"reminder:{inv.id}")


def apply(ops: Sequence[Op], *, validated: bool = False) -> None:
    """Run a transaction of invoice ops; a failed version check is a 409. ``validated``: see ``transact``."""
    transact(ops, conflict_message=CHANGED, validated=validated)


def save_transition(inv: Invoice, after: Invoice, *, validated: bool = False) -> Invoice:
    """The invoice as stored after the change: its version and ``updatedAt`` moved on. ``validated``: a bulk
    worker's change of a stored, validated invoice (skips botocore's parameter check; see ``transact``)."""
    stamped = after.model_copy(update={"updated_at": max(now_iso(), inv.updated_at)})
    apply([transition_op(inv, stamped)], validated=validated)
    return stamped.model_copy(update={"version": inv.version + 1})


def save_transition_alone(inv: Invoice, after: Invoice) -> Invoice:
    """The same versioned change as ``save_transition``, as one conditional UpdateItem instead of a one-item
    transaction (half the write units). A failed version check raises ``Stale`` carrying the invoice as it is
    now (DynamoDB answers it with the refusal), so the caller can judge again without reading it."""
    stamped = after.model_copy(update={"updated_at": max(now_iso(), inv.updated_at)})
    key, (expression, names, vals, condition) = _transition(inv, stamped)
    try:
        table.update(key, expression, names=names, vals=vals, condition=condition, conflict_message=CHANGED,
                     return_new=False, old_on_failure=True)
    except table.ConditionFailed as exc:
        raise Stale(invoice_of(exc.item) if exc.item else None) from exc
    return stamped.model_copy(update={"version": inv.version + 1})


class Stale(Conflict):
    """A versioned change was refused because the invoice moved on: ``current`` is the invoice as it is now
    (None: it is gone)."""

    def __init__(self, current: Invoice | None) -> None:
        super().__init__(CHANGED)
        self.current = current


def credit_note_ops(original: Invoice, cancelled: Invoice, note: Invoice) -> list[Op]:
    """Cancel the original (versioned) and create the credit note with its own number. The next generation of
    the period then finds the original cancelled and creates the next revision."""
    return [transition_op(original, cancelled), create_op(note)]


def lines_op(inv: Invoice, after: Invoice) -> Op:
    """A draft's new lines and totals (versioned, like every invoice change)."""
    sets = {"lines": plain_value([ln.model_dump(by_alias=True, exclude_none=True) for ln in after.lines]),
            "subtotalCents": after.subtotal_cents, "vatTotalCents": after.vat_total_cents,
            "totalCents": after.total_cents, "balanceDueCents": after.balance_due_cents}
    if after.total_to_pay_cents is not None:
        sets["totalToPayCents"] = after.total_to_pay_cents
    expression, names, vals, condition = _versioned(inv, sets)
    return tx_update(keys.invoice(inv.tenant_id, inv.id), expression, names=names, vals=vals, condition=condition,
                     label=f"invoice:{inv.id}")
