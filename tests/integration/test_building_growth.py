"""A building's items do not grow with its apartments (issue 19): thousands of apartments created through the
store, every item written stays small, residents still see only their buildings, and the delete cascade still
removes every apartment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from tests.support import call, unique

APARTMENTS = 3_000
CREATED = 5  # of them through create_apartment's transaction, once the building holds all the others
ITEM_BOUND = 2_048  # bytes: no item any apartment create writes may exceed this, however many there are


def _size(item: dict[str, Any]) -> int:
    """An upper bound of an item's DynamoDB size: its attribute names and typed values as JSON."""
    return len(json.dumps(item, separators=(",", ":")).encode())


@contextmanager
def written_items() -> Iterator[tuple[list[int], list[str]]]:
    """The sizes of every item put in a transaction while inside (client-side, before sending), and the keys of
    the items updated."""
    from urbaneta.adapters.aws import client

    sizes: list[int] = []
    updated: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        for op in params.get("TransactItems", []):
            body = op.get("Put") or op.get("Update") or {}
            if "Item" in body:
                sizes.append(_size(body["Item"]))
            elif "Key" in body:  # an update: which item it changes
                updated.append(body["Key"]["PK"]["S"] + "|" + body["Key"]["SK"]["S"])

    events = client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    try:
        yield sizes, updated
    finally:
        events.unregister("provide-client-params.dynamodb.TransactWriteItems", record)


def _building(tenant_id: str) -> Any:
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.buildings import Address, Building
    from urbaneta.store import buildings as store

    now = now_iso()
    b = Building(id=new_id(), tenant_id=tenant_id, name="Suur kompleks",
                 address=Address(street="Pikk 1", city="Tallinn", postal_code="10123", country="EE"),
                 status="active", created_at=now, updated_at=now)
    store.create_building(b)
    return b


def _draft(tenant_id: str, building_id: str, number: int) -> Any:
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain import references
    from urbaneta.domain.buildings import Apartment

    now = now_iso()
    return Apartment(id=new_id(), tenant_id=tenant_id, building_id=building_id, number=str(number),
                     area=Decimal("50.5"), reference_number=references.make_731(str(9_000_000 + number)),
                     created_at=now, updated_at=now)


def _apartment(tenant_id: str, building_id: str, number: int) -> Any:
    from urbaneta.store import buildings as store

    return store.create_apartment(_draft(tenant_id, building_id, number))


def _written_directly(tenant_id: str, building_id: str, count: int) -> list[Any]:
    """Apartments written with exactly the items ``create_apartment``'s transaction puts, in batches (moto copies
    the whole table for every transaction, so thousands of them would take the test minutes and gigabytes)."""
    from urbaneta.store import buildings as store
    from urbaneta.store import table
    from urbaneta.store.buildings.apartments import _number_guard, _reference_guard

    drafts = [_draft(tenant_id, building_id, n) for n in range(1, count + 1)]
    table.batch_write([item for a in drafts for item in (
        store.apartment_item(a), store.membership_item(a), _number_guard(a), _reference_guard(a))])
    return drafts


@pytest.fixture(scope="module")
def big(aws: Any) -> dict[str, Any]:
    from tests.conftest import new_caller
    from urbaneta.store import buildings as store

    manager = new_caller("manager")
    building = _building(manager.tenant_id)
    other = _building(manager.tenant_id)
    apartments = _written_directly(manager.tenant_id, building.id, APARTMENTS - CREATED)
    with written_items() as (sizes, updated):  # the last ones through the store's own transaction, into a full building
        apartments += [_apartment(manager.tenant_id, building.id, n) for n in range(APARTMENTS - CREATED + 1,
                                                                                    APARTMENTS + 1)]
    elsewhere = _apartment(manager.tenant_id, other.id, 1)
    item = store.get_building_item(manager.tenant_id, building.id)
    return {"manager": manager, "building": building, "other": other, "apartments": apartments,
            "elsewhere": elsewhere, "sizes": sizes, "updated": updated, "item": item}


