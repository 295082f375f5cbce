"""One-time login links, stored by the SHA-256 of their token; spending one is a conditional delete."""

from __future__ import annotations

from typing import Any

from urbaneta.store import keys, table


def create(token_hash: str, *, tenant_id: str, user_id: str, expires_at: int) -> None:
    table.put_new({**keys.magic_link(token_hash), "entity": "magic_link", "tenantId": tenant_id,
                   "userId": user_id, "expiresAt": expires_at, "TTL": expires_at + 3600})


def spend(token_hash: str, *, now: int) -> dict[str, Any] | None:
    """Delete the link if it exists and has not expired, returning what it held; None otherwise. Two
    concurrent verifications of one link: exactly one gets it."""
    try:
        return table.delete(keys.magic_link(token_hash), condition="attribute_exists(PK) AND expiresAt > :now",
                            vals={":now": now}, return_old=True)
    except table.ConditionFailed:
        return None


def peek(token_hash: str, *, now: int) -> dict[str, Any] | None:
    """The link if it exists and has not expired, without spending it (the hosted page shows a button; a mail
    scanner that opens the page spends nothing)."""
    item = table.get(keys.magic_link(token_hash), consistent=True)
    return item if item and int(item.get("expiresAt", 0)) > now else None
