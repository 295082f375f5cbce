"""Registrations waiting for the e-mail to be confirmed, stored by the SHA-256 of their token; finishing one
is a conditional delete (one of two concurrent confirmations gets it)."""

from __future__ import annotations

from typing import Any

from urbaneta.store import keys, table


def create(token_hash: str, *, organisation_name: str, email: str, name: str, password_hash: str,
           expires_at: int, language: str | None = None) -> None:
    table.put_new({**keys.registration(token_hash), "entity": "registration", "organisationName": organisation_name,
                   "email": email, "name": name, "passwordHash": password_hash, "expiresAt": expires_at,
                   "TTL": expires_at + 3600, **({"language": language} if language else {})})


def peek(token_hash: str, *, now: int) -> dict[str, Any] | None:
    """The registration if it exists and has not expired, without finishing it (the hosted page)."""
    item = table.get(keys.registration(token_hash), consistent=True)
    return item if item and int(item.get("expiresAt", 0)) > now else None


def spend(token_hash: str, *, now: int) -> dict[str, Any] | None:
    """Delete the registration if it exists and has not expired, returning it; None otherwise."""
    try:
        return table.delete(keys.registration(token_hash), condition="attribute_exists(PK) AND expiresAt > :now",
                            vals={":now": now}, return_old=True)
    except table.ConditionFailed:
        return None
