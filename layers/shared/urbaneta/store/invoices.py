"""Invoices in the single table (see docs/data-model.md, "Invoicing").

- An invoice: ``PK = T#<t>#INV#<id>``, ``SK = INVOICE``, ONE item. Listed per building and apartment in GSI1
  (``T#<t>#INVOICES`` / ``B#<b>#A#<a>#<issueDate>#<number>``) and by number in GSI2 (``T#<t>#INVNO`` /
  ``<number>``: the lookup by number and the tenant-wide list).
- While it is sent, unpaid and not yet overdue it also sits in GSI3's sparse, sharded ``DUE#<n>`` partition
  (``<dueDate>#<t>#<id>``): the overdue sweep's only way in. Paying it, sweeping it or cancelling it removes it.
- Its id is derived from (tenant, apartment, period, revision): the identity of "this apartment's invoice for
  this period" is the item key itself, so a regenerated or redelivered chunk finds it (BatchGetItem) and never
  writes a second one. A credit note cancels revision r; the next generation creates revision r+1.
- Numbers come from ``INVCOUNTER#<prefix>``: one UpdateItem per generation chunk adds N to ``last`` and records
  the reservation (which apartments of which job chunk got which block) in the same item, conditioned on the chunk
  not having reserved before. A retried chunk re-reads its reservation and writes the same numbers again.

For payments: ``get_invoice``, ``find_invoice_by_number``, ``list_open_invoices_for_apartment``,
``transition_op`` (with ``domain.invoice_state.after_payment``);
for buildings: ``has_invoices_for_building``/``_for_apartment``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from urbaneta.clock import now_iso
from urbaneta.domain import invoice_state
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys
from urbaneta.store.table import (
    ConditionFailed,
    Item,
    batch_get,
    batch_write,
    get,
    put,
    query_all,
    query_page,
    strip_keys,
    update,
)
from urbaneta.store.transactions import Op, transact, tx_put, tx_update

NOT_FOUND = "Invoice not found."
CHANGED = "The invoice changed at the same time; try again."
_GSI3 = ("GSI3PK", "GSI3SK")
_IDS = uuid.UUID("3d0c8f0e-52b4-4b8e-9a51-6a3c2f1e7b90")


# --- item mapping -------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def invoice_id_for(tenant_id: str, apartment_id: str, period_start: date, period_end: date, revision: int) -> str:
    """The id of an apartment's invoice for a period (revision 0; a credit note's replacement is revision 1...)."""
    name = f"{tenant_id}/{apartment_id}/{period_start.isoformat()}/{period_end.isoformat()}/{revision}"
    return str(uuid.uuid5(_IDS, name))


def invoice_item(inv: Invoice) -> Item:
    t, issue = inv.tenant_id, inv.issue_date.isoformat()
    item: Item = {
        **keys.invoice(t, inv.id),
        **keys.invoices_index(t, inv.building_id, inv.apartment_id, issue, inv.number),
        **keys.invoice_number_index(t, inv.number),
        "entity": "invoice",
        **_plain(inv.model_dump(by_alias=True, exclude_none=True)),
    }
    if invoice_state.watches_due(inv):
        item.update(keys.due_index(t, inv.due_date.isoformat(), inv.id))
    return item


def _invoice(item: Item) -> Invoice:
    return Invoice.model_validate(strip_keys(item))


# --- reads -----------------------------------------------------------------------------------------------------


def get_invoice(tenant_id: str, invoice_id: str) -> Invoice:
    item = get(keys.invoice(tenant_id, invoice_id))
    if not item:
        raise NotFound(NOT_FOUND)
    return _invoice(item)


def get_invoices(tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
    """Several invoices by id (BatchGetItem); unknown ids are left out, order is not kept."""
    found = batch_get([keys.invoice(tenant_id, i) for i in invoice_ids])
    return [_invoice(i) for i in found if i.get("entity") == "invoice"]


def _by_id(tenant_id: str, invoice_ids: Sequence[str]) -> dict[str, Invoice]:
    return {i.id: i for i in get_invoices(tenant_id, invoice_ids)}


def find_invoice_by_number(tenant_id: str, number: str) -> Invoice | None:
    items, _ = query_page(keys.invoice_numbers_partition(tenant_id), index="GSI2", sk_between=(number, number),
                          limit=1)
    return _invoice(items[0]) if items else None


def invoice_ids_by_number(tenant_id: str, numbers: Iterable[str]) -> dict[str, str]:
    """number → invoice id for the numbers that exist (one GSI2 Query each; numbers are not table keys)."""
    out: dict[str, str] = {}
    for number in sorted(set(numbers)):
        found = find_invoice_by_number(tenant_id, number)
        if found is not None:
            out[number] = found.id
    return out


def current_invoices(tenant_id: str, apartment_ids: Sequence[str], period_start: date, period_end: date
                     ) -> dict[str, tuple[int, Invoice | None]]:
    """apartment id → (revision, its live invoice for the period or None when there is none yet). Revision 0 is
    looked up for every apartment with one BatchGetItem; a cancelled one sends us to the next revision."""
    out: dict[str, tuple[int, Invoice | None]] = {}
    pending = {a: 0 for a in apartment_ids}
    while pending:
        ids = {invoice_id_for(tenant_id, a, period_start, period_end, r): a for a, r in pending.items()}
        found = _by_id(tenant_id, list(ids))
        nxt: dict[str, int] = {}
        for invoice_id, apartment_id in ids.items():
            inv = found.get(invoice_id)
            revision = pending[apartment_id]
            if inv is not None and inv.status == "cancelled":
                nxt[apartment_id] = revision + 1
            else:
                out[apartment_id] = (revision, inv)
        pending = nxt
    return out


def _apartment_building(tenant_id: str, apartment_id: str) -> str | None:
    item = get(keys.apartment(tenant_id, apartment_id), consistent=False)
    return str(item["buildingId"]) if item and item.get("buildingId") else None


def apartment_query(tenant_id: str, apartment_id: str) -> tuple[str, str] | None:
    """(partition, prefix) of an apartment's invoices in GSI1, or None for an unknown apartment."""
    building_id = _apartment_building(tenant_id, apartment_id)
    if building_id is None:
        return None
    return keys.invoices_partition(tenant_id), keys.invoices_apartment_prefix(building_id, apartment_id)


