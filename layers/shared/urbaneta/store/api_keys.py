"""API keys: the key item (tenant-scoped, listed through GSI1 while active) and a global pointer from the
key's SHA-256 to it. The key itself is never stored."""

from __future__ import annotations

from typing import Any

from urbaneta.clock import utcnow
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys, table, transactions
from urbaneta.store.table import ConditionFailed


def create(tenant_id: str, key_id: str, *, name: str, role: str, key_hash: str, prefix: str, created_by: str,
           now: str) -> dict[str, Any]:
    # the list's order: creation time to the microsecond (several keys may be made within one second)
    sort_at = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    item = {
        **keys.api_key(tenant_id, key_id),
        **keys.api_keys_index(tenant_id, sort_at, key_id),
        "entity": "api_key",
        "id": key_id,
        "tenantId": tenant_id,
        "name": name,
        "role": role,
        "prefix": prefix,
        "keyHash": key_hash,
        "createdBy": created_by,
        "createdAt": now,
        "status": "active",
    }
    pointer = {**keys.api_key_hash(key_hash), "entity": "api_key_hash", "tenantId": tenant_id, "keyId": key_id,
               "role": role}
    transactions.transact([transactions.tx_put(item), transactions.tx_put(pointer)])
    return table.strip_keys(item)


def find_by_hash(key_hash: str) -> dict[str, Any] | None:
    """The pointer of an active key (tenantId, keyId, role), or None. One read."""
    return table.get(keys.api_key_hash(key_hash), consistent=True)


def list_page(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    items, last = table.query_page(keys.api_keys_partition(tenant_id), index="GSI1", limit=limit,
                                   start_key=start_key)
    return [table.strip_keys(i) for i in items], last


def revoke(tenant_id: str, key_id: str, *, now: str) -> None:
    """Mark the key revoked, take it off the list and delete its pointer, all or nothing; 404 when the key
    is not an active key of this organisation."""
    item = table.get(keys.api_key(tenant_id, key_id), consistent=True)
    if not item or item.get("status") != "active":
        raise NotFound("No such API key.")
    try:
        transactions.transact([
            transactions.tx_update(keys.api_key(tenant_id, key_id),
                            "SET #s = :revoked, revokedAt = :now REMOVE GSI1PK, GSI1SK",
                            names={"#s": "status"}, vals={":revoked": "revoked", ":now": now, ":active": "active"},
                            condition="#s = :active"),
            transactions.tx_delete(keys.api_key_hash(str(item["keyHash"])), condition="attribute_exists(PK)"),
        ])
    except ConditionFailed as exc:  # revoked concurrently
        raise NotFound("No such API key.") from exc


def touch(tenant_id: str, key_id: str, *, now: str) -> None:
    """Record when the key was last exchanged for a token (only while it is active)."""
    try:
        table.update(keys.api_key(tenant_id, key_id), "SET lastUsedAt = :now", vals={":now": now, ":a": "active"},
                     names={"#s": "status"}, condition="#s = :a", return_new=False)
    except Conflict:
        return
