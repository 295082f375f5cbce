"""DynamoDB capacity units as DynamoDB charges them, counted from the items themselves (not from the requests).

For every write the item is read from moto's backend before and after the call (under the emulator's lock, so
nothing interleaves) and charged as DynamoDB charges it:

- the table: 1 write unit per started KB of the larger of the item before and after (a delete of nothing: 1);
  a transaction's items count twice (TransactWriteItems costs 2 units per KB), a ConditionCheck included;
- every global secondary index the item is in, before or after, with the projection the table declares:
  an entry added or changed costs the units of the new entry, an entry removed those of the old one, an entry
  whose key changed both; an index whose projected attributes did not change costs nothing;
- a failed conditional write still costs its table units (DynamoDB charges the attempt).

Reads are charged from what the answer holds: 4 KB per unit per item for GetItem and BatchGetItem, the items'
total for Query and Scan, halved unless strongly consistent. A query's filter makes this an undercount (DynamoDB
charges what it read before filtering); the functions filter little.

Item size is DynamoDB's: the UTF-8 bytes of each attribute name plus its value (strings by their UTF-8 bytes,
numbers by about one byte per two significant digits plus one, binaries by their bytes, 1 for a boolean or
null, 3 plus each element and one byte per element for lists and maps).

Used by the local stack's emulator (``GET /_local/stats``: ``aws.units``), by ``bench/bench_cost.py`` on moto
in-process, and by ``bench/bench_portfolio.py``. It imports nothing of ``local``: the portfolio benchmark loads it
into an older checkout's stack too.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

KB = 1024
READ_UNIT_BYTES = 4 * KB
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
ACCOUNT = "123456789012"  # moto's default account: the local stack's and the tests'

Wire = dict[str, Any]  # an item in DynamoDB's JSON ({"name": {"S": "..."}})
Lookup = Callable[[str, Wire], "tuple[Wire | None, list[tuple[str, list[str], dict[str, Any]]]]"]


# ------------------------------------------------------------------------------------------------ item sizes


def number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: Wire) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return number_size(str(v))
    if kind == "B":
        return len(base64.b64decode(v)) if isinstance(v, str) else len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(number_size(str(n)) for n in v)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) if isinstance(b, str) else len(b) for b in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(x) for k, x in v.items())
    return 0


def item_size(item: Wire | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


# ------------------------------------------------------------------------------------------------ indexes


def projected(item: Wire | None, keys: list[str], projection: dict[str, Any], table_keys: list[str]) -> Wire | None:
    """The index entry of ``item`` (None when the item is not in the index: a key attribute is missing)."""
    if not item or any(k not in item for k in keys):
        return None
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return item
    names = set(keys) | set(table_keys) | set(projection.get("NonKeyAttributes") or [] if kind == "INCLUDE" else [])
    return {k: v for k, v in item.items() if k in names}


def index_units(old: Wire | None, new: Wire | None, keys: list[str]) -> int:
    """What one index costs for one item write (entries as ``projected`` gives them)."""
    if old is None and new is None:
        return 0
    if old is None:
        return write_units(item_size(new))
    if new is None:
        return write_units(item_size(old))
    if any(old[k] != new[k] for k in keys):
        return write_units(item_size(old)) + write_units(item_size(new))
    return write_units(item_size(new)) if old != new else 0


def item_write_units(kind: str, old: Wire | None, new: Wire | None,
                     indexes: list[tuple[str, list[str], dict[str, Any]]], transactional: bool) -> Counter[str]:
    """Units of one item's write (``kind``: Put, Update, Delete, ConditionCheck...) by where they are charged;
    ``indexes`` as ``moto_lookup`` gives them (the table's own key first, named "")."""
    units: Counter[str] = Counter()
    size = max(item_size(old), item_size(new))
    units["table (transactions)" if transactional else "table"] += write_units(size) * (2 if transactional else 1)
    if kind == "ConditionCheck":
        return units
    table_keys = indexes[0][1] if indexes and indexes[0][0] == "" else []
    for name, keys, projection in indexes:
        if name:
            units[name] += index_units(projected(old, keys, projection, table_keys),
                                       projected(new, keys, projection, table_keys), keys)
    return +units


# ------------------------------------------------------------------------------------------------ the meter


class CapacityMeter:
    """Write and read units of the calls it is shown, by where they are charged: ``table``, ``table
    (transactions)``, each index by name, ``failed``; reads under ``read``. Also the entries of PutEvents."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.units: dict[str, float] = {}
        self._lock = threading.Lock()

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(sorted(self.units.items()))

    def reset(self) -> None:
        with self._lock:
            self.units.clear()

    def add(self, where: str, units: float) -> None:
        if units:
            with self._lock:
                self.units[where] = self.units.get(where, 0) + units

    def around_write(self, operation: str, request: dict[str, Any], call: Callable[[], Any],
                     succeeded: Callable[[Any], bool]) -> Any:
        """Run ``call`` (the write itself, under the caller's lock) and charge what it wrote."""
        transactional = operation == "TransactWriteItems"
        before = [(kind, table, key, *self.lookup(table, key)) for kind, table, key in _targets(operation, request)]
        try:
            result = call()
        except Exception:  # the client raises what the emulator answered: a failed write is charged too
            self._failed(before, transactional)
            raise
        if not succeeded(result):
            self._failed(before, transactional)
            return result
        for kind, table, key, old, indexes in before:
            for where, units in item_write_units(kind, old, self.lookup(table, key)[0], indexes,
                                                 transactional).items():
                self.add(where, units)
        return result

    def _failed(self, before: list[Any], transactional: bool) -> None:
        for _kind, _table, key, old, _indexes in before:
            self.add("failed", write_units(max(item_size(old), item_size(key))) * (2 if transactional else 1))

    def count_read(self, operation: str, request: dict[str, Any], answer: bytes | dict[str, Any]) -> None:
        """Read units of an answer (its JSON, or as botocore parsed it: the same shape)."""
        try:
            body = json.loads(answer) if isinstance(answer, bytes) else answer
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        consistent = bool(request.get("ConsistentRead"))
        if operation == "GetItem":
            self.add("read", read_units(item_size(body.get("Item")), consistent))
        elif operation in ("BatchGetItem", "TransactGetItems"):
            items = [i for found in (body.get("Responses") or {}).values() for i in found] \
                if operation == "BatchGetItem" else [r.get("Item") for r in body.get("Responses") or []]
            self.add("read", sum(read_units(item_size(i), consistent or operation == "TransactGetItems")
                                 for i in items))
        elif operation in ("Query", "Scan"):
            self.add("read", read_units(sum(item_size(i) for i in body.get("Items") or []), consistent))

    def count_events(self, request: dict[str, Any]) -> None:
        self.add("events", len(request.get("Entries") or []))


def _targets(operation: str, request: dict[str, Any]) -> Iterator[tuple[str, str, Wire]]:
    """(kind, table, item or key) of every item a write names."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        yield operation, str(request.get("TableName")), request.get("Item") or request.get("Key") or {}
    elif operation == "BatchWriteItem":
        for table, requests in (request.get("RequestItems") or {}).items():
            for r in requests:
                put = r.get("PutRequest")
                yield ("PutItem", table, put["Item"]) if put else ("DeleteItem", table, r["DeleteRequest"]["Key"])
    elif operation == "TransactWriteItems":
        for entry in request.get("TransactItems") or []:
            for kind, op in entry.items():
                yield kind, str(op.get("TableName")), op.get("Item") or op.get("Key") or {}


# ------------------------------------------------------------------------------------------------ moto


def moto_lookup(region: str) -> Lookup:
    """Read an item (by any attributes holding its key) and the table's indexes from moto's backend: the first
    index entry is the table's own key (name ""), then each global secondary index."""

    def lookup(table_name: str, attrs: Wire) -> tuple[Wire | None, list[tuple[str, list[str], dict[str, Any]]]]:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = dynamodb_backends[ACCOUNT][region].tables.get(table_name)
        if table is None:
            return None, []
        table_keys = [k for k in (table.hash_key_attr, table.range_key_attr) if k]
        indexes = [("", table_keys, {"ProjectionType": "ALL"})] + [
            (idx.name, [k["AttributeName"] for k in idx.schema], idx.projection) for idx in table.global_indexes]
        try:
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            found = table.get_item(hash_value, range_value)
        except Exception:  # a malformed key: moto answers the call itself
            return None, indexes
        return (found.to_json()["Attributes"] if found else None), indexes

    return lookup
