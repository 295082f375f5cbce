"""Invoices in the single table (see docs/data-model.md, "invoicing").

- An invoice: ``PK = T#<t>#INV#<id>``, ``SK = INVOICE``; listed tenant-wide and per building in GSI1
  (``T#<t>#INVOICES`` / ``B#<building>#<issueDate>#<number>``) and per apartment in GSI2.
- While it is sent, unpaid and not yet overdue it also sits in GSI3's sparse, sharded ``DUE#<n>`` partition
  (``<dueDate>#<t>#<id>``): the overdue sweep's only way in. Paying it, sweeping it or cancelling it removes it.
- With it, in the same transaction: its identity ``invoice_of(apartment, period)`` (a period is invoiced once)
  and its number guard ``INVNO#<number>`` (uniqueness, and the lookup by number).
- Numbers come from ``INVCOUNTER#<prefix>`` (attribute ``last``). The counter moves in the SAME transaction as
  the invoices that use the numbers, conditioned on its previous value: all or nothing, so no number is ever
  reused or skipped, even when a worker dies half-way.

For payments: ``get_invoice``, ``find_invoice_by_number``, ``list_open_invoices_for_apartment``,
``payment_update_op`` + ``payment_settles``; for buildings: ``has_invoices_for_building``/``_for_apartment``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from urbaneta.clock import now_iso
from urbaneta.domain import invoice_state
from urbaneta.errors import Conflict, NotFound
from urbaneta.models.entities import Invoice
from urbaneta.store import keys
from urbaneta.store.table import (
    Item,
    batch_get,
    get,
    query_all,
    query_page,
    strip_keys,
    transact,
    tx_delete,
    tx_put,
    tx_update,
    update,
)

NOT_FOUND = "Invoice not found."
CHANGED = "The invoice changed at the same time; try again."
_GSI3 = ("GSI3PK", "GSI3SK")


# --- item mapping -------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def watches_due(inv: Invoice) -> bool:
    """Whether the invoice belongs in the overdue sweep's sparse index."""
    return inv.status == "sent" and inv.balance_due_cents > 0 and inv.credit_note_of is None


def invoice_item(inv: Invoice) -> Item:
    t, issue = inv.tenant_id, inv.issue_date.isoformat()
    item: Item = {
        **keys.invoice(t, inv.id),
        **keys.invoices_index(t, inv.building_id, issue, inv.number),
        **keys.apartment_invoices_index(t, inv.apartment_id, issue, inv.number),
        "entity": "invoice",
        **_plain(inv.model_dump(by_alias=True, exclude_none=True)),
    }
    if watches_due(inv):
        item.update(keys.due_index(t, inv.due_date.isoformat(), inv.id))
    return item


def _invoice(item: Item) -> Invoice:
    return Invoice.model_validate(strip_keys(item))


def identity_item(inv: Invoice) -> Item:
    key = keys.invoice_of(inv.tenant_id, inv.apartment_id, inv.period_start.isoformat(), inv.period_end.isoformat())
    return {**key, "entity": "invoice_of", "invoiceId": inv.id, "number": inv.number}


def number_item(inv: Invoice) -> Item:
    return {**keys.invoice_number(inv.tenant_id, inv.number), "entity": "invoice_number", "invoiceId": inv.id}


# --- reads -----------------------------------------------------------------------------------------------------


def get_invoice(tenant_id: str, invoice_id: str) -> Invoice:
    item = get(keys.invoice(tenant_id, invoice_id))
    if not item:
        raise NotFound(NOT_FOUND)
    return _invoice(item)


