"""Resident profiles and residences.

- The profile (``SK = RESIDENT``): the user's name, e-mail and apartments (with owner/tenant role), listed on
  GSI1 by e-mail; written with an optimistic version so concurrent links of the same user cannot lose one.
- One residence item per apartment (``SK = APT#<a>``) in the same item collection, written in the same
  transaction: listed per building (GSI2, by apartment number) and per apartment (GSI3, by e-mail).
"""

from __future__ import annotations

from typing import Any

from urbaneta.domain.residents import Residence, Resident
from urbaneta.store import keys, table, transactions

ENTITY = "resident"
RESIDENCE_ENTITY = "residence"


def get(tenant_id: str, user_id: str) -> Resident | None:
    item = table.get(keys.resident(tenant_id, user_id))
    return Resident.model_validate(table.strip_keys(item)) if item else None


def _residence_item(resident: Resident, residence: Residence) -> dict[str, Any]:
    return {
        **keys.residency(resident.tenant_id, resident.user_id, residence.apartment_id),
        **keys.residency_indexes(resident.tenant_id, residence.building_id, residence.apartment_id, residence.number,
                                 resident.email, resident.user_id),
        "entity": RESIDENCE_ENTITY,
        "userId": resident.user_id,
        "tenantId": resident.tenant_id,
        "name": resident.name,
        "email": resident.email,
        "createdAt": resident.created_at,
        "updatedAt": resident.updated_at,
        "residence": residence.model_dump(by_alias=True),
    }


def save(resident: Resident, *, expected_version: int | None, added: Residence) -> None:
    """Create (expected_version None) or replace the profile, and put the added residence, together; a
    concurrent change of the profile is a Conflict."""
    profile = {**keys.resident(resident.tenant_id, resident.user_id),
               **keys.residents_index(resident.tenant_id, resident.email, resident.user_id),
               "entity": ENTITY, **resident.stored()}
    if expected_version is None:
        first = transactions.tx_put(profile)
    else:
        first = transactions.tx_put(profile, condition="version = :v", vals={":v": expected_version})
    transactions.transact([first, transactions.tx_put(_residence_item(resident, added), condition=None)],
                   conflict_message="The resident changed meanwhile.")


def remove_residence(resident: Resident, apartment_id: str, *, expected_version: int) -> None:
    """Replace the profile (without the apartment) and delete the residence item, together; a concurrent
    change of the profile is a Conflict."""
    profile = {**keys.resident(resident.tenant_id, resident.user_id),
               **keys.residents_index(resident.tenant_id, resident.email, resident.user_id),
               "entity": ENTITY, **resident.stored()}
    transactions.transact([
        transactions.tx_put(profile, condition="version = :v", vals={":v": expected_version}),
        transactions.tx_delete(keys.residency(resident.tenant_id, resident.user_id, apartment_id)),
    ], conflict_message="The resident changed meanwhile.")


def page(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
         ) -> tuple[list[Resident], dict[str, Any] | None]:
    """Every resident with all their apartments, by e-mail."""
    items, last = table.query_page(keys.residents_partition(tenant_id), index="GSI1", limit=limit,
                                   start_key=start_key)
    return [Resident.model_validate(table.strip_keys(i)) for i in items], last


def residences_page(tenant_id: str, *, building_id: str | None, apartment_id: str | None, limit: int,
                    start_key: dict[str, Any] | None) -> tuple[list[Resident], dict[str, Any] | None]:
    """Residences of an apartment (GSI3, by e-mail) or of a building (GSI2, by apartment number), each as a
    resident holding that one apartment. With both filters the apartment's partition is read and the
    building narrows it."""
    kwargs: dict[str, Any] = {}
    if apartment_id is not None:
        index, partition = "GSI3", keys.apartment_residents_partition(tenant_id, apartment_id)
        if building_id is not None:
            kwargs = {"filter_expression": "#r.#b = :b", "filter_names": {"#r": "residence", "#b": "buildingId"},
                      "filter_values": {":b": building_id}}
    elif building_id is not None:
        index, partition = "GSI2", keys.building_residents_partition(tenant_id, building_id)
    else:
        raise ValueError("a building or an apartment is required")
    items, last = table.query_page(partition, index=index, limit=limit, start_key=start_key, **kwargs)
    out = []
    for item in items:
        residence = Residence.model_validate(item["residence"])
        out.append(Resident(user_id=str(item["userId"]), tenant_id=str(item["tenantId"]), name=str(item["name"]),
                            email=str(item["email"]), apartments=[residence], created_at=str(item["createdAt"]),
                            updated_at=str(item["updatedAt"])))
    return out, last
