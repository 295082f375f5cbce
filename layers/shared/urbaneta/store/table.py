"""Low-level access to the single table: (de)serialisation, conditional writes, transactions,
batch writes of 25 with retry of unprocessed items, and paged queries. Repositories build on this."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from urbaneta import backoff
from urbaneta.adapters.aws import bulk_client, client
from urbaneta.errors import Conflict
from urbaneta.settings import get_settings
from urbaneta.store.keys import SLIM_INDEXES, Key

_ser = TypeSerializer()
_de = TypeDeserializer()

Item = dict[str, Any]
BATCH_WRITE_LIMIT = 25
TRANSACT_LIMIT = 100


def ddb(*, validated: bool = False) -> Any:
    """The DynamoDB client; ``validated``: the bulk client without client-side parameter validation, for calls
    built only from validated entities (``adapters.aws.bulk_client``)."""
    return bulk_client("dynamodb") if validated else client("dynamodb")


def table_name() -> str:
    return get_settings().table_name


def _clean(value: Any) -> Any:
    if isinstance(value, float):  # never store floats: money is integer cents
        raise TypeError("floats are not stored; use int cents or Decimal")
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(_clean(v)) for k, v in item.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


def deserialize(raw: Mapping[str, Any]) -> Item:
    return {k: _plain(_de.deserialize(v)) for k, v in raw.items()}


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain Python values."""
    return {k: _ser.serialize(_clean(v)) for k, v in mapping.items()}


def get(key: Key, *, consistent: bool = True) -> Item | None:
    out = ddb().get_item(TableName=table_name(), Key=serialize(key), ConsistentRead=consistent)
    raw = out.get("Item")
    return deserialize(raw) if raw else None


def batch_get(keys: Sequence[Key], *, consistent: bool = False) -> list[Item]:
    """BatchGetItem in chunks of 100, retrying unprocessed keys. Order of the answer is not kept."""
    found: list[Item] = []
    unique = list({(k["PK"], k["SK"]): k for k in keys}.values())
    for start in range(0, len(unique), 100):
        request: dict[str, Any] = {table_name(): {"Keys": [serialize(k) for k in unique[start : start + 100]]}}
        if consistent:
            request[table_name()]["ConsistentRead"] = True
        for _ in backoff.attempts(9, message=BUSY):
            out = ddb().batch_get_item(RequestItems=request)
            found.extend(deserialize(i) for i in out.get("Responses", {}).get(table_name(), []))
            request = out.get("UnprocessedKeys") or {}
            if not request:
                break
    return found


class ConditionFailed(Conflict):
    """A conditional write was refused. ``labels`` names the conditions that failed: the labels of a unit of
    work's operations (``ConditionFailed({"dedupe"})``), or ``{"item"}`` for a single write. ``item`` is the
    item as it was, when the write asked for it."""

    def __init__(self, message: str, labels: Iterable[str] = ("item",), item: Item | None = None) -> None:
        super().__init__(message)
        self.labels = frozenset(labels)
        self.item = item


class InvalidPath(Exception):
    """An update named a document path that does not exist yet (DynamoDB's ValidationException)."""


BUSY = "The database is busy; try again."


def expression_args(names: Mapping[str, str] | None, vals: Mapping[str, Any] | None, condition: str | None
                     ) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    if vals:
        kwargs["ExpressionAttributeValues"] = values(vals)
    if condition:
        kwargs["ConditionExpression"] = condition
    return kwargs


def _write(call: str, kwargs: dict[str, Any], message: str) -> dict[str, Any]:
    """One single-item write; a failed condition is ConditionFailed (with the old item when it was asked for)."""
    client_ = ddb()
    try:
        out: dict[str, Any] = getattr(client_, call)(**kwargs)
    except client_.exceptions.ConditionalCheckFailedException as exc:
        old = exc.response.get("Item")
        raise ConditionFailed(message, item=deserialize(old) if old else None) from exc
    except client_.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ValidationException" and "document path" in str(exc):
            raise InvalidPath(str(exc)) from exc
        raise
    return out


def put_new(item: Item) -> None:
    """Create an item that must not exist yet (409 otherwise)."""
    put(item, condition="attribute_not_exists(PK)", conflict_message="The resource already exists.")


def put(item: Item, *, condition: str | None = None, vals: Mapping[str, Any] | None = None,
        conflict_message: str = "The resource changed or does not exist.") -> None:
    """PutItem; with a ``condition``, a refusal is ConditionFailed (a 409 unless the caller translates it)."""
    kwargs = {"TableName": table_name(), "Item": serialize(item), **expression_args(None, vals, condition)}
    _write("put_item", kwargs, conflict_message)


def delete(key: Key, *, condition: str | None = None, vals: Mapping[str, Any] | None = None,
           return_old: bool = False, conflict_message: str = "The resource changed or does not exist."
           ) -> Item | None:
    """DeleteItem; ``return_old`` answers the item as it was (None when there was none)."""
    kwargs = {"TableName": table_name(), "Key": serialize(key), **expression_args(None, vals, condition)}
    if return_old:
        kwargs["ReturnValues"] = "ALL_OLD"
    attrs = _write("delete_item", kwargs, conflict_message).get("Attributes")
    return deserialize(attrs) if attrs else None


