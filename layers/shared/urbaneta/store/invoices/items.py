"""Invoice items: the entity to item mapping and the deterministic invoice ids."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from urbaneta.domain import invoice_state
from urbaneta.domain.invoices import Invoice
from urbaneta.store import keys
from urbaneta.store.table import Item, strip_keys

NOT_FOUND = "Invoice not found."


CHANGED = "The invoice changed at the same time; try again."


DUE_INDEX = ("GSI5PK", "GSI5SK")


INVOICE_IDS = uuid.UUID("3d0c8f0e-52b4-4b8e-9a51-6a3c2f1e7b90")


def plain_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value


def invoice_id_for(tenant_id: str, apartment_id: str, period_start: date, period_end: date, revision: int) -> str:
    """The id of an apartment's invoice for a period (revision 0; a credit note's replacement is revision 1...)."""
    name = f"{tenant_id}/{apartment_id}/{period_start.isoformat()}/{period_end.isoformat()}/{revision}"
    return str(uuid.uuid5(INVOICE_IDS, name))


def invoice_item(inv: Invoice) -> Item:
    t, issue = inv.tenant_id, inv.issue_date.isoformat()
    item: Item = {
        **keys.invoice(t, inv.id),
        **keys.invoices_index(t, inv.building_id, inv.apartment_id, issue, inv.number),
        **keys.invoice_number_index(t, inv.number),
        "entity": "invoice",
        **plain_value(inv.model_dump(by_alias=True, exclude_none=True)),
    }
    if invoice_state.watches_due(inv):
        item.update(keys.due_index(t, inv.due_date.isoformat(), inv.id))
    return item


def invoice_of(item: Item) -> Invoice:
    return Invoice.model_validate(strip_keys(item))
