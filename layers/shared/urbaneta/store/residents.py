"""Resident profiles: one item per resident user with their apartments (and role there), listed on GSI1
by e-mail. Written with an optimistic version so concurrent links of the same user cannot lose one."""

from __future__ import annotations

from typing import Any

from urbaneta.models.residents import Resident
from urbaneta.store import keys, table

ENTITY = "resident"


def get(tenant_id: str, user_id: str) -> Resident | None:
    item = table.get(keys.resident(tenant_id, user_id))
    return Resident.model_validate(table.strip_keys(item)) if item else None


def save(resident: Resident, *, expected_version: int | None) -> None:
    """Create (expected_version None) or replace the profile; a concurrent change is a Conflict."""
    item = {**keys.resident(resident.tenant_id, resident.user_id),
            **keys.residents_index(resident.tenant_id, resident.email, resident.user_id),
            "entity": ENTITY, **resident.stored()}
    if expected_version is None:
        table.put_new(item)
        return
    table.transact([table.tx_put(item, condition="version = :v", vals={":v": expected_version})],
                   conflict_message="The resident changed meanwhile.")


def page(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
         ) -> tuple[list[Resident], dict[str, Any] | None]:
    items, last = table.query_page(keys.residents_partition(tenant_id), index="GSI1", limit=limit,
                                   start_key=start_key)
    return [Resident.model_validate(table.strip_keys(i)) for i in items], last