def test_g1_no_item_written_by_apartment_creates_grows_with_the_building(big):
    # Given a building with 2,995 apartments, and 5 more created in it through the store
    sizes, item = big["sizes"], big["item"]
    # Then no transaction updated the building (it is only checked; the only update is the reference counter)
    assert {key.split("|")[1] for key in big["updated"]} == {"COUNTER"}
    # And every item put is small
    assert len(sizes) >= 4 * CREATED and max(sizes) < ITEM_BOUND
    # And the building item itself is as small as an empty building's, with no list of its apartments
    assert item is not None and "apartmentIds" not in item
    assert _size(item) < ITEM_BOUND


def test_g2_a_resident_sees_only_the_buildings_of_their_apartments(big):
    from tests.conftest import new_caller

    # Given a resident of the last apartment of the large building
    manager, last = big["manager"], big["apartments"][-1]
    resident = new_caller("resident", manager.tenant_id, apartment_ids=(last.id,))
    # When they list buildings and read both
    listed = call("buildings", "GET", "/buildings", token=resident.token)
    mine = call("buildings", "GET", f"/buildings/{big['building'].id}", token=resident.token)
    theirs = call("buildings", "GET", f"/buildings/{big['other'].id}", token=resident.token)
    # Then only the large building is listed and readable; the other is 404
    assert listed.status == 200 and [b["id"] for b in listed.data] == [big["building"].id]
    assert mine.status == 200 and theirs.status == 404


def test_g3_a_resident_of_another_tenant_with_the_same_apartment_id_sees_nothing(big):
    from tests.conftest import new_caller

    # Given a resident of another organisation whose token names this tenant's apartment id
    intruder = new_caller("resident", apartment_ids=(big["apartments"][0].id,))
    # When they list buildings and read the building
    listed = call("buildings", "GET", "/buildings", token=intruder.token)
    read = call("buildings", "GET", f"/buildings/{big['building'].id}", token=intruder.token)
    # Then nothing is listed and the building is 404
    assert listed.status == 200 and listed.data == []
    assert read.status == 404


def test_g4_residents_building_list_pages_in_creation_order(big):
    from tests.conftest import new_caller

    # Given a resident of an apartment in each building
    manager = big["manager"]
    resident = new_caller("resident", manager.tenant_id,
                          apartment_ids=(big["apartments"][5].id, big["elsewhere"].id, unique("missing-")))
    # When they list buildings one per page
    first = call("buildings", "GET", "/buildings", token=resident.token, query={"limit": "1"})
    second = call("buildings", "GET", "/buildings", token=resident.token,
                  query={"limit": "1", "cursor": first.json["nextCursor"]})
    # Then both buildings come, in creation order (createdAt, then id for two made in one second), and the second
    # page is the last
    made = sorted((big["building"], big["other"]), key=lambda b: (b.created_at, b.id))
    assert [b["id"] for b in first.data + second.data] == [b.id for b in made]
    assert second.json.get("nextCursor") is None


def test_g5_the_delete_cascade_removes_every_apartment_and_membership(big):
    from urbaneta.clock import now_iso
    from urbaneta.store import buildings as store
    from urbaneta.store import keys, table

    # Given the large building, archived for deletion
    tenant_id, building = big["manager"].tenant_id, big["building"]
    store.archive_building(tenant_id, building.id, now_iso(), deleting=True)
    # When the cascade runs
    deleted = store.delete_building_cascade(tenant_id, building.id)
    # Then every apartment, its three guards/memberships and the building are gone; the other building stays
    assert deleted == 1 + 4 * APARTMENTS + 1
    assert not list(table.query_all(keys.building_partition(tenant_id, building.id), consistent=True))
    assert table.get(keys.apartment(tenant_id, big["apartments"][-1].id)) is None
    assert store.get_building(tenant_id, big["other"].id).id == big["other"].id
