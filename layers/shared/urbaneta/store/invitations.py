"""Invitations: the invitation item (listed on GSI1 while pending), the global token-hash pointer that
acceptance starts from, and the guard that keeps one pending invitation per apartment and e-mail."""

from __future__ import annotations

from typing import Any, NamedTuple

from urbaneta.domain.residents import Invitation
from urbaneta.errors import Conflict, FieldError, NotFound
from urbaneta.store import keys, table, transactions

ENTITY = "invitation"


def _epoch(iso: str) -> int:
    from urbaneta.clock import parse_rfc3339

    return int(parse_rfc3339(iso).timestamp())


def create(inv: Invitation) -> None:
    """Invitation + token pointer + guard in one transaction. The guard refuses a second pending invitation
    for the same apartment and e-mail (409); an expired one no longer holds it."""
    item = {**keys.invitation(inv.tenant_id, inv.id), **keys.invitations_index(inv.tenant_id, inv.expires_at, inv.id),
            "entity": ENTITY, **inv.stored()}
    create_with_token(item, token_hash=inv.token_hash, guard=keys.invitation_guard(inv.tenant_id, inv.apartment_id,
                                                                                    inv.email),
                      kind="resident", duplicate="A pending invitation for this e-mail and apartment already exists.")


def create_with_token(item: dict[str, Any], *, token_hash: str, guard: dict[str, str], kind: str,
                      duplicate: str) -> None:
    """Write an invitation ``item`` (with ``tenantId``, ``id``, ``expiresAt``, ``createdAt``), the global
    pointer of its token (``kind``: ``resident`` or ``member``) and its guard, in one transaction; a guard
    still held by an unexpired invitation is 409 ``duplicate`` on ``email``."""
    keep_until = _epoch(item["expiresAt"]) + 86_400
    ops = [
        transactions.tx_put(item),
        transactions.tx_put({**keys.invitation_token(token_hash), "entity": "invitation_token", "kind": kind,
                             "tenantId": item["tenantId"], "invitationId": item["id"], "TTL": keep_until}),
        transactions.tx_put({**guard, "entity": "invitation_guard", "invitationId": item["id"],
                             "expiresAt": item["expiresAt"], "TTL": keep_until},
                            condition="attribute_not_exists(PK) OR expiresAt < :now",
                            vals={":now": item["createdAt"]}, label="guard"),
    ]
    try:
        transactions.transact(ops)
    except table.ConditionFailed as exc:
        if "guard" in exc.labels:
            raise Conflict(duplicate, errors=[FieldError("email", duplicate)]) from exc
        raise


def get(tenant_id: str, invitation_id: str) -> Invitation:
    item = table.get(keys.invitation(tenant_id, invitation_id))
    if not item or item.get("entity") != ENTITY:
        raise NotFound("Invitation not found.")
    return Invitation.model_validate(table.strip_keys(item))


class TokenPointer(NamedTuple):
    tenant_id: str
    invitation_id: str
    kind: str  # "resident" (an apartment's invitation) or "member" (staff: store.members)


def find_by_token(token_hash: str) -> TokenPointer | None:
    """(tenantId, invitationId, kind) of a token, or None. The pointer outlives acceptance and cancellation
    (until a day after expiry, by TTL) so that a spent token gets a clear answer rather than 'unknown'."""
    item = table.get(keys.invitation_token(token_hash))
    if not item:
        return None
    return TokenPointer(str(item["tenantId"]), str(item["invitationId"]), str(item.get("kind") or "resident"))


def pending_page(tenant_id: str, *, now: str, limit: int, start_key: dict[str, Any] | None
                 ) -> tuple[list[Invitation], dict[str, Any] | None]:
    """Pending invitations that have not expired: GSI1SK (expiry#id) from now on."""
    items, last = table.query_page(keys.invitations_partition(tenant_id), index="GSI1", sk_between=(now, "~"),
                                   limit=limit, start_key=start_key)
    return [Invitation.model_validate(table.strip_keys(i)) for i in items], last


_NOT_PENDING = "The invitation is no longer pending."


def _guard_key(inv: Invitation) -> dict[str, str]:
    return keys.invitation_guard(inv.tenant_id, inv.apartment_id, inv.email)


def cancel(inv: Invitation, *, now: str) -> None:
    """pending → cancelled (out of the pending list); acceptance checks the status, so the token fails from
    now on. The guard is released unless it already belongs to a newer invitation (after expiry)."""
    table.update(keys.invitation(inv.tenant_id, inv.id),
                 "SET #st = :cancelled, cancelledAt = :now REMOVE GSI1PK, GSI1SK",
                 names={"#st": "status"}, vals={":cancelled": "cancelled", ":pending": "pending", ":now": now},
                 condition="#st = :pending", conflict_message=_NOT_PENDING, return_new=False)
    try:
        transactions.transact([transactions.tx_delete(_guard_key(inv), condition="invitationId = :id",
                                                      vals={":id": inv.id}, label="guard")])
    except table.ConditionFailed:
        return


def claim(inv: Invitation, *, user_id: str, now: str) -> None:
    """pending and unexpired → accepted, exactly once: the conditional write is the one-time use. The guard
    goes in the same transaction: while the invitation is unexpired nobody else can hold it."""
    transactions.transact(
        [
            transactions.tx_update(keys.invitation(inv.tenant_id, inv.id),
                            "SET #st = :accepted, acceptedAt = :now, acceptedBy = :user REMOVE GSI1PK, GSI1SK",
                            names={"#st": "status"},
                            vals={":accepted": "accepted", ":pending": "pending", ":now": now, ":user": user_id},
                            condition="#st = :pending AND expiresAt > :now"),
            transactions.tx_delete(_guard_key(inv)),
        ],
        conflict_message=_NOT_PENDING,
    )
