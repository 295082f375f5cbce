"""Sessions: one item per login, which is also the family of its refresh tokens.

The item holds the SHA-256 of the one refresh token that may be presented next (``refreshHash``); rotation
swaps it under a condition, so a refresh token is single-use without any read-then-write.
"""

from __future__ import annotations

from typing import Any

from urbaneta.store import keys, table


def put_session(tenant_id: str, session_id: str, *, user_id: str, role: str, kind: str,
                apartment_ids: list[str], created_at: int, expires_at: int, refresh_hash: str | None) -> None:
    table.put_new({
        **keys.session(tenant_id, session_id),
        "entity": "session",
        "tenantId": tenant_id,
        "sessionId": session_id,
        "userId": user_id,
        "role": role,
        "kind": kind,
        "apartmentIds": apartment_ids,
        "revoked": False,
        "refreshHash": refresh_hash,
        "generation": 0,
        "createdAt": created_at,
        "expiresAt": expires_at,
        "TTL": expires_at + 86_400,
    })


def get_session(tenant_id: str, session_id: str) -> dict[str, Any] | None:
    return table.get(keys.session(tenant_id, session_id), consistent=True)


def rotate(tenant_id: str, session_id: str, *, user_id: str, presented_hash: str, next_hash: str, now: int
           ) -> dict[str, Any] | None:
    """Spend the presented refresh token and record the next one. None when the session is unknown,
    revoked, expired, another user's, or the presented token is not the current one (already spent)."""
    try:
        return table.update(
            keys.session(tenant_id, session_id), "SET refreshHash = :next, rotatedAt = :now ADD generation :one",
            condition=("attribute_exists(PK) AND revoked = :false AND userId = :user "
                       "AND refreshHash = :presented AND expiresAt > :now"),
            vals={":next": next_hash, ":now": now, ":one": 1, ":false": False, ":user": user_id,
                  ":presented": presented_hash},
        )
    except table.ConditionFailed:
        return None


def revoke(tenant_id: str, session_id: str, *, reason: str, now: int, user_id: str | None = None) -> bool:
    """Mark a session (the whole refresh-token family) revoked. False when there is no such session (of that
    user, when ``user_id`` is given)."""
    condition = "attribute_exists(PK)" + (" AND userId = :user" if user_id else "")
    vals: dict[str, Any] = {":true": True, ":reason": reason, ":now": now}
    if user_id:
        vals[":user"] = user_id
    try:
        table.update(keys.session(tenant_id, session_id),
                     "SET revoked = :true, revokedReason = if_not_exists(revokedReason, :reason), "
                     "revokedAt = if_not_exists(revokedAt, :now) REMOVE refreshHash",
                     condition=condition, vals=vals, return_new=False)
    except table.ConditionFailed:
        return False
    return True
