"""Bank statements repository: the statement item, its entries (keyed by import identity, so a bank line is
stored once however often it is imported), batched identity and pointer look-ups, and the file in S3."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from urbaneta.domain.invoices import Invoice
from urbaneta.domain.payments import BankEntry, Statement
from urbaneta.domain.references import is_valid_rf, normalize
from urbaneta.errors import NotFound
from urbaneta.store import keys
from urbaneta.store import table as t
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import TRANSACT_LIMIT, Op, transact, tx_put


def _dump(model: BankEntry | Statement) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def entry_item(e: BankEntry) -> dict[str, Any]:
    return {**keys.bank_entry(e.tenant_id, e.id), **keys.statement_entries_index(e.tenant_id, e.statement_id,
                                                                                  e.position, e.tx_index),
            "entity": "bank_entry", **_dump(e)}


def statement_item(s: Statement) -> dict[str, Any]:
    return {**keys.bank_statement(s.tenant_id, s.id), "entity": "bank_statement", **_dump(s)}


def put_statement(s: Statement) -> None:
    t.put(statement_item(s))


def get_statement(tenant_id: str, statement_id: str) -> Statement:
    item = t.get(keys.bank_statement(tenant_id, statement_id))
    if not item:
        raise NotFound("No such bank statement.")
    return Statement.model_validate(t.strip_keys(item))


def existing_entries(tenant_id: str, entry_ids: Sequence[str]) -> dict[str, BankEntry]:
    """Entries already stored, by identity (BatchGetItem, 100 keys per call)."""
    found = t.batch_get([keys.bank_entry(tenant_id, i) for i in entry_ids])
    return {str(i["id"]): BankEntry.model_validate(t.strip_keys(i)) for i in found}


def write_entries(entries: Iterable[BankEntry]) -> int:
    """BatchWriteItem, 25 per call; returns the calls made."""
    return t.batch_write(entry_item(e) for e in entries)


def slot_item(tenant_id: str, slot: str, entry_id: str, ref_key: str, accounts: Sequence[str] = ()) -> dict[str, Any]:
    return {**keys.bank_fallback_slot(tenant_id, slot), "entity": "bank_fallback_slot", "entryId": entry_id,
            "refKey": ref_key, **({"accounts": list(accounts)} if accounts else {})}


@dataclass(frozen=True)
class Holder:
    """The line that holds a fallback slot: its reference key ("" when it had none) and its payer's account
    forms (none when the file named the payer by name only)."""

    ref_key: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """A new entry to write, with the fallback slots it takes (those still free) and what they record."""

    entry: BankEntry
    slots: tuple[str, ...]
    ref_key: str
    accounts: tuple[str, ...] = ()

    @property
    def ops(self) -> int:
        return 1 + len(self.slots)


def existing_slots(tenant_id: str, slots: Sequence[str]) -> dict[str, Holder]:
    """Fallback slots already held (BatchGetItem, 100 keys per call): slot → its holder."""
    by_pk = {keys.bank_fallback_slot(tenant_id, s)["PK"]: s for s in slots}
    found = t.batch_get([keys.bank_fallback_slot(tenant_id, s) for s in set(slots)])
    return {by_pk[str(i["PK"])]: Holder(str(i.get("refKey", "")), tuple(str(a) for a in i.get("accounts") or ()))
            for i in found}


def _groups(claims: Sequence[Claim]) -> list[list[Claim]]:
    """Claims cut into transactions of at most TRANSACT_LIMIT operations (an entry and each of its slots)."""
    out: list[list[Claim]] = [[]]
    size = 0
    for c in claims:
        if out[-1] and size + c.ops > TRANSACT_LIMIT:
            out.append([])
            size = 0
        out[-1].append(c)
        size += c.ops
    return [g for g in out if g]


def claim_entries(claims: Sequence[Claim]) -> set[str]:
    """Write new entries, each with the fallback slots it takes, in transactions of at most 100 operations,
    each conditioned on not existing. An entry whose identity or a slot was taken in the meantime (a concurrent
    import) is left out and its id returned: the caller counts it a duplicate."""
    lost: set[str] = set()
    for group in _groups(claims):
        while group:
            ops: list[Op] = []
            for c in group:
                ops.append(tx_put(entry_item(c.entry), label=c.entry.id))
                ops += [tx_put(slot_item(c.entry.tenant_id, slot, c.entry.id, c.ref_key, c.accounts),
                               label=c.entry.id) for slot in c.slots]
            try:
                transact(ops, conflict_message="The statement entry was recorded already.")
                break
            except ConditionFailed as exc:
                if not set(exc.labels) & {c.entry.id for c in group}:
                    raise
                lost |= set(exc.labels)
                group = [c for c in group if c.entry.id not in exc.labels]
    return lost


def save_entry_op(e: BankEntry, *, expect_status: str | None = None) -> Op:
    """Put an entry in a transaction (with the payment it produced), optionally conditioned on its status."""
    if expect_status is None:
        return tx_put(entry_item(e), condition=None, label="entry")
    return tx_put(entry_item(e), condition="#s = :expect", names={"#s": "status"}, vals={":expect": expect_status},
                  label="entry")


def get_entry(tenant_id: str, entry_id: str) -> BankEntry:
    item = t.get(keys.bank_entry(tenant_id, entry_id))
    if not item:
        raise NotFound("No such statement entry.")
    return BankEntry.model_validate(t.strip_keys(item))


def page_entries(tenant_id: str, statement_id: str, *, limit: int, start_key: dict[str, Any] | None
                 ) -> tuple[list[BankEntry], dict[str, Any] | None]:
    items, last = t.query_page(keys.statement_entries_partition(tenant_id, statement_id), index="GSI1", limit=limit,
                               start_key=start_key)
    return [BankEntry.model_validate(t.strip_keys(i)) for i in items], last


# ---- batched pointer look-ups for reconciliation ------------------------------------------------------------------


def apartment_reference_key(reference: str) -> str:
    """An apartment's reference as stored: 7-3-1; an RF reference wrapping it is unwrapped."""
    ref = normalize(reference)
    return ref[4:] if ref.startswith("RF") and is_valid_rf(ref) else ref


