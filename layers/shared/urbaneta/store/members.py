"""The organisation's members (staff users) and their invitations.

- Members are user items with a staff role; they are listed through the sparse ``keys.staff_index`` (GSI2),
  which residents never have.
- The tenant item keeps the set of its owners (``owners``): demoting or removing an owner takes them out of
  it under ``size(owners) > 1`` in the same transaction, so the last owner can never go, whatever runs in
  parallel.
- A member invitation shares the global one-time token pointer of resident invitations
  (``keys.invitation_token``, ``kind = member``), so one accept route serves both.
"""

from __future__ import annotations

from typing import Any

from urbaneta.domain.organization import MEMBER_ROLES, Member, MemberInvitation
from urbaneta.errors import Conflict, FieldError, NotFound
from urbaneta.store import keys, table, transactions
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import Op

INVITATION = "member_invitation"
LAST_OWNER = "last_owner"
_ACTIVE = "active"
_REMOVED = "removed"
_MEMBER = "#r = :old AND #s <> :removed"


# --- members ----------------------------------------------------------------------------------------------


def get(tenant_id: str, user_id: str) -> dict[str, Any] | None:
    """A member of the organisation (a staff user, active or disabled), or None."""
    item = table.get(keys.user(tenant_id, user_id), consistent=True)
    if not item or item.get("status") == _REMOVED or item.get("role") not in MEMBER_ROLES:
        return None
    return table.strip_keys(item)


def page(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
         ) -> tuple[list[Member], dict[str, Any] | None]:
    items, last = table.query_page(keys.staff_partition(tenant_id), index="GSI2", limit=limit,
                                   start_key=start_key)
    return [Member.model_validate(table.strip_keys(i)) for i in items], last


def _owner_ops(tenant_id: str, user_id: str, old: str, new: str | None) -> list[Op]:
    """Keep the tenant's set of owners in step with a role change (``new`` None: the member leaves)."""
    if old == "owner" and new != "owner":
        return [transactions.tx_update(keys.tenant(tenant_id), "DELETE owners :u", label=LAST_OWNER,
                                       condition="contains(owners, :uid) AND size(owners) > :one",
                                       vals={":u": {user_id}, ":uid": user_id, ":one": 1})]
    if new == "owner" and old != "owner":
        return [transactions.tx_update(keys.tenant(tenant_id), "ADD owners :u", label="tenant",
                                       condition="attribute_exists(PK)", vals={":u": {user_id}})]
    return []


def ensure_owners(tenant_id: str) -> None:
    """Organisations registered before the set of owners existed get it from their registering owner."""
    tenant = table.get(keys.tenant(tenant_id), consistent=True)
    if tenant is None or tenant.get("owners") or not tenant.get("ownerId"):
        return
    try:
        table.update(keys.tenant(tenant_id), "SET owners = :o", vals={":o": {str(tenant["ownerId"])}},
                     condition="attribute_not_exists(owners)", return_new=False)
    except ConditionFailed:
        return


def ensure_listed(tenant_id: str, user_id: str) -> None:
    """Members of organisations registered before the staff index existed get their place in it."""
    item = table.get(keys.user(tenant_id, user_id), consistent=True)
    if item is None or "GSI2PK" in item or item.get("role") not in MEMBER_ROLES:
        return
    try:
        table.update(keys.user(tenant_id, user_id), "SET GSI2PK = :spk, GSI2SK = :ssk",
                     condition="attribute_exists(PK) AND attribute_not_exists(GSI2PK)",
                     vals=_staff_vals(tenant_id, str(item["email"]), user_id), return_new=False)
    except ConditionFailed:
        return


def _commit(ops: list[Op], message: str) -> None:
    try:
        transactions.transact(ops, conflict_message=message)
    except ConditionFailed as exc:
        if LAST_OWNER in exc.labels:
            raise Conflict("The organisation's last owner cannot be removed or demoted; make another member "
                           "owner first.", errors=[FieldError("role", "the last owner must stay owner")]) from exc
        raise


def change_role(tenant_id: str, member: dict[str, Any], *, new: str, now: str) -> None:
    """The member's new role (and their place in the staff index, which members of organisations registered
    before it existed get here)."""
    user_id, old = str(member["id"]), str(member["role"])
    ops = [transactions.tx_update(keys.user(tenant_id, user_id),
                                  "SET #r = :new, updatedAt = :now, GSI2PK = :spk, GSI2SK = :ssk",
                                  names={"#r": "role", "#s": "status"}, label="member",
                                  condition=_MEMBER,
                                  vals={":new": new, ":old": old, ":removed": _REMOVED, ":now": now,
                                        **_staff_vals(tenant_id, str(member["email"]), user_id)}),
           *_owner_ops(tenant_id, user_id, old, new)]
    _commit(ops, "The member changed meanwhile; read the members again.")


