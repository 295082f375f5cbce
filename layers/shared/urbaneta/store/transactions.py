"""A unit of work: labelled operations written all-or-nothing (TransactWriteItems).

Every operation carries a label that says what its condition guards (``"payment"``, ``"dedupe"``,
``"invoice:<id>"``, ``"serial"``). A commit that DynamoDB cancels because conditions failed raises
``ConditionFailed`` naming the labels of exactly those operations (from the per-operation CancellationReasons),
so callers decide by meaning, never by position:

    work = UnitOfWork("The invoice changed at the same time; try again.")
    work.add(payments.put_payment_op(payment), payments.dedupe_guard_op(...))
    try:
        work.commit()
    except ConditionFailed as exc:
        if "dedupe" in exc.labels: ...

Repositories build the operations (they know the items and keys); services compose and commit them.

A unit of ONE Put, Update or Delete (and no idempotency token) is written as that single conditional call
(PutItem, UpdateItem, DeleteItem) instead: a single-item write with a condition is already atomic, and a
transaction costs twice its write units. Callers see no difference: a refused condition raises the same
``ConditionFailed`` with the operation's label, throttling is retried the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from urbaneta import backoff
from urbaneta.errors import ServiceUnavailable
from urbaneta.store.keys import Key
from urbaneta.store.table import BUSY, ConditionFailed, Item, ddb, expression_args, serialize, table_name

TRANSACT_LIMIT = 100
DEFAULT_CONFLICT = "The request conflicts with the current state."


class Op(NamedTuple):
    """One labelled operation of a transaction (one TransactItems entry)."""

    label: str
    request: dict[str, Any]


def _expression(op: dict[str, Any], names: Mapping[str, str] | None, vals: Mapping[str, Any] | None,
                condition: str | None) -> dict[str, Any]:
    return {**op, **expression_args(names, vals, condition)}


def tx_put(item: Item, *, label: str = "put", condition: str | None = "attribute_not_exists(PK)",
           names: Mapping[str, str] | None = None, vals: Mapping[str, Any] | None = None) -> Op:
    """Put an item; by default it must not exist yet."""
    return Op(label, {"Put": _expression({"TableName": table_name(), "Item": serialize(item)}, names, vals,
                                         condition)})


def tx_update(key: Key, expression: str, *, label: str = "update", names: Mapping[str, str] | None = None,
              vals: Mapping[str, Any] | None = None, condition: str | None = None) -> Op:
    op = {"TableName": table_name(), "Key": serialize(key), "UpdateExpression": expression}
    return Op(label, {"Update": _expression(op, names, vals, condition)})


def tx_delete(key: Key, *, label: str = "delete", condition: str | None = None,
              names: Mapping[str, str] | None = None, vals: Mapping[str, Any] | None = None) -> Op:
    return Op(label, {"Delete": _expression({"TableName": table_name(), "Key": serialize(key)}, names, vals,
                                            condition)})


def tx_check(key: Key, condition: str, *, label: str = "check", names: Mapping[str, str] | None = None,
             vals: Mapping[str, Any] | None = None) -> Op:
    return Op(label, {"ConditionCheck": _expression({"TableName": table_name(), "Key": serialize(key)}, names,
                                                    vals, condition)})


SINGLE_CALLS = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}
"""The single-item call a one-operation unit of work becomes (a lone ConditionCheck writes nothing: it stays)."""
_BUSY_CODES = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                         "TransactionConflictException", "ProvisionedThroughputExceededException",
                         "ThrottlingException", "RequestLimitExceeded"})
"""Contention and throttling, as a transaction's cancellation reasons and as a single write's error codes:
retried with backoff once botocore's own retries are spent."""
_RETRIES = 8


def transact(ops: Sequence[Op], *, conflict_message: str = DEFAULT_CONFLICT, token: str | None = None,
             validated: bool = False) -> None:
    """All-or-nothing write of up to 100 operations. Failed conditions raise ConditionFailed with the labels of
    the failing operations; DynamoDB's own contention (ConditionFailed, throttling) is retried. ``validated``:
    every operation was built from validated entities (bulk workers), so botocore's own check is skipped.
    One Put, Update or Delete without ``token`` is written as its single conditional call (half the units)."""
    if not ops:
        return
    if len(ops) > TRANSACT_LIMIT:
        raise ValueError("a transaction holds at most 100 operations")
    client = ddb(validated=validated)
    single = None if token else _single_call(ops)
    if single:
        _write_one(client, *single, ops[0].label, conflict_message)
        return
    kwargs: dict[str, Any] = {"TransactItems": [op.request for op in ops]}
    if token:
        kwargs["ClientRequestToken"] = token
    attempt = 0
    while True:
        try:
            client.transact_write_items(**kwargs)
            return
        except client.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            failed = {ops[i].label for i, code in enumerate(codes) if code == "ConditionalCheckFailed"}
            if failed:
                raise ConditionFailed(conflict_message, failed) from exc
            if not _BUSY_CODES.intersection(codes):
                raise
            _wait(attempt, exc)
            attempt += 1


def _single_call(ops: Sequence[Op]) -> tuple[str, dict[str, Any]] | None:
    """(client method, its arguments) when ``ops`` is one Put, Update or Delete; else None."""
    if len(ops) != 1:
        return None
    (kind, request), = ops[0].request.items()
    call = SINGLE_CALLS.get(kind)
    return (call, request) if call else None


def _write_one(client: Any, call: str, request: dict[str, Any], label: str, conflict_message: str) -> None:
    """One operation as its own conditional write: a refusal is ConditionFailed({label}); throttling and a
    conflict with a running transaction are retried (after botocore's own retries) as a transaction's are."""
    attempt = 0
    while True:
        try:
            getattr(client, call)(**request)
            return
        except client.exceptions.ConditionalCheckFailedException as exc:
            raise ConditionFailed(conflict_message, {label}) from exc
        except client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _BUSY_CODES:
                raise
            _wait(attempt, exc)
            attempt += 1


def _wait(attempt: int, exc: Exception) -> None:
    """Pause before retry ``attempt + 1``; after the last one, the database is busy (503)."""
    if attempt >= _RETRIES:
        raise ServiceUnavailable(BUSY) from exc
    backoff.pause(attempt)


class UnitOfWork:
    """Collects labelled operations from several repositories and commits them as one transaction."""

    def __init__(self, conflict_message: str = DEFAULT_CONFLICT) -> None:
        self.conflict_message = conflict_message
        self.ops: list[Op] = []

    def add(self, *ops: Op) -> UnitOfWork:
        self.ops.extend(ops)
        return self

    def extend(self, ops: Iterable[Op]) -> UnitOfWork:
        self.ops.extend(ops)
        return self

    def commit(self, *, token: str | None = None) -> None:
        """Write everything or nothing; ConditionFailed names the labels whose conditions failed."""
        transact(self.ops, conflict_message=self.conflict_message, token=token)