def apartment_invoices(tenant_id: str, building_id: str, apartment_id: str) -> list[Invoice]:
    """Every invoice of an apartment (workers: late interest)."""
    items = query_all(keys.invoices_partition(tenant_id), index="GSI1",
                      sk_prefix=keys.invoices_apartment_prefix(building_id, apartment_id))
    return [_invoice(i) for i in items]


def list_open_invoices_for_apartment(tenant_id: str, apartment_id: str) -> list[Invoice]:
    """Invoices a payment for the apartment can go to: not cancelled, not a credit note, balance > 0
    (drafts included: a draft already has its number and reference). Oldest due date first."""
    where = apartment_query(tenant_id, apartment_id)
    if where is None:
        return []
    items = query_all(
        where[0], index="GSI1", sk_prefix=where[1],
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
    where = apartment_query(tenant_id, apartment_id)
    if where is None:
        return False
    items, _ = query_page(where[0], index="GSI1", sk_prefix=where[1], limit=1)
    return bool(items)


def list_invoices_page(tenant_id: str, *, building_id: str | None, apartment_id: str | None,
                       status: str | None, issued_from: date | None, issued_to: date | None, limit: int,
                       start_key: dict[str, Any] | None, hide_drafts: bool = False
                       ) -> tuple[list[Invoice], dict[str, Any] | None]:
    """One Query. An apartment: GSI1 with its prefix and the issue-date range in the key condition. A building:
    GSI1 with the building prefix. Neither: GSI2 (number order). Status and the remaining ranges are filters."""
    lo, hi = (issued_from.isoformat() if issued_from else "0000"), (issued_to.isoformat() if issued_to else "9999")
    filters: list[str] = []
    names: dict[str, str] = {}
    vals: dict[str, Any] = {}
    if status:
        filters.append("#st = :st")
        names["#st"], vals[":st"] = "status", status
    if hide_drafts:
        filters.append("#st <> :draft")
        names["#st"], vals[":draft"] = "status", "draft"
    kwargs: dict[str, Any] = {}
    if apartment_id:
        where = apartment_query(tenant_id, apartment_id)
        if where is None or (building_id and where[1] != keys.invoices_apartment_prefix(building_id, apartment_id)):
            return [], None
        pk, index = where[0], "GSI1"
        kwargs["sk_between"] = (f"{where[1]}{lo}", f"{where[1]}{hi}~")
    else:
        if building_id:
            pk, index = keys.invoices_partition(tenant_id), "GSI1"
            kwargs["sk_prefix"] = keys.invoices_building_prefix(building_id)
        else:
            pk, index = keys.invoice_numbers_partition(tenant_id), "GSI2"
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


# --- numbers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    """A block of numbers ``first .. first + len(positions) - 1`` taken by one job chunk, for the apartments at
    ``positions`` (indexes into the chunk's apartment list), in that order."""

    first: int
    positions: tuple[int, ...]


def _reservation_names(job_id: str, chunk: int) -> tuple[str, str]:
    return f"R#{job_id}#{chunk}", f"P#{job_id}#{chunk}"


def reserve_numbers(tenant_id: str, prefix: str, job_id: str, chunk: int, positions: Sequence[int]) -> Reservation:
    """ONE UpdateItem: add len(positions) to the counter and record the reservation in the same item, unless this
    chunk reserved before - then its earlier reservation is returned (a retried chunk reuses its numbers)."""
    first_name, pos_name = _reservation_names(job_id, chunk)
    encoded = ",".join(str(p) for p in positions)
    try:
        out = update(
            keys.invoice_counter(tenant_id, prefix),
            # both operands read ``last`` as it was before this update
            "SET #first = if_not_exists(#last, :zero) + :one, #last = if_not_exists(#last, :zero) + "
            ":n, #pos = :pos, entity = :entity, prefix = :prefix",
            condition="attribute_not_exists(#first)",
            names={"#last": "last", "#first": first_name, "#pos": pos_name},
            vals={":zero": 0, ":one": 1, ":n": len(positions), ":pos": encoded, ":entity": "invoice_counter",
                  ":prefix": prefix},
            returns="UPDATED_NEW",
        )
        return Reservation(int((out or {})[first_name]), tuple(positions))
    except ConditionFailed:
        earlier = find_reservation(tenant_id, prefix, job_id, chunk)
        if earlier is None:  # pragma: no cover - a reservation is never removed before its job completes
            raise
        return earlier


def find_reservation(tenant_id: str, prefix: str, job_id: str, chunk: int) -> Reservation | None:
    first_name, pos_name = _reservation_names(job_id, chunk)
    item = get(keys.invoice_counter(tenant_id, prefix)) or {}
    if first_name not in item:
        return None
    text = str(item.get(pos_name) or "")
    return Reservation(int(item[first_name]), tuple(int(p) for p in text.split(",") if p))


def release_reservations(tenant_id: str, prefix: str, job_id: str, chunks: int) -> None:
    """Forget a finished job's reservations (its invoices exist; nothing will ask for them again)."""
    names: dict[str, str] = {}
    for n in range(chunks):
        first_name, pos_name = _reservation_names(job_id, n)
        names[f"#f{n}"], names[f"#p{n}"] = first_name, pos_name
    for start in range(0, len(names), 200):
        part = dict(list(names.items())[start : start + 200])
        update(keys.invoice_counter(tenant_id, prefix), "REMOVE " + ", ".join(part), names=part, return_new=False)


def counter_value(tenant_id: str, prefix: str) -> int:
    item = get(keys.invoice_counter(tenant_id, prefix))
    return int(item["last"]) if item and "last" in item else 0


def counter_op(tenant_id: str, prefix: str, expected: int, new_last: int) -> Op:
    """Move the counter from ``expected`` to ``new_last`` inside a transaction (credit notes): fails, and with it
    the transaction, if another writer took numbers in between."""
    vals: dict[str, Any] = {":new": new_last, ":entity": "invoice_counter", ":prefix": prefix}
    if expected:
        vals[":expected"] = expected
    return tx_update(
        keys.invoice_counter(tenant_id, prefix),
        "SET #last = :new, entity = :entity, prefix = :prefix",
        names={"#last": "last"},
        vals=vals,
        condition="#last = :expected" if expected else "attribute_not_exists(#last)",
        label="counter",
    )


def write_new(invoices: Sequence[Invoice]) -> int:
    """BatchWriteItem, 25 invoices per call (one item each). Only for invoices whose deterministic ids were just
    seen not to exist, holding numbers of the caller's reservation. Returns the calls made."""
    return batch_write(invoice_item(i) for i in invoices)


def create_op(inv: Invoice) -> Op:
    return tx_put(invoice_item(inv), label="invoice")


def create_ops(inv: Invoice) -> list[Op]:
    """The transaction ops that create one invoice (one conditional put: the invoice is one item)."""
    return [create_op(inv)]


# --- generation locks ------------------------------------------------------------------------------------------


def lock_generation(tenant_id: str, building_id: str, period_start: date, period_end: date, job_id: str,
                    *, holder_done: bool, holder: str | None, now: int, ttl: int) -> None:
    """Take the building+period generation lock for ``job_id``: free, expired, or held by a finished job
    (``holder``/``holder_done`` as just read; the condition makes the take-over race-safe). 409 otherwise."""
    key = keys.generation_lock(tenant_id, building_id, period_start.isoformat(), period_end.isoformat())
    item = {**key, "entity": "generation_lock", "jobId": job_id, "expiresAt": now + ttl, "TTL": now + ttl}
    vals: dict[str, Any] = {":now": now}
    condition = "attribute_not_exists(PK) OR expiresAt < :now"
    if holder and holder_done:
        condition += " OR jobId = :holder"
        vals[":holder"] = holder
    try:
        put(item, condition=condition, vals=vals)
    except ConditionFailed as exc:
        raise Conflict("Invoices for this building and period are being generated; wait for that job.") from exc


def generation_lock_holder(tenant_id: str, building_id: str, period_start: date, period_end: date) -> str | None:
    item = get(keys.generation_lock(tenant_id, building_id, period_start.isoformat(), period_end.isoformat()))
    return str(item["jobId"]) if item else None


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


_TRACKED = ("status", "amountPaidCents", "balanceDueCents", "paidDate", "sentAt", "overdueAt", "cancelledAt",
            "cancelledBy", "reference")


def transition_op(inv: Invoice, after: Invoice) -> Op:
    """A versioned update from ``inv`` to ``after`` (status, stamps, money) keeping the due watch in step."""
    sets: dict[str, Any] = {}
    removes: list[str] = []
    before_d = _plain(inv.model_dump(by_alias=True))
    after_d = _plain(after.model_dump(by_alias=True))
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
        removes.extend(_GSI3)
    expression, names, vals, condition = _versioned(inv, sets, removes)
    return tx_update(keys.invoice(inv.tenant_id, inv.id), expression, names=names, vals=vals, condition=condition,
                     label=f"invoice:{inv.id}")


def apply(ops: Sequence[Op]) -> None:
    """Run a transaction of invoice ops; a failed version check is a 409."""
    transact(ops, conflict_message=CHANGED)


def save_transition(inv: Invoice, after: Invoice) -> Invoice:
    apply([transition_op(inv, after)])
    return after.model_copy(update={"version": inv.version + 1})


def credit_note_ops(original: Invoice, cancelled: Invoice, note: Invoice) -> list[Op]:
    """Cancel the original (versioned) and create the credit note with its own number. The next generation of
    the period then finds the original cancelled and creates the next revision."""
    return [transition_op(original, cancelled), create_op(note)]