def update(
    key: Key,
    expression: str,
    *,
    names: Mapping[str, str] | None = None,
    vals: Mapping[str, Any] | None = None,
    condition: str | None = None,
    conflict_message: str = "The resource changed or does not exist.",
    return_new: bool = True,
    returns: str | None = None,
    old_on_failure: bool = False,
) -> Item | None:
    """UpdateItem; a failed condition is ConditionFailed, a Conflict (callers that mean 404 check existence
    in the condition and translate). ``returns`` overrides ``return_new`` (e.g. ``"UPDATED_NEW"``);
    ``old_on_failure`` puts the item as it was on the ConditionFailed."""
    kwargs = {"TableName": table_name(), "Key": serialize(key), "UpdateExpression": expression,
              **expression_args(names, vals, condition)}
    if returns or return_new:
        kwargs["ReturnValues"] = returns or "ALL_NEW"
    if old_on_failure:
        kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    attrs = _write("update_item", kwargs, conflict_message).get("Attributes")
    return deserialize(attrs) if attrs else None


# --- batches ---------------------------------------------------------------------------------------------


def batch_write(puts: Iterable[Item] = (), deletes: Iterable[Key] = (), *, validated: bool = False) -> int:
    """BatchWriteItem in chunks of 25; unprocessed items are retried with backoff. Returns the call count.
    ``validated``: every item comes from a validated entity (see ``ddb``)."""
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": serialize(i)}} for i in puts]
    requests += [{"DeleteRequest": {"Key": serialize(k)}} for k in deletes]
    calls = 0
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        pending: dict[str, Any] = {table_name(): requests[start : start + BATCH_WRITE_LIMIT]}
        for _ in backoff.attempts(9, message=BUSY):
            out = ddb(validated=validated).batch_write_item(RequestItems=pending)
            calls += 1
            pending = out.get("UnprocessedItems") or {}
            if not pending:
                break
    return calls


# --- queries ---------------------------------------------------------------------------------------------


def query_page(
    pk_value: str,
    *,
    index: str | None = None,
    sk_prefix: str | None = None,
    sk_between: tuple[str, str] | None = None,
    limit: int = 25,
    start_key: dict[str, Any] | None = None,
    forward: bool = True,
    filter_expression: str | None = None,
    filter_names: Mapping[str, str] | None = None,
    filter_values: Mapping[str, Any] | None = None,
    consistent: bool = False,
    entries_only: bool = False,
) -> tuple[list[Item], dict[str, Any] | None]:
    """One Query call on the table or an index. ``start_key``/returned key are plain (deserialised) dicts.
    On a slim index (``keys.SLIM_INDEXES``) the items are then read whole (``hydrated``), unless
    ``entries_only``: the index entries (keys, ``keys.SLIM_PROJECTIONS``) are all the caller needs."""
    pk_attr, sk_attr = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    names = {"#pk": pk_attr}
    vals: dict[str, Any] = {":pk": pk_value}
    condition = "#pk = :pk"
    if sk_prefix is not None:
        names["#sk"] = sk_attr
        vals[":skp"] = sk_prefix
        condition += " AND begins_with(#sk, :skp)"
    elif sk_between is not None:
        names["#sk"] = sk_attr
        vals[":sklo"], vals[":skhi"] = sk_between
        condition += " AND #sk BETWEEN :sklo AND :skhi"
    if filter_names:
        names.update(filter_names)
    if filter_values:
        vals.update(filter_values)
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values(vals),
        "Limit": limit,
        "ScanIndexForward": forward,
    }
    if index:
        kwargs["IndexName"] = index
    elif consistent:
        kwargs["ConsistentRead"] = True
    if filter_expression:
        kwargs["FilterExpression"] = filter_expression
    if start_key:
        kwargs["ExclusiveStartKey"] = serialize(start_key)
    out = ddb().query(**kwargs)
    items = [deserialize(i) for i in out.get("Items", [])]
    if index in SLIM_INDEXES and not entries_only:
        items = hydrated(items, f"{index}PK", pk_value)
    last = out.get("LastEvaluatedKey")
    return items, (deserialize(last) if last else None)


def hydrated(entries: list[Item], index_pk: str, pk_value: str) -> list[Item]:
    """The whole items of a slim index's entries, in the entries' order, by BatchGetItem (one call per 100). An
    item deleted since, or moved out of the partition, is left out: the list shows items as they are now."""
    if not entries:
        return []
    found = {(i["PK"], i["SK"]): i for i in batch_get([{"PK": e["PK"], "SK": e["SK"]} for e in entries])}
    out = []
    for e in entries:
        item = found.get((e["PK"], e["SK"]))
        if item is not None and item.get(index_pk) == pk_value:
            out.append(item)
    return out


def query_all(pk_value: str, **kwargs: Any) -> Iterator[Item]:
    """Every item of a collection, page after page (workers only; request paths use query_page)."""
    start: dict[str, Any] | None = None
    kwargs.setdefault("limit", 500)
    while True:
        items, start = query_page(pk_value, start_key=start, **kwargs)
        yield from items
        if not start:
            return


def plain_item(model: BaseModel) -> Item:
    """A model's attributes as an item: aliases, no ``None``, dates as ISO strings (the inverse of ``strip_keys``
    followed by ``Model.model_validate``)."""
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in model.model_dump(by_alias=True, exclude_none=True).items()}


def strip_keys(item: Item) -> Item:
    """An item without its table keys and bookkeeping attributes: what repositories turn into models."""
    return {k: v for k, v in item.items() if k not in _KEY_ATTRS}


_KEY_ATTRS = frozenset({"PK", "SK", "TTL", "entity", *(f"{i}{k}" for i in ("GSI1", "GSI2", "GSI3", "GSI4", "GSI5")
                                                        for k in ("PK", "SK"))})
