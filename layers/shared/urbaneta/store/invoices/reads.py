"""Invoice reads: by id and number, an apartment's and a building's invoices, the list page, the sweep's shards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.store import keys
from urbaneta.store.invoices.items import NOT_FOUND, invoice_id_for, invoice_of
from urbaneta.store.table import Item, batch_get, get, query_all, query_page


def get_invoice(tenant_id: str, invoice_id: str) -> Invoice:
    item = get(keys.invoice(tenant_id, invoice_id))
    if not item:
        raise NotFound(NOT_FOUND)
    return invoice_of(item)


def get_invoices(tenant_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
    """Several invoices by id (BatchGetItem); unknown ids are left out, order is not kept."""
    found = batch_get([keys.invoice(tenant_id, i) for i in invoice_ids])
    return [invoice_of(i) for i in found if i.get("entity") == "invoice"]


def _by_id(tenant_id: str, invoice_ids: Sequence[str]) -> dict[str, Invoice]:
    return {i.id: i for i in get_invoices(tenant_id, invoice_ids)}


def _numbered(tenant_id: str, number: str, *, entries_only: bool = False) -> Item | None:
    """The invoice of this number (one Query of GSI4), or its index entry only (the id is in its key)."""
    items, _ = query_page(keys.invoice_numbers_partition(tenant_id), index="GSI4", sk_between=(number, number),
                          limit=1, entries_only=entries_only)
    return items[0] if items else None


def find_invoice_by_number(tenant_id: str, number: str) -> Invoice | None:
    item = _numbered(tenant_id, number)
    return invoice_of(item) if item else None


def invoice_ids_by_number(tenant_id: str, numbers: Iterable[str]) -> dict[str, str]:
    """number → invoice id for the numbers that exist (one GSI4 Query each, its entries only)."""
    found = {number: _numbered(tenant_id, number, entries_only=True) for number in sorted(set(numbers))}
    return {number: keys.invoice_id_of(entry) for number, entry in found.items() if entry}


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
    return [invoice_of(i) for i in items]


def building_invoice_history(tenant_id: str, building_id: str, apartment_ids: Iterable[str]
                             ) -> dict[str, list[Invoice]]:
    """Every live invoice (not cancelled, not a credit note: what late interest counts) of the given apartments
    of a building, each apartment's in ``apartment_invoices``' order, from ONE paged Query of the building's
    invoices (generation: late interest for a chunk); only the given apartments' items become invoices."""
    out: dict[str, list[Invoice]] = {a: [] for a in apartment_ids}
    for item in query_all(keys.invoices_partition(tenant_id), index="GSI1",
                          sk_prefix=keys.invoices_building_prefix(building_id),
                          filter_expression="#st <> :cancelled AND attribute_not_exists(creditNoteOf)",
                          filter_names={"#st": "status"}, filter_values={":cancelled": "cancelled"}, limit=5_000):
        mine = out.get(str(item.get("apartmentId")))
        if mine is not None:
            mine.append(invoice_of(item))
    return out


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
    found = [invoice_of(i) for i in items]
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