def get_invoices(tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
    """Several invoices by id (BatchGetItem); unknown ids are left out."""
    found = batch_get([keys.invoice(tenant_id, i) for i in invoice_ids])
    return [_invoice(i) for i in found if i.get("entity") == "invoice"]


def find_invoice_by_number(tenant_id: str, number: str) -> Invoice | None:
    guard = get(keys.invoice_number(tenant_id, number.strip()))
    if not guard:
        return None
    item = get(keys.invoice(tenant_id, str(guard["invoiceId"])))
    return _invoice(item) if item else None


def invoiced_apartments(tenant_id: str, apartment_ids: Sequence[str], period_start: date, period_end: date
                        ) -> dict[str, str]:
    """apartment id → invoice id, for the apartments that already have an invoice for the period (one
    BatchGetItem of their identity items)."""
    ps, pe = period_start.isoformat(), period_end.isoformat()
    wanted = {keys.invoice_of(tenant_id, a, ps, pe)["PK"]: a for a in apartment_ids}
    found = batch_get([keys.invoice_of(tenant_id, a, ps, pe) for a in apartment_ids])
    return {wanted[i["PK"]]: str(i["invoiceId"]) for i in found if i["PK"] in wanted}


def list_open_invoices_for_apartment(tenant_id: str, apartment_id: str) -> list[Invoice]:
    """Invoices a payment for the apartment can go to: not cancelled, not a credit note, balance > 0
    (drafts included: a draft already has its number and reference). Oldest due date first."""
    items = query_all(
        keys.apartment_invoices_partition(tenant_id, apartment_id), index="GSI2",
        filter_expression="balanceDueCents > :zero AND #st IN (:d, :s, :o) AND attribute_not_exists(creditNoteOf)",
        filter_names={"#st": "status"}, filter_values={":zero": 0, ":d": "draft", ":s": "sent", ":o": "overdue"},
    )
    found = [_invoice(i) for i in items]
    return sorted(found, key=lambda i: (i.due_date, i.issue_date, i.number))


def has_invoices_for_building(tenant_id: str, building_id: str) -> bool:
    items, _ = query_page(keys.invoices_partition(tenant_id), index="GSI1",
                          sk_prefix=keys.invoices_building_prefix(building_id), limit=1)
    return bool(items)


def has_invoices_for_apartment(tenant_id: str, apartment_id: str) -> bool:
    items, _ = query_page(keys.apartment_invoices_partition(tenant_id, apartment_id), index="GSI2", limit=1)
    return bool(items)


def list_invoices_page(tenant_id: str, *, building_id: str | None, apartment_id: str | None,
                       status: str | None, issued_from: date | None, issued_to: date | None, limit: int,
                       start_key: dict[str, Any] | None) -> tuple[list[Invoice], dict[str, Any] | None]:
    """One Query: GSI2 for an apartment, GSI1 (prefix of the building) otherwise; the issue-date range is part of
    the key condition when a building or an apartment is given; status is a filter."""
    lo, hi = (issued_from.isoformat() if issued_from else "0000"), (issued_to.isoformat() if issued_to else "9999")
    filters: list[str] = []
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    if status:
        filters.append("#st = :st")
        names["#st"], vals[":st"] = "status", status
    kwargs: dict[str, Any] = {}
    if apartment_id:
        pk, index = keys.apartment_invoices_partition(tenant_id, apartment_id), "GSI2"
        kwargs["sk_between"] = (lo, f"{hi}~")
        if building_id:
            filters.append("buildingId = :b")
            vals[":b"] = building_id
    elif building_id:
        pk, index = keys.invoices_partition(tenant_id), "GSI1"
        prefix = keys.invoices_building_prefix(building_id)
        kwargs["sk_between"] = (f"{prefix}{lo}", f"{prefix}{hi}~")
    else:
        pk, index = keys.invoices_partition(tenant_id), "GSI1"
        if issued_from or issued_to:
            filters.append("issueDate BETWEEN :lo AND :hi")
            vals[":lo"], vals[":hi"] = lo, hi
    items, last = query_page(pk, index=index, limit=limit, start_key=start_key,
                             filter_expression=" AND ".join(filters) or None, filter_names=names or None,
                             filter_values=vals or None, **kwargs)
    return [_invoice(i) for i in items], last


def invoices_of_building(tenant_id: str, building_id: str, *, status: str | None = None) -> Iterator[Invoice]:
    """Every invoice of a building (workers only)."""
    kwargs: dict[str, Any] = {}
    if status:
        kwargs = {"filter_expression": "#st = :st", "filter_names": {"#st": "status"},
                  "filter_values": {":st": status}}
    for item in query_all(keys.invoices_partition(tenant_id), index="GSI1",
                          sk_prefix=keys.invoices_building_prefix(building_id), **kwargs):
        yield _invoice(item)


def due_before(shard: int, today: date) -> Iterator[tuple[str, str]]:
    """(tenant id, invoice id) of every watched invoice due before ``today`` in one shard (the sweep)."""
    for item in query_all(keys.due_partition(shard), index="GSI3", sk_between=("0", today.isoformat())):
        yield str(item["tenantId"]), str(item["id"])


# --- numbers and creation ----------------------------------------------------------------------------------------


def counter_value(tenant_id: str, prefix: str) -> int:
    item = get(keys.invoice_counter(tenant_id, prefix))
    return int(item["last"]) if item else 0


def counter_op(tenant_id: str, prefix: str, expected: int, new_last: int) -> dict[str, Any]:
    """Move the counter from ``expected`` to ``new_last``: fails (so the whole transaction does) if another
    writer took numbers in between. Compose with the writes that use the numbers."""
    vals: dict[str, Any] = {":new": new_last, ":entity": "invoice_counter", ":prefix": prefix, ":now": now_iso()}
    if expected:
        vals[":expected"] = expected
    return tx_update(
        keys.invoice_counter(tenant_id, prefix),
        "SET #last = :new, entity = :entity, prefix = :prefix, updatedAt = :now",
        names={"#last": "last"},
        vals=vals,
        condition="#last = :expected" if expected else "attribute_not_exists(PK)",
    )


def create_ops(inv: Invoice) -> list[dict[str, Any]]:
    """The three conditional puts of a new invoice: the invoice, its (apartment, period) identity, its number."""
    ops = [tx_put(invoice_item(inv)), tx_put(number_item(inv))]
    if inv.credit_note_of is None:
        ops.insert(1, tx_put(identity_item(inv)))
    return ops


OPS_PER_INVOICE = 3


# --- life cycle -------------------------------------------------------------------------------------------------


def _versioned(inv: Invoice, sets: dict[str, Any], removes: Sequence[str] = ()) -> tuple[str, dict[str, str],
                                                                                         dict[str, Any], str]:
    names = {"#v": "version"}
    vals: dict[str, Any] = {":v0": inv.version, ":v1": inv.version + 1, ":now": now_iso()}
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


def transition_op(inv: Invoice, after: Invoice) -> dict[str, Any]:
    """A versioned update from ``inv`` to ``after`` (status, stamps, money) keeping the due watch in step."""
    sets: dict[str, Any] = {}
    removes: list[str] = []
    fields = ("status", "amountPaidCents", "balanceDueCents", "paidDate", "sentAt", "overdueAt", "cancelledAt",
              "cancelledBy", "reference")
    before_d = _plain(inv.model_dump(by_alias=True))
    after_d = _plain(after.model_dump(by_alias=True))
    for name in fields:
        if after_d.get(name) == before_d.get(name):
            continue
        if after_d.get(name) is None:
            removes.append(name)
        else:
            sets[name] = after_d[name]
    if watches_due(after):
        sets.update(keys.due_index(after.tenant_id, after.due_date.isoformat(), after.id))
    elif watches_due(inv):
        removes.extend(_GSI3)
    expression, names, vals, condition = _versioned(inv, sets, removes)
    return tx_update(keys.invoice(inv.tenant_id, inv.id), expression, names=names, vals=vals, condition=condition)


def apply(ops: Sequence[dict[str, Any]]) -> None:
    """Run a transaction of invoice ops; a failed version check is a 409."""
    transact(ops, conflict_message=CHANGED)


def save_transition(inv: Invoice, after: Invoice) -> Invoice:
    apply([transition_op(inv, after)])
    return after.model_copy(update={"version": inv.version + 1})


def credit_note_ops(original: Invoice, cancelled: Invoice, note: Invoice) -> list[dict[str, Any]]:
    """Cancel the original (versioned), free its (apartment, period) identity so a replacement can be generated,
    and create the credit note with its own number."""
    identity = keys.invoice_of(original.tenant_id, original.apartment_id, original.period_start.isoformat(),
                               original.period_end.isoformat())
    return [
        transition_op(original, cancelled),
        tx_delete(identity, condition="invoiceId = :id", vals={":id": original.id}),
        *create_ops(note),
    ]


def set_pdf_key(inv: Invoice, pdf_key: str) -> None:
    update(keys.invoice(inv.tenant_id, inv.id), "SET pdfKey = :k", vals={":k": pdf_key},
           condition="attribute_exists(PK)", return_new=False)


# --- payments (used by the payments capability) -----------------------------------------------------------------


def after_payment(invoice: Invoice, delta_cents: int, paid_date: date | None) -> Invoice:
    """The invoice as a payment of ``delta_cents`` (negative: a reversal) leaves it."""
    if invoice.status == "cancelled":
        raise Conflict("The invoice is cancelled; it takes no payments.")
    if invoice.credit_note_of is not None:
        raise Conflict("A credit note takes no payments.")
    paid = invoice.amount_paid_cents + delta_cents
    balance = invoice.total_cents - paid
    status = invoice_state.after_payment_status(invoice, balance)
    when = (invoice.paid_date if invoice.status == "paid" else paid_date) if status == "paid" else None
    return invoice.model_copy(update={"amount_paid_cents": paid, "balance_due_cents": balance, "status": status,
                                      "paid_date": when})


def payment_update_op(invoice: Invoice, delta_cents: int, paid_date: date | None) -> dict[str, Any]:
    """A ``tx_update`` op adding ``delta_cents`` to amountPaidCents, recomputing balanceDueCents, setting the
    status (paid + paidDate at a zero balance; back to sent/overdue on a reversal), leaving or re-entering the
    overdue watch, conditioned on the invoice's version. Compose it with the payment item in one transaction;
    on TransactionConflict naming this op, re-read the invoice and retry."""
    return transition_op(invoice, after_payment(invoice, delta_cents, paid_date))


def payment_settles(invoice: Invoice, delta_cents: int) -> bool:
    """Whether the op of ``payment_update_op(invoice, delta_cents, ...)`` makes the invoice paid (emit
    ``invoice.paid`` then)."""
    return invoice.status != "paid" and invoice.total_cents - invoice.amount_paid_cents - delta_cents <= 0
