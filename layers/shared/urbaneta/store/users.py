"""Organisations (tenants) and their users; a login e-mail is unique across all organisations.

Uniqueness is a transaction: the user item and the global ``EMAIL#`` pointer are written together, the
pointer under ``attribute_not_exists`` — never read-then-write.
"""

from __future__ import annotations

from typing import Any

from urbaneta.errors import Conflict, FieldError, NotFound
from urbaneta.store import keys, table, transactions
from urbaneta.store.table import ConditionFailed

# A key that never holds an item: an unknown e-mail's login reads it, so both paths make the same reads.
_NOBODY = ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _user_item(tenant_id: str, user_id: str, *, email: str, name: str, role: str, password_hash: str | None,
               apartment_ids: list[str], now: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.user(tenant_id, user_id),
        **keys.users_index(tenant_id, email),
        "entity": "user",
        "id": user_id,
        "tenantId": tenant_id,
        "email": email,
        "name": name,
        "role": role,
        "passwordHash": password_hash,
        "status": "active",
        "createdAt": now,
        "updatedAt": now,
    }
    if apartment_ids:
        item["apartmentIds"] = set(apartment_ids)
    if role != "resident":
        item.update(keys.staff_index(tenant_id, email, user_id))
    return item


def _email_item(email: str, tenant_id: str, user_id: str) -> dict[str, Any]:
    return {**keys.user_email(email), "entity": "email", "tenantId": tenant_id, "userId": user_id}


_DUPLICATE = Conflict("An account with this e-mail already exists.",
                      errors=[FieldError("email", "is already registered")])


def create_tenant_with_owner(tenant_id: str, organisation_name: str, user_id: str, *, email: str, name: str,
                             password_hash: str, now: str, language: str | None = None) -> dict[str, Any]:
    """The organisation, its owner and the owner's e-mail pointer, all or nothing."""
    user = _user_item(tenant_id, user_id, email=email, name=name, role="owner", password_hash=password_hash,
                      apartment_ids=[], now=now)
    tenant = {**keys.tenant(tenant_id), "entity": "tenant", "id": tenant_id, "name": organisation_name,
              "ownerId": user_id, "owners": {user_id}, "createdAt": now, "updatedAt": now,
              **({"defaultLanguage": language} if language else {})}
    try:
        transactions.transact([transactions.tx_put(_email_item(email, tenant_id, user_id)), transactions.tx_put(tenant),
                        transactions.tx_put(user)])
    except ConditionFailed as exc:
        raise _DUPLICATE from exc
    return table.strip_keys(user)


def create_user(tenant_id: str, user_id: str, *, email: str, name: str, role: str, password_hash: str | None,
                apartment_ids: list[str], now: str) -> dict[str, Any]:
    user = _user_item(tenant_id, user_id, email=email, name=name, role=role, password_hash=password_hash,
                      apartment_ids=apartment_ids, now=now)
    try:
        transactions.transact([transactions.tx_put(_email_item(email, tenant_id, user_id)), transactions.tx_put(user)])
    except ConditionFailed as exc:
        raise _DUPLICATE from exc
    return table.strip_keys(user)


def get_user(tenant_id: str, user_id: str) -> dict[str, Any] | None:
    item = table.get(keys.user(tenant_id, user_id), consistent=True)
    return table.strip_keys(item) if item else None


def get_tenant(tenant_id: str) -> dict[str, Any] | None:
    item = table.get(keys.tenant(tenant_id), consistent=True)
    return table.strip_keys(item) if item else None


def find_by_email(email: str) -> dict[str, Any] | None:
    """The user with this login e-mail (two reads: the pointer, then the user). An unknown e-mail makes the
    same two reads, so the two cases cannot be told apart by the number of round trips."""
    pointer = table.get(keys.user_email(normalise_email(email)), consistent=True)
    tenant_id, user_id = (pointer["tenantId"], pointer["userId"]) if pointer else _NOBODY
    return get_user(tenant_id, user_id)


def add_apartment(tenant_id: str, user_id: str, apartment_id: str, *, now: str, window: str | None = None
                  ) -> dict[str, Any]:
    """One more apartment; with ``window`` (the apartment changed owners) its invoices are read from then on."""
    vals: dict[str, Any] = {":a": {apartment_id}, ":now": now, **({":w": {window}} if window else {})}
    try:
        item = table.update(keys.user(tenant_id, user_id),
                            "ADD apartmentIds :a" + (", invoiceWindows :w" if window else "") + " SET updatedAt = :now",
                            vals=vals, condition="attribute_exists(PK)")
    except table.ConditionFailed as exc:
        raise NotFound("No such user.") from exc
    return table.strip_keys(item or {})


def leave_apartment(tenant_id: str, user_id: str, apartment_id: str, *, windows: set[str], seen: str,
                    now: str) -> None:
    """Take an apartment off a user and replace their invoice windows, if the user is unchanged since read
    (``updatedAt`` = ``seen``; ConditionFailed otherwise, for the caller to read again)."""
    vals: dict[str, Any] = {":a": {apartment_id}, ":now": now, ":seen": seen}
    expression = "DELETE apartmentIds :a SET updatedAt = :now"
    if windows:
        expression += ", invoiceWindows = :w"
        vals[":w"] = set(windows)
    else:
        expression += " REMOVE invoiceWindows"
    table.update(keys.user(tenant_id, user_id), expression, vals=vals,
                 condition="attribute_exists(PK) AND updatedAt = :seen", return_new=False)


def set_status(tenant_id: str, user_id: str, status: str, *, now: str) -> dict[str, Any]:
    """Set a user's status ("active" or "disabled"); NotFound for no such user."""
    try:
        item = table.update(keys.user(tenant_id, user_id), "SET #s = :s, updatedAt = :now", names={"#s": "status"},
                            vals={":s": status, ":now": now}, condition="attribute_exists(PK)")
    except table.ConditionFailed as exc:
        raise NotFound("No such user.") from exc
    return table.strip_keys(item or {})


def set_password_hash(tenant_id: str, user_id: str, password_hash: str, *, now: str) -> None:
    table.update(keys.user(tenant_id, user_id), "SET passwordHash = :h, updatedAt = :now",
                 vals={":h": password_hash, ":now": now}, condition="attribute_exists(PK)", return_new=False)
