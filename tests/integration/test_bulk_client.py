"""The bulk writers' client skips botocore's parameter validation (issue 19), and a malformed call still fails
loudly: the service (here moto, as the local stack) refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError


def test_b1_only_the_bulk_client_skips_parameter_validation(aws: Any) -> None:
    from urbaneta.store import table

    # Given the two DynamoDB clients / Then only the validated (bulk) one skips the client-side check
    assert type(table.ddb(validated=True)._serializer).__name__ != "ParamValidationDecorator"
    assert type(table.ddb()._serializer).__name__ == "ParamValidationDecorator"
    assert table.ddb(validated=True) is table.ddb(validated=True)


def test_b2_a_malformed_transaction_on_the_bulk_client_is_still_refused(aws: Any) -> None:
    from urbaneta.store import table
    from urbaneta.store.transactions import Op, transact

    # Given a transaction whose item lacks its sort key (a table key)
    bad = Op("broken", {"Put": {"TableName": table.table_name(), "Item": {"PK": {"S": "T#x#BROKEN"}}}})
    # When it is committed on the bulk client / Then the service refuses it, loudly
    with pytest.raises(ClientError):
        transact([bad], validated=True)
    # And nothing was written
    assert table.get({"PK": "T#x#BROKEN", "SK": "BROKEN"}) is None


def test_b3_a_malformed_batch_write_on_the_bulk_client_is_still_refused(aws: Any) -> None:
    from urbaneta.store import table

    # Given an item without its sort key / When batch-written on the bulk client / Then it is refused
    with pytest.raises(ClientError):
        table.batch_write([{"PK": "T#x#BROKEN2"}], validated=True)
    # And the ordinary client still refuses a wrongly typed parameter before sending anything
    with pytest.raises(ParamValidationError):
        table.ddb().batch_write_item(RequestItems={table.table_name(): "not a list"})
