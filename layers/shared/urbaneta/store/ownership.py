"""Ownership changes: the change item (the apartment's history, ``SK = OWNER#<date>``) and the apartment's new
owner, written together. The apartment update is conditioned on the change being later than the last one, so
two changes (parallel requests, a stale screen) can never both take the apartment, nor move its date back."""

from __future__ import annotations

from datetime import date
from typing import Any

from urbaneta.domain.buildings import Apartment
from urbaneta.errors import Conflict
from urbaneta.store import keys, transactions
from urbaneta.store.table import ConditionFailed


def record(apartment: Apartment, change: dict[str, Any], *, change_date: date, owner_name: str, email: str,
           language: str | None, now: str) -> None:
    """The change item and the apartment's owner (``ownerName``, ``email``, ``ownerSince``, and its language if
    given), in one transaction; 409 when the apartment changed owners on that date or later meanwhile."""
    sets = "ownerName = :n, email = :e, ownerSince = :d, updatedAt = :now"
    vals: dict[str, Any] = {":n": owner_name, ":e": email, ":d": change_date.isoformat(), ":now": now}
    if language:
        sets += ", #lang = :l"
        vals[":l"] = language
    ops = [
        transactions.tx_put({**keys.ownership_change(apartment.tenant_id, apartment.id, change_date.isoformat()),
                             "entity": "ownership_change", **change}, label="change"),
        transactions.tx_update(keys.apartment(apartment.tenant_id, apartment.id), "SET " + sets,
                               names={"#lang": "language"} if language else None, vals=vals, label="apartment",
                               condition="attribute_exists(PK) AND (attribute_not_exists(ownerSince) OR "
                                         "ownerSince < :d)"),
    ]
    try:
        transactions.transact(ops)
    except ConditionFailed as exc:
        raise Conflict("The apartment changed owners on this date or later meanwhile.") from exc
