"""One-off migration: move invoices written before the slim indexes to them (issue 19, cost).

Invoices used to sit by number in GSI2 and, while watched, in GSI3's due partitions, both projecting the whole
1.5 KB item. They now sit in GSI4 (keys only) and GSI5 (keys and status), see ``store/keys.py``. This scans the
table once for invoices still carrying GSI2 keys and, for each, sets the new keys from the invoice as it is and
removes the old ones (one conditional UpdateItem on the invoice's version: one changed meanwhile is read again).
Safe to run again: a moved invoice has no GSI2 keys. Run it right after deploying the stack that adds GSI4 and
GSI5 (``docs/deploy.md``), before the next daily schedule (01:00 UTC) and before importing statements:

    TABLE_NAME=<table> AWS_REGION=<region> python -m local.migrate_invoice_indexes
"""

from __future__ import annotations

from typing import Any

from local.migrations import each_item

OLD = ("GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK")
NEW = ("GSI4PK", "GSI4SK", "GSI5PK", "GSI5SK")


def move(item: dict[str, Any]) -> None:
    """One invoice to the slim indexes, again on its current state while another write beats this one."""
    from urbaneta.store import table
    from urbaneta.store.invoices import items

    for _ in range(5):
        target = items.invoice_item(items.invoice_of(item))
        sets = {k: target[k] for k in NEW if k in target}
        removes = [k for k in (*OLD, *NEW) if k not in sets]
        expression = "SET " + ", ".join(f"{k} = :{k}" for k in sets) + " REMOVE " + ", ".join(removes)
        try:
            table.update({"PK": item["PK"], "SK": item["SK"]}, expression,
                         vals={**{f":{k}": v for k, v in sets.items()}, ":v": item["version"]},
                         condition="version = :v", return_new=False)
            return
        except table.ConditionFailed:
            fresh = table.get({"PK": item["PK"], "SK": item["SK"]})
            if fresh is None:
                return
            item = fresh
    raise RuntimeError(f"invoice {item['PK']} kept changing; run the migration again")


def migrate() -> int:
    """Moves every invoice still in GSI2; returns how many."""
    done = 0
    for item in each_item("entity = :i AND attribute_exists(GSI2PK)", {":i": "invoice"}):
        move(item)
        done += 1
    return done


if __name__ == "__main__":
    print(f"invoices moved to the slim indexes: {migrate()}")
