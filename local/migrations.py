"""What the one-off migrations share: every item of one kind, by a Scan of the deployed table (a migration, not a
request path: the Scan is the point). ``TABLE_NAME`` and ``AWS_REGION`` name the table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "shared"))


def each_item(condition: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item the filter ``condition`` (with ``values``) keeps, deserialised, page after page."""
    from urbaneta.store import table

    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"TableName": table.table_name(), "FilterExpression": condition,
                                  "ExpressionAttributeValues": table.values(values)}
        if start:
            kwargs["ExclusiveStartKey"] = start
        out = table.ddb().scan(**kwargs)
        yield from (table.deserialize(raw) for raw in out.get("Items", []))
        start = out.get("LastEvaluatedKey")
        if not start:
            return
