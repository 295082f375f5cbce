"""How a generation job is cut into SQS messages (pure)."""

from __future__ import annotations

import json
from decimal import Decimal

from urbaneta.domain.buildings import Apartment
from urbaneta.models.messages import BilledApartment
from urbaneta.services.invoicing import generation as invoicing


def apartment(n: int, name_length: int = 20) -> Apartment:
    return Apartment(id=f"{n:08d}-0000-0000-0000-000000000000", tenant_id="t", building_id="b", number=str(n),
                     area=Decimal("50.5"), residents_count=2, owner_name="Õ" * name_length,
                     email=f"apt{n}@example.com", reference_number="1234561", created_at="", updated_at="")


def test_chunks_hold_at_most_the_chunk_size_in_order():
    apts = [apartment(n) for n in range(1, 1001)]
    parts = invoicing._chunks(apts, {"c1": {a.id: 100 for a in apts}})
    assert [len(rows) for rows, _ in parts] == [400, 400, 200]
    assert [row.id for rows, _ in parts for row in rows] == [a.id for a in apts]
    assert all(set(shared) == {row.id for row in rows} for rows, shared in parts)


def test_chunks_stay_under_the_sqs_message_size_with_long_names():
    apts = [apartment(n, name_length=900) for n in range(1, 401)]
    parts = invoicing._chunks(apts, {f"c{i}": {a.id: 12345 for a in apts} for i in range(5)})
    assert len(parts) > 1
    for rows, shared in parts:
        apartments = [row.model_dump(mode="json", by_alias=True, exclude_none=True) for row in rows]
        body = json.dumps({"apartments": apartments, "shared": shared}, ensure_ascii=False).encode()
        assert len(body) < 256 * 1024


def test_packed_apartments_round_trip():
    a = apartment(7)
    back = BilledApartment.parse(BilledApartment.of(a).model_dump_json(by_alias=True)).apartment("t", "b")
    assert (back.id, back.number, back.area, back.owner_name, back.email, back.reference_number) == (
        a.id, a.number, a.area, a.owner_name, a.email, a.reference_number)
