"""One-off migration: give readings written before the building index their GSI2 keys (issue 19).

Generation reads a building's readings of a period from GSI2 (``T#<t>#B#<b>#READINGS``). Readings written before
that index existed have no GSI2 keys; this scans the table once for them and sets the keys (one conditional
UpdateItem each). Safe to run again: a reading that has them is not touched. Run it against the deployed table
before the new generation worker takes traffic:

    TABLE_NAME=<table> AWS_REGION=<region> python -m local.migrate_readings_index

A migration, not a request path: the Scan is the point.
"""

from __future__ import annotations

from local.migrations import each_item


def migrate() -> int:
    """Sets the missing GSI2 keys; returns how many readings got them."""
    from urbaneta.store import keys, table

    done = 0
    for item in each_item("entity = :r AND attribute_not_exists(GSI2PK)", {":r": "reading"}):
        index = keys.building_readings_index(
            str(item["tenantId"]), str(item["buildingId"]), str(item["readingDate"]), str(item["meterId"]),
            str(item["createdAt"]), str(item["id"]))
        table.update({"PK": item["PK"], "SK": item["SK"]}, "SET GSI2PK = :pk, GSI2SK = :sk",
                     vals={":pk": index["GSI2PK"], ":sk": index["GSI2SK"]}, condition="attribute_exists(PK)",
                     return_new=False)
        done += 1
    return done


if __name__ == "__main__":
    print(f"readings given their building index keys: {migrate()}")
