"""Gapless numbering (the counter and per-chunk reservations), new invoices, and the generation lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from urbaneta.domain.invoices import Invoice
from urbaneta.errors import Conflict
from urbaneta.store import keys
from urbaneta.store.invoices.items import invoice_item
from urbaneta.store.table import ConditionFailed, batch_write, get, put, update
from urbaneta.store.transactions import Op, tx_put, tx_update


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
    return batch_write((invoice_item(i) for i in invoices), validated=True)


def create_op(inv: Invoice) -> Op:
    return tx_put(invoice_item(inv), label="invoice")


def create_ops(inv: Invoice) -> list[Op]:
    """The transaction ops that create one invoice (one conditional put: the invoice is one item)."""
    return [create_op(inv)]


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
