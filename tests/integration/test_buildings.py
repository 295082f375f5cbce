"""Buildings, apartments and charges through the BuildingsFunction handler (against moto)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support import LambdaContext, Result, call, count_calls, function_module, load_event, unique
from urbaneta.domain import references

FN = "buildings"
PASSWORD = "correct horse battery staple"


# ---- helpers -------------------------------------------------------------------------------------------------


def building_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Pikk 1 KÜ",
        "address": {"street": "Pikk 1", "city": "Tallinn", "postalCode": "10123", "country": "EE"},
    }
    body.update(over)
    return body


def new_building(caller: Any, **over: Any) -> dict[str, Any]:
    res = call(FN, "POST", "/buildings", token=caller.token, body=building_body(**over))
    assert res.status == 201, res
    return res.data


def new_apartment(caller: Any, building_id: str, number: str, **over: Any) -> dict[str, Any]:
    body = {"number": number, "area": 50.5, **over}
    res = call(FN, "POST", f"/buildings/{building_id}/apartments", token=caller.token, body=body)
    assert res.status == 201, res
    return res.data


def new_charge(caller: Any, building_id: str, **over: Any) -> dict[str, Any]:
    body = {"name": "Haldus", "type": "per_area", "unitPrice": 0.45, **over}
    res = call(FN, "POST", f"/buildings/{building_id}/charges", token=caller.token, body=body)
    assert res.status == 201, res
    return res.data


def all_apartments(caller: Any, building_id: str) -> list[dict[str, Any]]:
    res = call(FN, "GET", f"/buildings/{building_id}/apartments", token=caller.token, query={"limit": "100"})
    assert res.status == 200, res
    return res.data


def owner_with_password(tenant_id: str) -> Any:
    """An owner user with a stored password hash and a live session, in an existing tenant."""
    from tests.conftest import Caller
    from urbaneta.auth.passwords import hash_password
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token
    from urbaneta.clock import new_id, now_iso
    from urbaneta.store import users

    user_id = new_id()
    users.create_user(tenant_id, user_id, email=f"{unique('owner')}@example.com", name="Olev Omanik", role="owner",
                      password_hash=hash_password(PASSWORD), apartment_ids=[], now=now_iso())
    principal = create_session(tenant_id, user_id, Role.OWNER)
    return Caller(tenant_id, user_id, "owner", issue_access_token(principal))


def sample(name: str, token: str, building_id: str | None = None) -> Result:
    """Invoke the function with a stored sample event (events/api/buildings/<name>.json)."""
    event = copy.deepcopy(load_event(f"api/buildings/{name}"))
    if building_id:
        for holder, key in ((event, "rawPath"), (event["requestContext"]["http"], "path")):
            holder[key] = holder[key].replace("{buildingId}", building_id)
    event["headers"]["authorization"] = f"Bearer {token}"
    return Result(function_module(FN).handler(event, LambdaContext()))


# ---- buildings -----------------------------------------------------------------------------------------------


def test_create_get_and_list_building_with_defaults(aws, make_caller):
    # Given a manager
    manager = make_caller("manager")
    # When a building is created with only the required fields
    res = call(FN, "POST", "/buildings", token=manager.token, body=building_body(metadata={"registry": "8001"}))
    # Then it is created with the documented defaults and a Location
    assert res.status == 201
    building = res.data
    assert res.headers["location"] == f"/api/buildings/{building['id']}"
    assert building["currency"] == "EUR" and building["status"] == "active"
    assert building["billing"] == {"dueDays": 14, "vatRate": 0, "iban": None, "bankName": None,
                                   "invoicePrefix": None, "lateInterestDailyRate": None, "reminders": [],
                                   "billReadings": "submitted"}
    assert building["address"]["postalCode"] == "10123" and building["metadata"] == {"registry": "8001"}
    assert "tenantId" not in building
    # And GET and the list return it
    assert call(FN, "GET", f"/buildings/{building['id']}", token=manager.token).data == building
    listed = call(FN, "GET", "/buildings", token=manager.token)
    assert listed.status == 200 and listed.data == [building] and listed.json["nextCursor"] is None


def test_sample_event_creates_a_building_with_billing_settings(aws, make_caller):
    # Given the stored sample event of POST /buildings
    manager = make_caller("manager")
    # When the function is invoked with it
    res = sample("create_building", manager.token)
    # Then the billing settings are kept (IBAN normalised, VAT rate a JSON number)
    assert res.status == 201, res
    assert res.data["billing"] == {"dueDays": 14, "vatRate": 22, "iban": "EE382200221020145685",
                                   "bankName": "Swedbank", "invoicePrefix": "PM12", "lateInterestDailyRate": None,
                                   "reminders": [], "billReadings": "submitted"}
    assert res.data["name"] == "Pärnu mnt 12 KÜ"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"address": building_body()["address"]}, {"name"}),
        (building_body(name=5, address={"street": "x", "city": "y", "postalCode": 1, "country": "EE"}),
         {"name", "address.postalCode"}),
        (building_body(currency="eur", billing={"dueDays": -1, "vatRate": 101, "iban": "EE382200221020145686"}),
         {"currency", "billing.dueDays", "billing.vatRate", "billing.iban"}),
        (building_body(billing={"dueDays": "14", "vatRate": "22"}), {"billing.dueDays", "billing.vatRate"}),
        (building_body(tenantId="someone-else", status="archived", id="x", createdAt="2020-01-01T00:00:00Z"),
         {"tenantId", "status", "id", "createdAt"}),
        (building_body(metadata={f"k{i}": "v" for i in range(21)}), {"metadata"}),
        (building_body(metadata={"k" * 41: "v"}), {"metadata"}),
        (building_body(metadata={"k": "v" * 501}), {"metadata"}),
        (building_body(metadata={"k": 1}), {"metadata.k"}),
    ],
)
def test_create_building_refuses_bad_input_and_writes_nothing(aws, make_caller, body, fields):
    # Given a manager of a fresh organisation
    manager = make_caller("manager")
    # When a building is created with bad input
    res = call(FN, "POST", "/buildings", token=manager.token, body=body)
    # Then 422 lists every failing field, and nothing was written
    assert res.status == 422, res
    assert res.error["code"] == "VALIDATION_FAILED"
    assert {e["field"] for e in res.error["errors"]} == fields
    assert call(FN, "GET", "/buildings", token=manager.token).data == []


def test_metadata_at_the_limits_is_accepted(aws, make_caller):
    # Given metadata with 20 keys, a 40-character key and a 500-character value
    manager = make_caller("manager")
    metadata = {f"k{i}": "v" for i in range(19)} | {"k" * 40: "v" * 500}
    # When a building is created / Then it is accepted as given
    assert new_building(manager, metadata=metadata)["metadata"] == metadata


def test_malformed_json_is_400(aws, make_caller):
    manager = make_caller("manager")
    res = call(FN, "POST", "/buildings", token=manager.token, raw_body='{"name": ')
    assert res.status == 400 and res.error["code"] == "BAD_REQUEST"
    assert call(FN, "GET", "/buildings", token=manager.token).data == []


def test_building_list_pages_with_a_cursor_bound_to_tenant_and_query(aws, make_caller):
    # Given three buildings
    manager = make_caller("manager")
    ids = [new_building(manager, name=f"Maja {i}")["id"] for i in range(3)]
    # When the list is read two at a time
    first = call(FN, "GET", "/buildings", token=manager.token, query={"limit": "2"})
    query = {"limit": "2", "cursor": first.json["nextCursor"]}
    second = call(FN, "GET", "/buildings", token=manager.token, query=query)
    # Then every building comes exactly once, in creation order
    assert first.status == 200 and len(first.data) == 2 and first.json["nextCursor"]
    seen = [b["id"] for b in first.data + second.data]
    assert sorted(seen) == sorted(ids) and len(seen) == 3
    # And the cursor is refused by another tenant, by another list, and when tampered with
    other = make_caller("manager")
    cursor = first.json["nextCursor"]
    assert call(FN, "GET", "/buildings", token=other.token, query={"cursor": cursor}).status == 400
    assert call(FN, "GET", f"/buildings/{ids[0]}/apartments", token=manager.token,
                query={"cursor": cursor}).status == 400
    assert call(FN, "GET", "/buildings", token=manager.token, query={"cursor": cursor[:-3] + "abc"}).status == 400
    # And a limit outside 1..100 is 422
    for bad in ("0", "101", "x"):
        res = call(FN, "GET", "/buildings", token=manager.token, query={"limit": bad})
        assert res.status == 422 and res.error["errors"][0]["field"] == "limit"


def test_patch_building_changes_only_given_fields(aws, make_caller):
    # Given a building with billing settings
    manager = make_caller("manager")
    building = new_building(manager, billing={"iban": "EE382200221020145685", "bankName": "SEB", "vatRate": 22},
                            metadata={"a": "1"})
    # When the name, the city, the due days are changed and the IBAN is cleared
    res = call(FN, "PATCH", f"/buildings/{building['id']}", token=manager.token,
               body={"name": "Uus nimi", "address": {"city": "Tartu"}, "billing": {"dueDays": 10, "iban": None},
                     "currency": "USD", "metadata": {"b": "2"}})
    # Then only those change
    assert res.status == 200, res
    out = res.data
    assert out["name"] == "Uus nimi" and out["currency"] == "USD" and out["metadata"] == {"b": "2"}
    assert out["address"] == {**building["address"], "city": "Tartu"}
    assert out["billing"] == {**building["billing"], "dueDays": 10, "iban": None}
    assert out["updatedAt"] >= building["updatedAt"] and out["createdAt"] == building["createdAt"]
    assert call(FN, "GET", f"/buildings/{building['id']}", token=manager.token).data == out


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"billing": {"dueDays": None}}, "billing.dueDays"),
        ({"address": {"street": None}}, "address.street"),
        ({"status": "archived"}, "status"),
        ({"tenantId": "x"}, "tenantId"),
        ({"billing": {"iban": "LT00123"}}, "billing.iban"),
        ({"metadata": {str(i): "v" for i in range(21)}}, "metadata"),
    ],
)
def test_patch_building_refuses_bad_input_and_changes_nothing(aws, make_caller, body, field):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When it is patched with bad input
    res = call(FN, "PATCH", f"/buildings/{building['id']}", token=manager.token, body=body)
    # Then 422 names the field, and the building is unchanged
    assert res.status == 422, res
    assert field in {e["field"] for e in res.error["errors"]}
    assert call(FN, "GET", f"/buildings/{building['id']}", token=manager.token).data == building


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"billing": {"iban": "EE4022002210201456850"}}, "billing.iban",
         "must be an IBAN of 20 characters for Estonia; this one has 21"),
        ({"billing": {"iban": "EE382200221020145686"}}, "billing.iban",
         "is not a valid IBAN: its check digits do not match (a typing error?)"),
        ({"billing": {"dueDays": "14.5"}}, "billing.dueDays", "must be a whole number"),
        ({"billing": {"due_days": 14}}, "billing.due_days",
         "is not a field of this resource (unknown, server-owned, or spelled otherwise: fields are camelCase)"),
        ({"name": "x" * 201}, "name", "must be at most 200 characters long"),
    ],
)
def test_refusals_speak_the_products_words_and_name_what_is_expected(aws, make_caller, body, field, message):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When it is patched with a wrong IBAN, a fraction of a day, a snake_case field or a long name
    res = call(FN, "PATCH", f"/buildings/{building['id']}", token=manager.token, body=body)
    # Then 422 names the field and says what is expected, without any library's wording
    assert res.status == 422, res
    assert {"field": field, "message": message} in res.error["errors"]
    assert call(FN, "GET", f"/buildings/{building['id']}", token=manager.token).data == building


# ---- apartments ----------------------------------------------------------------------------------------------


def test_apartments_get_permanent_unique_reference_numbers(aws, make_caller):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When apartments are created (one from the stored sample event)
    first = new_apartment(manager, building["id"], "1", residentsCount=2, ownerName="Mari", email="mari@example.com",
                          metadata={"floor": "1"})
    from_sample = sample("create_apartment", manager.token, building["id"])
    second = from_sample.data
    # Then each has a valid 7-3-1 reference, different from the other, and the given fields
    assert from_sample.status == 201, from_sample
    assert references.is_valid_731(first["referenceNumber"]) and references.is_valid_731(second["referenceNumber"])
    assert first["referenceNumber"] != second["referenceNumber"]
    assert first["referenceNumber"] == "10000016"  # the organisation's first: base 1000001
    assert first["area"] == 50.5 and first["residentsCount"] == 2 and first["email"] == "mari@example.com"
    assert second["number"] == "12A" and second["area"] == 54.3 and second["ownerName"] == "Mari Maasikas"
    # And the reference number is found by the repository (also written as RF), only in its own tenant
    from urbaneta.store import buildings as store

    found = store.find_apartment_by_reference(manager.tenant_id, first["referenceNumber"])
    assert found is not None and found.id == first["id"]
    rf = references.make_rf(first["referenceNumber"])
    found_rf = store.find_apartment_by_reference(manager.tenant_id, references.format_rf(rf))
    assert found_rf is not None and found_rf.id == first["id"]
    assert store.find_apartment_by_reference(make_caller("manager").tenant_id, first["referenceNumber"]) is None
    assert store.find_apartment_by_reference(manager.tenant_id, "10000017") is None


def test_duplicate_apartment_number_is_409_and_writes_nothing(aws, make_caller):
    # Given an apartment "12A" in a building, and "12A" in another building of the same organisation
    manager = make_caller("manager")
    building = new_building(manager)
    other_building = new_building(manager)
    original = new_apartment(manager, building["id"], "12A")
    new_apartment(manager, other_building["id"], "12A")
    # When "12a" (the same number, other case) is created in the first building
    res = call(FN, "POST", f"/buildings/{building['id']}/apartments", token=manager.token,
               body={"number": " 12a ", "area": 40})
    # Then 409 names the number, and nothing was written (not even a reference number spent)
    assert res.status == 409, res
    assert res.error["code"] == "CONFLICT" and res.error["errors"][0]["field"] == "number"
    assert [a["id"] for a in all_apartments(manager, building["id"])] == [original["id"]]
    following = new_apartment(manager, building["id"], "13")
    assert int(following["referenceNumber"][:-1]) == int(original["referenceNumber"][:-1]) + 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"number": "1", "area": 0}, {"area"}),
        ({"number": "1", "area": -12.5}, {"area"}),
        ({"number": "1", "area": "50"}, {"area"}),
        ({"number": "1", "area": 50.123}, {"area"}),
        ({"number": "1", "area": 50, "residentsCount": -1}, {"residentsCount"}),
        ({"number": "1", "area": 50, "residentsCount": 1.5}, {"residentsCount"}),
        ({"number": "1", "area": 50, "residentsCount": "2"}, {"residentsCount"}),
        ({"area": 50}, {"number"}),
        ({"number": "", "area": 50}, {"number"}),
        ({"number": "1", "area": 50, "email": "not-an-email"}, {"email"}),
        ({"number": "1", "area": 50, "referenceNumber": "10000016", "buildingId": "x", "tenantId": "y"},
         {"referenceNumber", "buildingId", "tenantId"}),
        ({"number": "1", "area": 50, "metadata": {f"k{i}": "v" for i in range(21)}}, {"metadata"}),
    ],
)
def test_create_apartment_refuses_bad_input_and_writes_nothing(aws, make_caller, body, fields):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When an apartment is created with bad input
    res = call(FN, "POST", f"/buildings/{building['id']}/apartments", token=manager.token, body=body)
    # Then 422 lists the failing fields and no apartment exists
    assert res.status == 422, res
    assert {e["field"] for e in res.error["errors"]} == fields
    assert all_apartments(manager, building["id"]) == []


def test_apartments_list_in_natural_number_order_across_pages(aws, make_caller):
    # Given apartments created out of order
    manager = make_caller("manager")
    building = new_building(manager)
    for number in ["10", "2A", "1", "2", "B"]:
        new_apartment(manager, building["id"], number)
    # When the list is read two at a time
    numbers: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        res = call(FN, "GET", f"/buildings/{building['id']}/apartments", token=manager.token, query=query)
        assert res.status == 200, res
        numbers += [a["number"] for a in res.data]
        cursor = res.json["nextCursor"]
        pages += 1
        if not cursor:
            break
    # Then the numbers come in natural order, each once
    assert numbers == ["1", "2", "2A", "10", "B"]
    assert pages >= 3
    # And the stored sample list event reads them all in one page
    assert [a["number"] for a in sample("list_apartments", manager.token, building["id"]).data] == numbers


def test_patch_apartment_renumbers_through_the_guard(aws, make_caller):
    # Given apartments 1 and 2
    manager = make_caller("manager")
    building = new_building(manager)
    one = new_apartment(manager, building["id"], "1", ownerName="Mari", email="mari@example.com")
    new_apartment(manager, building["id"], "2")
    url = f"/buildings/{building['id']}/apartments/{one['id']}"
    # When 1 is renumbered to 2
    taken = call(FN, "PATCH", url, token=manager.token, body={"number": "2", "area": 99})
    # Then 409, and nothing changed
    assert taken.status == 409 and taken.error["errors"][0]["field"] == "number"
    assert call(FN, "GET", url, token=manager.token).data == one
    # When 1 is renumbered to 3 with other changes
    res = call(FN, "PATCH", url, token=manager.token,
               body={"number": "3", "area": 61.2, "residentsCount": 3, "ownerName": None, "metadata": {"x": "y"}})
    # Then the number moves, the reference number stays, null clears the owner
    assert res.status == 200, res
    assert res.data["number"] == "3" and res.data["area"] == 61.2 and res.data["residentsCount"] == 3
    assert res.data["ownerName"] is None and res.data["email"] == "mari@example.com"
    assert res.data["referenceNumber"] == one["referenceNumber"] and res.data["metadata"] == {"x": "y"}
    # And the old number is free again, the new one is taken, and the list order follows
    new_apartment(manager, building["id"], "1")
    dup = call(FN, "POST", f"/buildings/{building['id']}/apartments", token=manager.token,
               body={"number": "3", "area": 30})
    assert dup.status == 409
    assert [a["number"] for a in all_apartments(manager, building["id"])] == ["1", "2", "3"]


@pytest.mark.parametrize(
    "body",
    [{"area": 0}, {"area": None}, {"number": None}, {"residentsCount": -2}, {"referenceNumber": "10000029"},
     {"buildingId": "other"}, {"metadata": {"k": "v" * 501}}],
)
def test_patch_apartment_refuses_bad_input_and_changes_nothing(aws, make_caller, body):
    # Given an apartment
    manager = make_caller("manager")
    building = new_building(manager)
    apartment = new_apartment(manager, building["id"], "7")
    url = f"/buildings/{building['id']}/apartments/{apartment['id']}"
    # When it is patched with bad input / Then 422 and it is unchanged
    res = call(FN, "PATCH", url, token=manager.token, body=body)
    assert res.status == 422, res
    assert call(FN, "GET", url, token=manager.token).data == apartment


def test_delete_apartment_frees_its_number_and_reference(aws, make_caller):
    # Given an apartment
    manager = make_caller("manager")
    building = new_building(manager)
    apartment = new_apartment(manager, building["id"], "5")
    url = f"/buildings/{building['id']}/apartments/{apartment['id']}"
    # When it is deleted
    res = call(FN, "DELETE", url, token=manager.token)
    # Then it is gone, its number can be used again, its reference is never reused
    assert res.status == 204 and res.content == b""
    assert call(FN, "GET", url, token=manager.token).status == 404
    assert call(FN, "DELETE", url, token=manager.token).status == 404
    again = new_apartment(manager, building["id"], "5")
    assert again["referenceNumber"] != apartment["referenceNumber"]
    from urbaneta.store import buildings as store

    assert store.find_apartment_by_reference(manager.tenant_id, apartment["referenceNumber"]) is None


def test_apartment_in_another_building_of_the_same_tenant_is_404(aws, make_caller):
    # Given two buildings, an apartment in the first
    manager = make_caller("manager")
    first, second = new_building(manager), new_building(manager)
    apartment = new_apartment(manager, first["id"], "1")
    # When it is addressed under the second building / Then 404 on every route, and it is unchanged
    url = f"/buildings/{second['id']}/apartments/{apartment['id']}"
    assert call(FN, "GET", url, token=manager.token).status == 404
    assert call(FN, "PATCH", url, token=manager.token, body={"area": 10}).status == 404
    assert call(FN, "DELETE", url, token=manager.token).status == 404
    assert call(FN, "GET", f"/buildings/{first['id']}/apartments/{apartment['id']}", token=manager.token
                ).data == apartment


# ---- charges -------------------------------------------------------------------------------------------------


def test_charges_of_every_type(aws, make_caller):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When a charge of every type is created (one from the stored sample event)
    made = [
        new_charge(manager, building["id"], name="Haldus", type="per_area", unitPrice=0.4512),
        new_charge(manager, building["id"], name="Prügi", type="per_apartment", unitPrice=5, vatRate=9),
        new_charge(manager, building["id"], name="Lift", type="per_resident", unitPrice=1.5),
        new_charge(manager, building["id"], name="Remondifond", type="shared_by_area", unitPrice=1234.56),
        new_charge(manager, building["id"], name="Küte", type="metered", unitPrice=0.0345, meterType="heating"),
    ]
    from_sample = sample("create_charge", manager.token, building["id"])
    assert from_sample.status == 201, from_sample
    made.append(from_sample.data)
    # Then they are stored as given (unit prices to 4 decimals; vatRate null = the building's rate)
    assert made[0]["unitPrice"] == 0.4512 and made[0]["vatRate"] is None and made[0]["meterType"] is None
    assert made[1]["vatRate"] == 9 and made[4]["meterType"] == "heating" and made[4]["unitPrice"] == 0.0345
    assert made[5]["meterType"] == "cold_water" and made[5]["unitPrice"] == 2.3456
    listed = call(FN, "GET", f"/buildings/{building['id']}/charges", token=manager.token)
    assert listed.status == 200 and sorted(c["id"] for c in listed.data) == sorted(c["id"] for c in made)
    # And the repository gives them to the invoicing worker
    from urbaneta.store import buildings as store

    assert {c.id for c in store.list_charges(manager.tenant_id, building["id"])} == {c["id"] for c in made}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Vesi", "type": "metered", "unitPrice": 1}, "meterType"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": 1, "meterType": "gas"}, "meterType"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": 0.12345}, "unitPrice"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": -1}, "unitPrice"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": "1"}, "unitPrice"),
        ({"name": "Fond", "type": "shared_by_area", "unitPrice": 100.005}, "unitPrice"),
        ({"name": "Haldus", "type": "per_floor", "unitPrice": 1}, "type"),
        ({"name": "Vesi", "type": "metered", "unitPrice": 1, "meterType": "steam"}, "meterType"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": 1, "vatRate": 120}, "vatRate"),
        ({"name": "", "type": "per_area", "unitPrice": 1}, "name"),
        ({"name": "Haldus", "type": "per_area", "unitPrice": 1, "buildingId": "x"}, "buildingId"),
    ],
)
def test_create_charge_refuses_bad_input_and_writes_nothing(aws, make_caller, body, field):
    # Given a building
    manager = make_caller("manager")
    building = new_building(manager)
    # When a bad charge is created / Then 422 names the field and no charge exists
    res = call(FN, "POST", f"/buildings/{building['id']}/charges", token=manager.token, body=body)
    assert res.status == 422, res
    assert field in {e["field"] for e in res.error["errors"]}
    assert call(FN, "GET", f"/buildings/{building['id']}/charges", token=manager.token).data == []


def test_patch_and_delete_charge(aws, make_caller):
    # Given a metered charge
    manager = make_caller("manager")
    building = new_building(manager)
    charge = new_charge(manager, building["id"], name="Vesi", type="metered", unitPrice=2.5, meterType="cold_water")
    url = f"/buildings/{building['id']}/charges/{charge['id']}"
    # When its meter type is removed while it stays metered / Then 422 and nothing changes
    bad = call(FN, "PATCH", url, token=manager.token, body={"meterType": None})
    assert bad.status == 422 and bad.error["errors"][0]["field"] == "meterType"
    # When it becomes shared_by_area with a sub-cent total / Then 422
    assert call(FN, "PATCH", url, token=manager.token, body={"type": "shared_by_area", "unitPrice": 10.001}
                ).status == 422
    assert call(FN, "GET", url, token=manager.token).data == charge
    # When it becomes a per_apartment charge with its own VAT rate
    res = call(FN, "PATCH", url, token=manager.token, body={"type": "per_apartment", "vatRate": 9, "name": "Vesi2"})
    # Then the meter type goes with "metered"
    assert res.status == 200, res
    assert res.data | {"updatedAt": None} == charge | {"type": "per_apartment", "vatRate": 9, "name": "Vesi2",
                                                       "meterType": None, "updatedAt": None}
    # When the VAT rate is cleared and it is metered again
    res = call(FN, "PATCH", url, token=manager.token, body={"vatRate": None, "type": "metered", "meterType": "gas"})
    assert res.status == 200 and res.data["vatRate"] is None and res.data["meterType"] == "gas"
    # When it is deleted / Then it is gone
    assert call(FN, "DELETE", url, token=manager.token).status == 204
    assert call(FN, "GET", url, token=manager.token).status == 404
    assert call(FN, "PATCH", url, token=manager.token, body={"name": "x"}).status == 404
    assert call(FN, "DELETE", url, token=manager.token).status == 404


# ---- roles and tenancy ---------------------------------------------------------------------------------------


def routes(building_id: str, apartment_id: str, charge_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    b = f"/buildings/{building_id}"
    return [
        ("POST", "/buildings", building_body()),
        ("GET", "/buildings", None),
        ("GET", b, None),
        ("PATCH", b, {"name": "Hijacked"}),
        ("DELETE", b, {"password": PASSWORD}),
        ("POST", f"{b}/apartments", {"number": "99", "area": 10}),
        ("GET", f"{b}/apartments", None),
        ("GET", f"{b}/apartments/{apartment_id}", None),
        ("PATCH", f"{b}/apartments/{apartment_id}", {"area": 1}),
        ("DELETE", f"{b}/apartments/{apartment_id}", None),
        ("POST", f"{b}/charges", {"name": "x", "type": "per_apartment", "unitPrice": 1}),
        ("GET", f"{b}/charges", None),
        ("GET", f"{b}/charges/{charge_id}", None),
        ("PATCH", f"{b}/charges/{charge_id}", {"name": "Hijacked"}),
        ("DELETE", f"{b}/charges/{charge_id}", None),
    ]


@pytest.fixture
def world(aws, make_caller):
    """A building with an apartment and a charge in a fresh organisation."""
    manager = make_caller("manager")
    building = new_building(manager)
    apartment = new_apartment(manager, building["id"], "1")
    charge = new_charge(manager, building["id"])
    return manager, building, apartment, charge


def snapshot(manager: Any, building: dict[str, Any], apartment: dict[str, Any], charge: dict[str, Any]) -> Any:
    b = f"/buildings/{building['id']}"
    return (
        call(FN, "GET", b, token=manager.token).data,
        call(FN, "GET", "/buildings", token=manager.token).data,
        all_apartments(manager, building["id"]),
        call(FN, "GET", f"{b}/charges/{charge['id']}", token=manager.token).data,
        call(FN, "GET", f"{b}/charges", token=manager.token).data,
    )


def test_every_route_needs_a_token(world):
    # Given an existing building, apartment and charge
    _manager, building, apartment, charge = world
    before = snapshot(*world)
    # When every route is called without a token (or with a bad one)
    for method, path, body in routes(building["id"], apartment["id"], charge["id"]):
        # Then 401, and nothing changed
        assert call(FN, method, path, body=body).status == 401, (method, path)
        assert call(FN, method, path, body=body, token="not.a.token").status == 401, (method, path)
    assert snapshot(*world) == before


def test_another_organisations_ids_are_404_on_every_route(world, make_caller):
    # Given a building, apartment and charge of one organisation
    _manager, building, apartment, charge = world
    before = snapshot(*world)
    # When the owner of another organisation (with a password) calls every id route with those ids
    intruder = owner_with_password(make_caller("owner").tenant_id)
    for method, path, body in routes(building["id"], apartment["id"], charge["id"]):
        if path.count("/") < 2:  # /buildings itself has no id: it simply does not show them
            continue
        res = call(FN, method, path, body=body, token=intruder.token)
        # Then 404, and nothing changed
        assert res.status == 404, (method, path, res)
    assert call(FN, "GET", "/buildings", token=intruder.token).data == []
    assert snapshot(*world) == before


def test_resident_reads_only_their_own_building_and_apartments(world, make_caller):
    # Given a building with apartments 1 (the resident's) and 2, and another building of the organisation
    manager, building, apartment, _charge = world
    neighbour = new_apartment(manager, building["id"], "2")
    elsewhere = new_building(manager, name="Teine maja")
    elsewhere_apartment = new_apartment(manager, elsewhere["id"], "1")
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apartment["id"],))
    b = f"/buildings/{building['id']}"
    # When the resident reads / Then they see their building and their apartment only
    assert call(FN, "GET", "/buildings", token=resident.token).data == [
        call(FN, "GET", b, token=manager.token).data]
    assert call(FN, "GET", b, token=resident.token).status == 200
    listed = call(FN, "GET", f"{b}/apartments", token=resident.token)
    assert listed.status == 200 and [a["id"] for a in listed.data] == [apartment["id"]]
    assert call(FN, "GET", f"{b}/apartments/{apartment['id']}", token=resident.token).status == 200
    assert call(FN, "GET", f"{b}/apartments/{neighbour['id']}", token=resident.token).status == 404
    # And another building of the organisation is 404 to them
    e = f"/buildings/{elsewhere['id']}"
    assert call(FN, "GET", e, token=resident.token).status == 404
    assert call(FN, "GET", f"{e}/apartments", token=resident.token).status == 404
    assert call(FN, "GET", f"{e}/apartments/{elsewhere_apartment['id']}", token=resident.token).status == 404
    # And a resident without apartments sees nothing
    nobody = make_caller("resident", tenant_id=manager.tenant_id)
    assert call(FN, "GET", "/buildings", token=nobody.token).data == []
    assert call(FN, "GET", b, token=nobody.token).status == 404


def test_resident_on_a_managers_route_is_403_and_nothing_changes(world, make_caller):
    # Given a resident of the building
    manager, building, apartment, charge = world
    before = snapshot(*world)
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apartment["id"],))
    readable = {("GET", "/buildings"), ("GET", f"/buildings/{building['id']}"),
                ("GET", f"/buildings/{building['id']}/apartments"),
                ("GET", f"/buildings/{building['id']}/apartments/{apartment['id']}")}
    # When they call every other route (even on their own apartment)
    for method, path, body in routes(building["id"], apartment["id"], charge["id"]):
        if (method, path) in readable:
            continue
        # Then 403
        res = call(FN, method, path, body=body, token=resident.token)
        assert res.status == 403 and res.error["code"] == "FORBIDDEN", (method, path, res)
    assert snapshot(*world) == before


# ---- delete or archive ---------------------------------------------------------------------------------------


def test_delete_building_needs_the_owners_password(world, make_caller):
    # Given a building and its organisation's owner (with a password) and manager
    manager, building, _apartment, _charge = world
    before = snapshot(*world)
    owner = owner_with_password(manager.tenant_id)
    url = f"/buildings/{building['id']}"
    # When a manager deletes it with the right password / Then 403
    assert call(FN, "DELETE", url, token=manager.token, body={"password": PASSWORD}).status == 403
    # When the owner sends a wrong password, no password, or no body / Then 403
    for kwargs in ({"body": {"password": "wrong password 123"}}, {"body": {}}, {"body": {"password": ""}}, {}):
        res = call(FN, "DELETE", url, token=owner.token, **kwargs)
        assert res.status == 403 and res.error["code"] == "FORBIDDEN", (kwargs, res)
    # When an owner session without a stored password (e.g. not a password user) sends one / Then 403
    assert call(FN, "DELETE", url, token=make_caller("owner", tenant_id=manager.tenant_id).token,
                body={"password": PASSWORD}).status == 403
    # Then nothing was deleted
    assert snapshot(*world) == before


def test_delete_building_without_invoices_removes_everything(world):
    # Given a building with apartments and charges, and nothing invoiced
    manager, building, apartment, _charge = world
    second = new_apartment(manager, building["id"], "2")
    owner = owner_with_password(manager.tenant_id)
    url = f"/buildings/{building['id']}"
    # When the owner deletes it with their password
    res = call(FN, "DELETE", url, token=owner.token, body={"password": PASSWORD})
    # Then it is deleted with its apartments, charges and guards
    assert res.status == 204, res
    assert call(FN, "GET", url, token=manager.token).status == 404
    assert call(FN, "GET", f"{url}/apartments", token=manager.token).status == 404
    assert call(FN, "GET", f"{url}/charges", token=manager.token).status == 404
    assert call(FN, "GET", "/buildings", token=manager.token).data == []
    from urbaneta.store import buildings as store
    from urbaneta.store import keys, table

    assert store.list_apartments(manager.tenant_id, building["id"]) == []
    assert store.list_charges(manager.tenant_id, building["id"]) == []
    for a in (apartment, second):
        assert store.find_apartment_by_reference(manager.tenant_id, a["referenceNumber"]) is None
        assert table.get(keys.apartment(manager.tenant_id, a["id"])) is None
        assert table.get(keys.apartment_number(manager.tenant_id, building["id"], a["number"])) is None
    assert table.get(keys.building(manager.tenant_id, building["id"])) is None
    # And a second delete is 404
    assert call(FN, "DELETE", url, token=owner.token, body={"password": PASSWORD}).status == 404


# ---- DynamoDB calls ------------------------------------------------------------------------------------------


def test_lists_and_gets_cost_at_most_two_dynamodb_calls(world, make_caller):
    # Given a building with apartments and charges, a resident of one apartment
    manager, building, apartment, charge = world
    for n in range(2, 6):
        new_apartment(manager, building["id"], str(n))
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apartment["id"],))
    b = f"/buildings/{building['id']}"
    page = call(FN, "GET", f"{b}/apartments", token=manager.token, query={"limit": "2"})
    reads = [
        (manager, "/buildings", None),
        (manager, b, None),
        (manager, f"{b}/apartments", None),
        (manager, f"{b}/apartments", {"limit": "2", "cursor": page.json["nextCursor"]}),
        (manager, f"{b}/apartments/{apartment['id']}", None),
        (manager, f"{b}/charges", None),
        (manager, f"{b}/charges/{charge['id']}", None),
        (resident, "/buildings", None),
        (resident, b, None),
        (resident, f"{b}/apartments", None),
        (resident, f"{b}/apartments/{apartment['id']}", None),
    ]
    for caller, path, query in reads:
        # When each list or get is called
        with count_calls("dynamodb") as counter:
            res = call(FN, "GET", path, token=caller.token, query=query)
        # Then it answers with at most two DynamoDB calls, authentication included, and never a Scan
        assert res.status == 200, (path, res)
        assert counter.count() <= 2, (caller.role, path, counter.calls)
        assert counter.count("Scan") == 0


def issue_invoice(tenant_id: str, building_id: str, apartment: dict[str, Any]) -> str:
    """An issued invoice of the apartment, through the invoice repository (the invoicing API issues invoices
    through an asynchronous job; this test only needs one to exist)."""
    from datetime import date

    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.invoices import Invoice
    from urbaneta.store import invoices

    now = now_iso()
    invoice = Invoice(
        id=new_id(), tenant_id=tenant_id, number=unique("T-"), reference_number=apartment["referenceNumber"],
        building_id=building_id, apartment_id=apartment["id"], period_start=date(2025, 1, 1),
        period_end=date(2025, 1, 31), issue_date=date(2025, 2, 1), due_date=date(2025, 2, 15), status="sent",
        subtotal_cents=1000, vat_total_cents=220, total_cents=1220, balance_due_cents=1220, created_at=now,
        updated_at=now,
    )
    invoices.apply(invoices.create_ops(invoice))
    return invoice.id


def test_building_with_invoices_is_archived_not_deleted(world):
    # Given a building whose apartment has an issued invoice
    manager, building, apartment, charge = world
    issue_invoice(manager.tenant_id, building["id"], apartment)
    owner = owner_with_password(manager.tenant_id)
    url = f"/buildings/{building['id']}"
    # When the owner deletes it with their password
    res = call(FN, "DELETE", url, token=owner.token, body={"password": PASSWORD})
    # Then it is archived: gone from the list and from every building route
    assert res.status == 204, res
    assert call(FN, "GET", "/buildings", token=manager.token).data == []
    for path in (url, f"{url}/apartments", f"{url}/apartments/{apartment['id']}", f"{url}/charges",
                 f"{url}/charges/{charge['id']}"):
        assert call(FN, "GET", path, token=manager.token).status == 404, path
    assert call(FN, "PATCH", url, token=manager.token, body={"name": "x"}).status == 404
    assert call(FN, "POST", f"{url}/apartments", token=manager.token, body={"number": "9", "area": 9}).status == 404
    assert call(FN, "POST", f"{url}/charges", token=manager.token,
                body={"name": "x", "type": "per_apartment", "unitPrice": 1}).status == 404
    # And kept for audit: reachable by its invoices, with its apartments, reference numbers and charges
    from urbaneta.store import buildings as store

    kept = store.get_building(manager.tenant_id, building["id"], include_archived=True)
    assert kept.status == "archived" and kept.name == building["name"]
    assert [a.id for a in store.list_apartments(manager.tenant_id, building["id"])] == [apartment["id"]]
    assert [c.id for c in store.list_charges(manager.tenant_id, building["id"])] == [charge["id"]]
    found = store.find_apartment_by_reference(manager.tenant_id, apartment["referenceNumber"])
    assert found is not None and found.id == apartment["id"]
    # And deleting it again is 404
    assert call(FN, "DELETE", url, token=owner.token, body={"password": PASSWORD}).status == 404


def test_apartment_with_invoices_cannot_be_deleted(world):
    # Given an apartment with an issued invoice
    manager, building, apartment, _charge = world
    issue_invoice(manager.tenant_id, building["id"], apartment)
    url = f"/buildings/{building['id']}/apartments/{apartment['id']}"
    # When it is deleted / Then 409 and it is kept
    res = call(FN, "DELETE", url, token=manager.token)
    assert res.status == 409 and res.error["code"] == "CONFLICT"
    assert call(FN, "GET", url, token=manager.token).data == apartment


def test_delete_building_deletes_its_meters(world):
    # Given a building with a common meter and an apartment meter
    manager, building, apartment, _charge = world
    meter_ids = []
    for apartment_id in (None, apartment["id"]):
        body = {"buildingId": building["id"], "type": "cold_water", "unit": "m3", "serialNumber": unique("SN-"),
                **({"apartmentId": apartment_id} if apartment_id else {})}
        res = call("meters", "POST", "/meters", token=manager.token, body=body)
        assert res.status == 201, res
        meter_ids.append(res.data["id"])
    owner = owner_with_password(manager.tenant_id)
    # When the building (without invoices) is deleted
    res = call(FN, "DELETE", f"/buildings/{building['id']}", token=owner.token, body={"password": PASSWORD})
    # Then its meters are gone too
    assert res.status == 204, res
    for meter_id in meter_ids:
        assert call("meters", "GET", f"/meters/{meter_id}", token=manager.token).status == 404


def test_interrupted_delete_is_resumed_by_the_next_delete(world):
    # Given a delete that stopped after its first step (the building archived and marked for deletion)
    manager, building, _apartment, _charge = world
    from urbaneta.clock import now_iso
    from urbaneta.store import buildings as store

    store.archive_building(manager.tenant_id, building["id"], now_iso(), deleting=True)
    owner = owner_with_password(manager.tenant_id)
    # When the owner deletes it again
    res = call(FN, "DELETE", f"/buildings/{building['id']}", token=owner.token, body={"password": PASSWORD})
    # Then the cascade completes
    assert res.status == 204, res
    assert store.list_apartments(manager.tenant_id, building["id"]) == []
    assert store.list_charges(manager.tenant_id, building["id"]) == []
    with pytest.raises(Exception, match="does not exist"):
        store.get_building(manager.tenant_id, building["id"], include_archived=True)


def test_password_attempts_are_throttled(world):
    # Given an owner who keeps sending wrong passwords
    manager, building, _apartment, _charge = world
    owner = owner_with_password(manager.tenant_id)
    url = f"/buildings/{building['id']}"
    statuses = [call(FN, "DELETE", url, token=owner.token, body={"password": f"wrong-{i}-password"}).status
                for i in range(5)]
    # When they then send the right one within the window
    res = call(FN, "DELETE", url, token=owner.token, body={"password": PASSWORD})
    # Then the wrong ones were 403, the next attempt is 429 with Retry-After, and nothing was deleted
    assert statuses == [403] * 5
    assert res.status == 429 and int(res.headers["retry-after"]) >= 1
    assert call(FN, "GET", url, token=manager.token).status == 200


# ---- events --------------------------------------------------------------------------------------------------


def test_changes_are_published_as_domain_events(aws, make_caller):
    # Given a rule on the bus that copies one organisation's events into a queue
    import json

    from urbaneta.adapters.aws import client

    manager = make_caller("manager")
    sqs, bridge = client("sqs"), client("events")
    queue = sqs.create_queue(QueueName=unique("buildings-events-"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = unique("buildings-")
    bridge.put_rule(Name=rule, EventBusName=aws["EVENT_BUS_NAME"],
                    EventPattern=json.dumps({"resources": [f"urbaneta:tenant/{manager.tenant_id}"]}))
    bridge.put_targets(Rule=rule, EventBusName=aws["EVENT_BUS_NAME"], Targets=[{"Id": "q", "Arn": arn}])
    # When a building, an apartment and a charge are created, changed and deleted
    building = new_building(manager)
    b = f"/buildings/{building['id']}"
    call(FN, "PATCH", b, token=manager.token, body={"address": {"city": "Tartu"}, "billing": {"dueDays": 7}})
    apartment = new_apartment(manager, building["id"], "1")
    call(FN, "PATCH", f"{b}/apartments/{apartment['id']}", token=manager.token, body={"number": "1A"})
    call(FN, "DELETE", f"{b}/apartments/{apartment['id']}", token=manager.token)
    charge = new_charge(manager, building["id"])
    call(FN, "PATCH", f"{b}/charges/{charge['id']}", token=manager.token, body={"unitPrice": 0.5})
    call(FN, "DELETE", f"{b}/charges/{charge['id']}", token=manager.token)
    # Then each change is one event with the documented data
    received: dict[str, dict[str, Any]] = {}
    for _ in range(10):
        out = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        for message in out.get("Messages", []):
            detail = json.loads(message["Body"])["detail"]
            assert detail["tenantId"] == manager.tenant_id
            received[detail["event"]] = detail["data"]
        if len(received) == 8 or not out.get("Messages"):
            break
    assert set(received) == {"building.created", "building.updated", "apartment.created", "apartment.updated",
                             "apartment.deleted", "charge.created", "charge.updated", "charge.deleted"}
    assert received["building.created"] == {"id": building["id"], "name": building["name"],
                                            "createdBy": manager.user_id}
    assert received["building.updated"]["changes"] == ["address", "billing"]
    assert received["apartment.created"]["referenceNumber"] == apartment["referenceNumber"]
    assert received["apartment.updated"]["changes"] == ["number"] and received["apartment.updated"]["number"] == "1A"
    assert received["apartment.deleted"]["deletedBy"] == manager.user_id
    assert received["charge.updated"] == {"id": charge["id"], "buildingId": building["id"], "name": "Haldus",
                                          "type": "per_area", "changes": ["unitPrice"], "updatedBy": manager.user_id}


def test_writes_cost_the_documented_dynamodb_calls(aws, make_caller):
    # Given a manager
    manager = make_caller("manager")
    # When each write is made / Then it costs the calls docs/data-model.md states (authentication included)
    with count_calls("dynamodb") as counter:
        building = new_building(manager)
    assert counter.count() <= 2, counter.calls
    b = f"/buildings/{building['id']}"
    with count_calls("dynamodb") as counter:
        assert call(FN, "PATCH", b, token=manager.token, body={"name": "Uus"}).status == 200
    assert counter.count() <= 2 and counter.count("GetItem", "Query") == 0, counter.calls
    with count_calls("dynamodb") as counter:
        apartment = new_apartment(manager, building["id"], "1")
    assert counter.count() <= 3, counter.calls
    with count_calls("dynamodb") as counter:
        res = call(FN, "PATCH", f"{b}/apartments/{apartment['id']}", token=manager.token, body={"number": "2"})
    assert res.status == 200 and res.data["number"] == "2" and counter.count() <= 3, counter.calls
    with count_calls("dynamodb") as counter:
        new_charge(manager, building["id"])
    assert counter.count() <= 2, counter.calls


# ---- concurrency and replays ---------------------------------------------------------------------------------


def test_a_lost_race_for_the_reference_counter_is_retried(aws, make_caller, monkeypatch):
    # Given an apartment (the counter stands at 1), and a second create that first reads a stale counter,
    # as when another create moved it between this one's read and its transaction
    from urbaneta.store import keys, table

    manager = make_caller("manager")
    building = new_building(manager)
    first = new_apartment(manager, building["id"], "1")
    counter_key = keys.apartment_reference_counter(manager.tenant_id)
    real_get = table.get
    stale = [{**counter_key, "value": 0}]

    def racing_get(key: dict[str, str], **kwargs: Any) -> Any:
        if key == counter_key and stale:
            return stale.pop()
        return real_get(key, **kwargs)

    monkeypatch.setattr(table, "get", racing_get)
    # When the second apartment is created
    second = new_apartment(manager, building["id"], "2")
    # Then its first transaction failed on the counter (writing nothing) and the retry took the next reference
    assert not stale
    assert first["referenceNumber"] == "10000016" and second["referenceNumber"] == "10000029"
    assert [a["number"] for a in all_apartments(manager, building["id"])] == ["1", "2"]


def test_create_with_the_same_idempotency_key_is_replayed(aws, make_caller):
    # Given a building created with an Idempotency-Key
    manager = make_caller("manager")
    key = {"Idempotency-Key": unique("idem-")}
    first = call(FN, "POST", "/buildings", token=manager.token, body=building_body(), headers=key)
    # When the same request is sent again with the same key
    again = call(FN, "POST", "/buildings", token=manager.token, body=building_body(), headers=key)
    # Then the first answer comes back and there is still one building; another body with the key is 422
    assert first.status == 201 and again.status == 201 and again.data == first.data
    assert [b["id"] for b in call(FN, "GET", "/buildings", token=manager.token).data] == [first.data["id"]]
    other = call(FN, "POST", "/buildings", token=manager.token, body=building_body(name="Muu"), headers=key)
    assert other.status == 422


def test_delete_finds_apartments_the_index_does_not_show_yet(world):
    # Given an apartment that the (eventually consistent) apartments index does not show yet
    manager, building, apartment, _charge = world
    from urbaneta.store import buildings as store
    from urbaneta.store import keys, table

    table.update(keys.apartment(manager.tenant_id, apartment["id"]), "REMOVE GSI1PK, GSI1SK", return_new=False)
    assert store.list_apartments(manager.tenant_id, building["id"]) == []
    owner = owner_with_password(manager.tenant_id)
    # When the building is deleted
    res = call(FN, "DELETE", f"/buildings/{building['id']}", token=owner.token, body={"password": PASSWORD})
    # Then the apartment and its guards are deleted too (found through the building's own apartment set)
    assert res.status == 204, res
    assert table.get(keys.apartment(manager.tenant_id, apartment["id"])) is None
    assert table.get(keys.apartment_number(manager.tenant_id, building["id"], apartment["number"])) is None
    assert store.find_apartment_by_reference(manager.tenant_id, apartment["referenceNumber"]) is None


def test_invoice_issued_while_deleting_turns_the_delete_into_an_archive(world):
    # Given a delete that started (building archived and marked for deletion) before an invoice was issued
    manager, building, apartment, charge = world
    from urbaneta.clock import now_iso
    from urbaneta.store import buildings as store
    from urbaneta.store import keys, table

    store.archive_building(manager.tenant_id, building["id"], now_iso(), deleting=True)
    issue_invoice(manager.tenant_id, building["id"], apartment)
    owner = owner_with_password(manager.tenant_id)
    # When the delete goes on
    res = call(FN, "DELETE", f"/buildings/{building['id']}", token=owner.token, body={"password": PASSWORD})
    # Then nothing is deleted: the building stays archived with its apartment and charge
    assert res.status == 204, res
    item = table.get(keys.building(manager.tenant_id, building["id"]))
    assert item is not None and item["status"] == "archived" and "deleting" not in item
    assert [a.id for a in store.list_apartments(manager.tenant_id, building["id"])] == [apartment["id"]]
    assert [c.id for c in store.list_charges(manager.tenant_id, building["id"])] == [charge["id"]]
    # And from then on it is an ordinary archived building (another delete is 404)
    assert call(FN, "DELETE", f"/buildings/{building['id']}", token=owner.token,
                body={"password": PASSWORD}).status == 404


def test_resident_with_several_apartments_pages_through_them(aws, make_caller):
    # Given a resident of three apartments of a building (and a neighbour's apartment)
    manager = make_caller("manager")
    building = new_building(manager)
    mine = [new_apartment(manager, building["id"], n)["id"] for n in ("10", "2", "1")]
    new_apartment(manager, building["id"], "3")
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=tuple(mine))
    url = f"/buildings/{building['id']}/apartments"
    # When they list them two at a time
    first = call(FN, "GET", url, token=resident.token, query={"limit": "2"})
    second = call(FN, "GET", url, token=resident.token, query={"limit": "2", "cursor": first.json["nextCursor"]})
    # Then they get their own, in natural order, across two pages
    assert [a["number"] for a in first.data] == ["1", "2"] and first.json["nextCursor"]
    assert [a["number"] for a in second.data] == ["10"] and second.json["nextCursor"] is None
    # And a staff cursor of the same list is refused to them (another query), as theirs is to staff
    staff_page = call(FN, "GET", url, token=manager.token, query={"limit": "1"})
    assert call(FN, "GET", url, token=resident.token, query={"cursor": staff_page.json["nextCursor"]}).status == 400
    assert call(FN, "GET", url, token=manager.token, query={"cursor": first.json["nextCursor"]}).status == 400