def remove(tenant_id: str, member: dict[str, Any], *, now: str) -> str:
    """Take a member out of the organisation's staff. A member who also lives in one of its apartments stays
    a resident of it; anyone else's account is closed and their e-mail address freed. Returns what became
    of them: ``resident`` or ``removed``."""
    user_id, old, email = str(member["id"]), str(member["role"]), str(member["email"])
    names = {"#r": "role", "#s": "status"}
    vals = {":old": old, ":removed": _REMOVED, ":now": now}
    condition = _MEMBER
    key = keys.user(tenant_id, user_id)
    if member.get("apartmentIds"):
        outcome = "resident"
        ops = [transactions.tx_update(key, "SET #r = :resident, updatedAt = :now REMOVE GSI2PK, GSI2SK",
                                      names=names, vals={**vals, ":resident": "resident"}, condition=condition,
                                      label="member")]
    else:
        outcome = "removed"
        ops = [transactions.tx_update(key, "SET #s = :removed, updatedAt = :now REMOVE GSI1PK, GSI1SK, GSI2PK, "
                                      "GSI2SK", names=names, vals=vals,
                                      condition=condition, label="member"),
               transactions.tx_delete(keys.user_email(email), condition="userId = :uid", vals={":uid": user_id},
                                      label="email")]
    _commit([*ops, *_owner_ops(tenant_id, user_id, old, None)], "The member changed meanwhile; read the "
            "members again.")
    return outcome


# --- invitations ------------------------------------------------------------------------------------------


def create_invitation(inv: MemberInvitation) -> None:
    """Invitation + token pointer + guard (one pending invitation per organisation and e-mail: 409)."""
    from urbaneta.store.invitations import create_with_token

    item = {**keys.member_invitation(inv.tenant_id, inv.id), "entity": INVITATION,
            **keys.member_invitations_index(inv.tenant_id, inv.expires_at, inv.id), **inv.stored()}
    create_with_token(item, token_hash=inv.token_hash, guard=keys.member_invitation_guard(inv.tenant_id, inv.email),
                      kind="member", duplicate="A pending invitation for this e-mail already exists.")


def get_invitation(tenant_id: str, invitation_id: str) -> MemberInvitation:
    item = table.get(keys.member_invitation(tenant_id, invitation_id))
    if not item or item.get("entity") != INVITATION:
        raise NotFound("Invitation not found.")
    return MemberInvitation.model_validate(table.strip_keys(item))


def pending_page(tenant_id: str, *, now: str, limit: int, start_key: dict[str, Any] | None
                 ) -> tuple[list[MemberInvitation], dict[str, Any] | None]:
    """Pending member invitations that have not expired: GSI1SK (expiry#id) from now on."""
    items, last = table.query_page(keys.member_invitations_partition(tenant_id), index="GSI1",
                                   sk_between=(now, "~"), limit=limit, start_key=start_key)
    return [MemberInvitation.model_validate(table.strip_keys(i)) for i in items], last


def cancel_invitation(inv: MemberInvitation, *, now: str) -> None:
    """pending → cancelled (its token fails from now on, it leaves the pending list); the guard is released
    unless a newer invitation holds it."""
    table.update(keys.member_invitation(inv.tenant_id, inv.id),
                 "SET #st = :c, cancelledAt = :now REMOVE GSI1PK, GSI1SK", names={"#st": "status"},
                 vals={":c": "cancelled", ":pending": "pending", ":now": now}, condition="#st = :pending",
                 conflict_message="The invitation is no longer pending.", return_new=False)
    try:
        transactions.transact([transactions.tx_delete(keys.member_invitation_guard(inv.tenant_id, inv.email),
                                                      condition="invitationId = :id", vals={":id": inv.id})])
    except ConditionFailed:
        return


def claim(inv: MemberInvitation, user: dict[str, Any], *, was: str | None, now: str) -> None:
    """pending and unexpired → accepted, exactly once, and the user becomes a member with the invited role
    (a resident of the organisation keeps their apartments), in one transaction. ``was``: the user's role
    before (None for a user created for this invitation)."""
    user_id, old = str(user["id"]), str(user["role"] if was is None else was)
    ops = [
        transactions.tx_update(keys.member_invitation(inv.tenant_id, inv.id),
                               "SET #st = :accepted, acceptedAt = :now, acceptedBy = :user REMOVE GSI1PK, GSI1SK",
                               names={"#st": "status"},
                               vals={":accepted": "accepted", ":pending": "pending", ":now": now, ":user": user_id},
                               condition="#st = :pending AND expiresAt > :now", label="invitation"),
        transactions.tx_delete(keys.member_invitation_guard(inv.tenant_id, inv.email)),
        transactions.tx_update(keys.user(inv.tenant_id, user_id),
                               "SET #r = :role, updatedAt = :now, GSI2PK = :spk, GSI2SK = :ssk",
                               names={"#r": "role", "#s": "status"}, condition="#r = :old AND #s = :active",
                               vals={":role": inv.role, ":old": old, ":active": _ACTIVE, ":now": now,
                                     **_staff_vals(inv.tenant_id, str(user["email"]), user_id)}, label="member"),
        *_owner_ops(inv.tenant_id, user_id, was or "", inv.role),
    ]
    transactions.transact(ops, conflict_message="The invitation is no longer pending.")


def _staff_vals(tenant_id: str, email: str, user_id: str) -> dict[str, str]:
    index = keys.staff_index(tenant_id, email, user_id)
    return {":spk": index["GSI2PK"], ":ssk": index["GSI2SK"]}
