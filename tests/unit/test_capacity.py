"""Capacity units as DynamoDB charges them (local/capacity.py): item sizes, write units per table and index,
transactions, failed writes and reads."""

from __future__ import annotations

from local import capacity

INDEXES = [("", ["PK", "SK"], {"ProjectionType": "ALL"}),
           ("GSI1", ["GSI1PK", "GSI1SK"], {"ProjectionType": "ALL"}),
           ("GSI2", ["GSI2PK", "GSI2SK"], {"ProjectionType": "KEYS_ONLY"})]


def _item(**extra):
    return {"PK": {"S": "T#1#INV#a"}, "SK": {"S": "INV"}, **extra}


def test_item_size_counts_names_and_values_as_dynamodb_does():
    # Given an item with a string, a number, a boolean, a list and a map
    item = {"name": {"S": "Õun"}, "n": {"N": "-12.50"}, "ok": {"BOOL": True},
            "l": {"L": [{"S": "ab"}, {"NULL": True}]}, "m": {"M": {"k": {"N": "7"}}}}
    # When its size is taken
    size = capacity.item_size(item)
    # Then names count by their bytes, UTF-8 strings by theirs, numbers by about a byte per two digits plus one,
    # lists and maps 3 bytes plus a byte per element
    assert size == (4 + 4) + (1 + 3) + (2 + 1) + (1 + 3 + 1 + 2 + 1 + 1) + (1 + 3 + 1 + 1 + 2)


def test_a_new_item_costs_the_table_and_every_index_it_is_in():
    # Given a 1.5 KB item in GSI1 (all attributes projected) and GSI2 (keys only)
    item = _item(GSI1PK={"S": "a"}, GSI1SK={"S": "b"}, GSI2PK={"S": "c"}, GSI2SK={"S": "d"}, big={"S": "x" * 1500})
    # When it is written, alone and in a transaction
    alone = capacity.item_write_units("Put", None, item, INDEXES, False)
    in_transaction = capacity.item_write_units("Put", None, item, INDEXES, True)
    # Then the table pays 2 units (4 in a transaction), GSI1 the whole item, GSI2 only its keys
    assert dict(alone) == {"table": 2, "GSI1": 2, "GSI2": 1}
    assert dict(in_transaction) == {"table (transactions)": 4, "GSI1": 2, "GSI2": 1}


def test_an_index_key_that_changes_costs_a_delete_and_a_put_and_an_unchanged_projection_nothing():
    # Given an item in both indexes
    old = _item(GSI1PK={"S": "a"}, GSI1SK={"S": "b"}, GSI2PK={"S": "c"}, GSI2SK={"S": "d"}, v={"N": "1"})
    # When GSI1's sort key moves and a non-key attribute changes
    new = {**old, "GSI1SK": {"S": "z"}, "v": {"N": "2"}}
    units = capacity.item_write_units("Update", old, new, INDEXES, False)
    # Then GSI1 pays the old entry and the new one, GSI2 (keys only, unchanged) nothing
    assert dict(units) == {"table": 1, "GSI1": 2}


def test_a_condition_check_and_a_failed_write_are_charged_to_the_table_only():
    # Given a meter over a table holding one item
    stored = _item(GSI1PK={"S": "a"}, GSI1SK={"S": "b"})
    meter = capacity.CapacityMeter(lambda table, key: (stored if key["PK"] == stored["PK"] else None, INDEXES))
    # When a transaction's condition check passes and a conditional put is refused
    meter.around_write("TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "t", "Key": {"PK": stored["PK"], "SK": stored["SK"]}}}]},
        lambda: "ok", lambda answer: answer == "ok")
    meter.around_write("PutItem", {"TableName": "t", "Item": _item()}, lambda: "refused",
                       lambda answer: answer == "ok")
    # Then the check costs 2 transactional units and the refused put 1 unit, and no index is charged
    assert meter.snapshot() == {"table (transactions)": 2, "failed": 1}


def test_reads_cost_a_unit_per_4_kb_halved_unless_strongly_consistent():
    # Given a meter and the answers of a GetItem and a Query
    meter = capacity.CapacityMeter(lambda table, key: (None, []))
    # When an eventually consistent GetItem of a small item and a consistent Query of 5 KB are counted
    meter.count_read("GetItem", {}, {"Item": _item()})
    meter.count_read("Query", {"ConsistentRead": True}, b'{"Items": [{"a": {"S": "' + b"x" * 5000 + b'"}}]}')
    # Then they cost half a unit and 2 units
    assert meter.snapshot() == {"read": 2.5}


def test_a_single_conditional_update_is_charged_once_per_kb_not_as_a_transaction():
    # Given a meter over a table holding a 1.5 KB invoice item in GSI1 and GSI2
    old = _item(GSI1PK={"S": "a"}, GSI1SK={"S": "b"}, GSI2PK={"S": "c"}, GSI2SK={"S": "d"}, big={"S": "x" * 1500})
    held = {"item": old}
    meter = capacity.CapacityMeter(lambda table, key: (held["item"], INDEXES))
    new = {**old, "status": {"S": "sent"}}

    def write():
        held["item"] = new
        return "ok"

    # When one UpdateItem changes it (what a one-operation unit of work now sends)
    meter.around_write("UpdateItem", {"TableName": "t", "Key": {"PK": old["PK"], "SK": old["SK"]}}, write,
                       lambda answer: answer == "ok")
    # Then the table pays 2 units (not 4 transactional ones), GSI1 its changed entry, GSI2 (keys only) nothing
    assert meter.snapshot() == {"table": 2, "GSI1": 2}