def resolve_pointers(tenant_id: str, references: Iterable[str], payer_ibans: Iterable[str]
                     ) -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """One BatchGetItem round (100 keys per call) for every reference guard and known payer of an import:
    (reference → (apartment id, building id), payer IBAN → apartment id)."""
    refs_by_pk = {keys.apartment_reference(tenant_id, apartment_reference_key(r))["PK"]: r for r in set(references)}
    payers_by_pk = {keys.known_payer(tenant_id, p)["PK"]: p for p in set(payer_ibans)}
    wanted = [keys.apartment_reference(tenant_id, apartment_reference_key(r)) for r in set(references)]
    wanted += [keys.known_payer(tenant_id, p) for p in set(payer_ibans)]
    refs: dict[str, tuple[str, str | None]] = {}
    payers: dict[str, str] = {}
    for item in t.batch_get(wanted):
        pk = item["PK"]
        if pk in refs_by_pk and item.get("apartmentId"):
            building = item.get("buildingId")
            refs[refs_by_pk[pk]] = (str(item["apartmentId"]), str(building) if building else None)
        elif pk in payers_by_pk and item.get("apartmentId"):
            payers[payers_by_pk[pk]] = str(item["apartmentId"])
    return refs, payers


def open_invoices_of_building(tenant_id: str, building_id: str) -> dict[str, list[Invoice]]:
    """apartment id → its open invoices (oldest due first), for a whole building in one paged GSI1 Query over
    the invoicing capability's building range: an import paying many apartments of a building reads their
    open invoices together instead of one Query per apartment. Same rule as
    ``store.invoices.list_open_invoices_for_apartment`` (balance > 0; draft, sent or overdue; no credit notes)."""
    out: dict[str, list[Invoice]] = {}
    for item in t.query_all(
        keys.invoices_partition(tenant_id), index="GSI1", sk_prefix=keys.invoices_building_prefix(building_id),
        filter_expression="balanceDueCents > :zero AND #st IN (:d, :s, :o) AND attribute_not_exists(creditNoteOf)",
        filter_names={"#st": "status"}, filter_values={":zero": 0, ":d": "draft", ":s": "sent", ":o": "overdue"},
    ):
        invoice = Invoice.model_validate(t.strip_keys(item))
        out.setdefault(invoice.apartment_id, []).append(invoice)
    for invoices in out.values():
        invoices.sort(key=lambda i: (i.due_date, i.issue_date, i.number))
    return out