class _Filters:
    """A list's filters, each as a filter expression (GSI1: DynamoDB filters the page) and as a check on the item
    (GSI4 projects keys only: the invoices read after the entries are filtered here; the page is the same)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.checks: list[Callable[[Item], bool]] = []
        self.names: dict[str, str] = {}
        self.vals: dict[str, Any] = {}

    def add(self, part: str, check: Callable[[Item], bool], **vals: Any) -> None:
        self.parts.append(part)
        self.checks.append(check)
        self.vals.update({f":{k}": v for k, v in vals.items()})
        if "#st" in part:
            self.names["#st"] = "status"

    def query(self, pk: str, index: str, **kwargs: Any) -> tuple[list[Item], dict[str, Any] | None]:
        if index in keys.SLIM_INDEXES:
            items, last = query_page(pk, index=index, **kwargs)
            return [i for i in items if all(check(i) for check in self.checks)], last
        return query_page(pk, index=index, filter_expression=" AND ".join(self.parts) or None,
                          filter_names=self.names or None, filter_values=self.vals or None, **kwargs)


def list_invoices_page(tenant_id: str, *, building_id: str | None, apartment_id: str | None,
                       status: str | None, issued_from: date | None, issued_to: date | None, limit: int,
                       start_key: dict[str, Any] | None, hide_drafts: bool = False,
                       period_end_from: date | None = None, period_end_before: date | None = None,
                       ) -> tuple[list[Invoice], dict[str, Any] | None]:
    """One Query. An apartment: GSI1 with its prefix and the issue-date range in the key condition. A building:
    GSI1 with the building prefix. Neither: GSI4 (number order; the invoices read after, ``table.hydrated``).
    Status, the remaining ranges and a resident's window after an ownership change (the billing period's end:
    from, before) are filters."""
    lo, hi = (issued_from.isoformat() if issued_from else "0000"), (issued_to.isoformat() if issued_to else "9999")
    f = _Filters()
    if status:
        f.add("#st = :st", lambda i: i.get("status") == status, st=status)
    if hide_drafts:
        f.add("#st <> :draft", lambda i: i.get("status") != "draft", draft="draft")
    if period_end_from:
        pef = period_end_from.isoformat()
        f.add("periodEnd >= :pef", lambda i: str(i.get("periodEnd", "")) >= pef, pef=pef)
    if period_end_before:
        peb = period_end_before.isoformat()
        f.add("periodEnd < :peb", lambda i: str(i.get("periodEnd", "")) < peb, peb=peb)
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
            pk, index = keys.invoice_numbers_partition(tenant_id), "GSI4"
        if issued_from or issued_to:
            f.add("issueDate BETWEEN :lo AND :hi", lambda i: lo <= str(i.get("issueDate", "")) <= hi, lo=lo, hi=hi)
    items, last = f.query(pk, index, limit=limit, start_key=start_key, **kwargs)
    return [invoice_of(i) for i in items], last


def invoices_of_building(tenant_id: str, building_id: str, *, status: str | Sequence[str] | None = None
                         ) -> Iterator[Invoice]:
    """Every invoice of a building (workers, and the reminder dry run), of one or several statuses."""
    kwargs: dict[str, Any] = {}
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        marks = {f":st{i}": s for i, s in enumerate(wanted)}
        kwargs = {"filter_expression": f"#st IN ({', '.join(marks)})", "filter_names": {"#st": "status"},
                  "filter_values": marks}
    for item in query_all(keys.invoices_partition(tenant_id), index="GSI1",
                          sk_prefix=keys.invoices_building_prefix(building_id), **kwargs):
        yield invoice_of(item)


def due_page(shard: int, today: date, *, start: dict[str, Any] | None, limit: int, only_sent: bool = True
             ) -> tuple[list[Invoice], dict[str, Any] | None]:
    """One page of at most ``limit`` watched invoices of one shard due before ``today`` (from ``start``), and where
    the next page starts (None: the shard is done). ``only_sent`` (the overdue sweep): those still ``sent`` as the
    index holds them (the overdue ones stay in the watch for reminders and are filtered out on the entries, before
    any invoice is read); otherwise (the reminders) every watched one. The invoices are read after the entries."""
    sent: dict[str, Any] = {"filter_expression": "#st = :sent", "filter_names": {"#st": "status"},
                            "filter_values": {":sent": "sent"}} if only_sent else {}
    # the filter runs on the entries (GSI5 projects status), then query_page reads the invoices kept; a payment
    # may have changed one since its entry was read
    items, last = query_page(keys.due_partition(shard), index="GSI5", sk_between=("0", today.isoformat()),
                             limit=limit, start_key=start, **sent)
    return [invoice_of(i) for i in items if not only_sent or i.get("status") == "sent"], last
