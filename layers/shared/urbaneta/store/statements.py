"""Bank statements repository: the statement item, its entries (keyed by import identity, so a bank line is
stored once however often it is imported), batched identity and pointer look-ups, and the file in S3."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from urbaneta.adapters.aws import client
from urbaneta.domain.references import is_valid_rf, normalize
from urbaneta.errors import NotFound
from urbaneta.models.payments import BankEntry, Statement
from urbaneta.settings import get_settings
from urbaneta.store import keys
from urbaneta.store import table as t


def _dump(model: BankEntry | Statement) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def entry_item(e: BankEntry) -> dict[str, Any]:
    return {**keys.bank_entry(e.tenant_id, e.id), **keys.statement_entries_index(e.tenant_id, e.statement_id,
                                                                                  e.position),
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


def save_entry_op(e: BankEntry, *, expect_status: str | None = None) -> dict[str, Any]:
    """Put an entry in a transaction (with the payment it produced), optionally conditioned on its status."""
    if expect_status is None:
        return t.tx_put(entry_item(e), condition=None)
    op = t.tx_put(entry_item(e), condition="#s = :expect", vals={":expect": expect_status})
    op["Put"]["ExpressionAttributeNames"] = {"#s": "status"}
    return op


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


def resolve_pointers(tenant_id: str, references: Iterable[str], invoice_numbers: Iterable[str],
                     payer_ibans: Iterable[str]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """One BatchGetItem round (100 keys per call) for every reference guard, invoice-number guard and known payer:
    (reference → apartment id, invoice number → invoice id, payer IBAN → apartment id)."""
    ref_keys = {keys.apartment_reference(tenant_id, apartment_reference_key(r))["PK"]: r for r in set(references)}
    payer_keys = {keys.known_payer(tenant_id, p)["PK"]: p for p in set(payer_ibans)}
    wanted = [keys.apartment_reference(tenant_id, apartment_reference_key(r)) for r in set(references)]
    wanted += [keys.known_payer(tenant_id, p) for p in set(payer_ibans)]
    refs: dict[str, str] = {}
    # invoice numbers live in GSI2 of the invoices (no guard items): store.invoices looks them up
    from urbaneta.store.invoices import invoice_ids_by_number

    numbers: dict[str, str] = invoice_ids_by_number(tenant_id, invoice_numbers)
    payers: dict[str, str] = {}
    for item in t.batch_get(wanted):
        pk = item["PK"]
        if pk in ref_keys and item.get("apartmentId"):
            refs[ref_keys[pk]] = str(item["apartmentId"])
        elif pk in payer_keys and item.get("apartmentId"):
            payers[payer_keys[pk]] = str(item["apartmentId"])
    return refs, numbers, payers


# ---- the file --------------------------------------------------------------------------------------------------


def file_key(tenant_id: str, statement_id: str, extension: str) -> str:
    return f"tenants/{tenant_id}/statements/{statement_id}.{extension}"


def store_file(key: str, content: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content, ContentType=content_type,
                            ServerSideEncryption="AES256")
