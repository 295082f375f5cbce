"""Pure rules of the buildings area: request models, charge consistency, apartment number ordering."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from urbaneta.domain.buildings import Charge
from urbaneta.domain.iban import iban_problem
from urbaneta.errors import ValidationFailed
from urbaneta.models.buildings import (
    ApartmentCreate,
    ApartmentPatch,
    BuildingCreate,
    BuildingPatch,
    ChargeCreate,
    ChargeOut,
    check_charge,
)
from urbaneta.store import keys

ADDRESS = {"street": "Pikk 1", "city": "Tallinn", "postalCode": "10123", "country": "EE"}


def fields(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


@pytest.mark.parametrize("iban", ["EE382200221020145685", "ee38 2200 2210 2014 5685", "LT121000011101001000",
                                  "LV80BANK0000435195001", "FI2112345600000785",
                                  "EE38-2200-2210-2014-5685"])
def test_valid_ibans_are_accepted_and_normalised(iban: str) -> None:
    # Given a valid IBAN in any spacing, grouping or case / When a building is made / Then it is stored compact
    body = BuildingCreate.model_validate({"name": "x", "address": ADDRESS, "billing": {"iban": iban}})
    assert body.billing.iban == "".join(iban.replace("-", " ").split()).upper()


@pytest.mark.parametrize("iban", ["EE382200221020145686", "EE38", "XX00ABCDEFGHIJKLMNOP", "EE38_2200_2210_2014_5685",
                                  "382200221020145685EE"])
def test_invalid_ibans_are_refused(iban: str) -> None:
    # Given a wrong check digit or shape / Then the billing IBAN is refused
    with pytest.raises(ValidationError) as exc:
        BuildingCreate.model_validate({"name": "x", "address": ADDRESS, "billing": {"iban": iban}})
    assert fields(exc.value) == {"billing.iban"}


@pytest.mark.parametrize(("iban", "problem"), [
    ("EE4022002210201456850", "must be an IBAN of 20 characters for Estonia; this one has 21"),
    ("LV80BANK000043519500", "must be an IBAN of 21 characters for Latvia; this one has 20"),
    ("XX00123456789012", "must be an IBAN; XX is not a country that has IBANs"),
    ("LT121000011101001001", "is not a valid IBAN: its check digits do not match (a typing error?)"),
])
def test_iban_problems_name_what_is_expected(iban: str, problem: str) -> None:
    # Given a wrong IBAN / When it is checked / Then the problem names the country's length or the check digits
    assert iban_problem(iban) == problem


def test_building_defaults_and_server_owned_fields() -> None:
    # Given only the required fields / Then the documented defaults apply
    body = BuildingCreate.model_validate({"name": "x", "address": ADDRESS})
    assert body.currency == "EUR" and body.billing.due_days == 14 and body.billing.vat_rate == 0
    # And server-owned fields are refused as unknown
    with pytest.raises(ValidationError) as exc:
        BuildingCreate.model_validate({"name": "x", "address": ADDRESS, "status": "archived", "tenantId": "t"})
    assert fields(exc.value) == {"status", "tenantId"}


def test_patch_nulls_clear_optional_fields_only() -> None:
    # Given a PATCH clearing the IBAN / Then it is allowed and remembered as given
    patch = BuildingPatch.model_validate({"billing": {"iban": None}})
    assert patch.billing is not None and "iban" in patch.billing.model_fields_set
    # Given nulls for required fields / Then each is refused by name
    with pytest.raises(ValidationError) as exc:
        BuildingPatch.model_validate({"name": None, "billing": {"vatRate": None}, "address": {"city": None}})
    assert fields(exc.value) == {"name", "billing.vatRate", "address.city"}
    with pytest.raises(ValidationError) as exc:
        ApartmentPatch.model_validate({"area": None, "number": None, "ownerName": None})
    assert fields(exc.value) == {"area", "number"}


@pytest.mark.parametrize("number", ["1", "12A", "A-3", "1/2", "B 12", "K.5", "x" * 20])
def test_apartment_numbers_accepted(number: str) -> None:
    assert ApartmentCreate.model_validate({"number": number, "area": 10}).number == number


@pytest.mark.parametrize("number", ["", "-1", " ", "#1", "1;DROP", "x" * 21, "!", "ä"])
def test_apartment_numbers_refused(number: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ApartmentCreate.model_validate({"number": number, "area": 10})
    assert fields(exc.value) == {"number"}


@pytest.mark.parametrize(
    ("area", "ok"),
    [(0.01, True), (100_000, True), (0, False), (-1, False), (100_000.01, False), (1.005, False), ("5", False),
     (True, False), (None, False)],
)
def test_apartment_area_is_a_positive_json_number(area: object, ok: bool) -> None:
    body = {"number": "1", "area": area}
    if ok:
        assert ApartmentCreate.model_validate(body).area == Decimal(str(area))
    else:
        with pytest.raises(ValidationError):
            ApartmentCreate.model_validate(body)


def test_unit_price_takes_four_decimals_and_serialises_as_a_number() -> None:
    # Given a price per kWh with four decimals
    body = ChargeCreate.model_validate({"name": "Elekter", "type": "metered", "unitPrice": 0.0345,
                                        "meterType": "electricity"})
    # Then it is kept exactly, and a fifth decimal is refused
    assert body.unit_price == Decimal("0.0345")
    with pytest.raises(ValidationError):
        ChargeCreate.model_validate({"name": "x", "type": "per_area", "unitPrice": 0.00001})
    # And on the wire it is a JSON number
    charge = Charge(id="c", tenant_id="t", building_id="b", name="x", type="per_area", unit_price=Decimal("0.0345"),
                    created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z")
    assert ChargeOut.of(charge).wire()["unitPrice"] == 0.0345


@pytest.mark.parametrize(
    ("type_", "meter_type", "price", "field"),
    [("metered", None, "1", "meterType"), ("per_area", "gas", "1", "meterType"),
     ("shared_by_area", None, "100.005", "unitPrice"), ("metered", "gas", "0.0001", None),
     ("shared_by_area", None, "1234.56", None), ("per_resident", None, "1.2345", None)],
)
def test_charge_consistency(type_: str, meter_type: str | None, price: str, field: str | None) -> None:
    if field is None:
        check_charge(type_, meter_type, Decimal(price))
    else:
        with pytest.raises(ValidationFailed) as exc:
            check_charge(type_, meter_type, Decimal(price))
        assert exc.value.errors[0].field == field


def test_apartment_numbers_sort_naturally() -> None:
    # Given numbers in any order / When sorted by their index key / Then digit runs compare as numbers
    numbers = ["10", "2A", "1", "2", "B", "2B", "100", "A1", "A10", "A2"]
    ordered = sorted(numbers, key=keys.natural_sort_key)
    assert ordered == ["1", "2", "2A", "2B", "10", "100", "A1", "A2", "A10", "B"]
    # And the list head sorts before every apartment (numbers start with a letter or digit)
    assert all(keys.apartments_head("t", "b")["GSI1SK"] < keys.natural_sort_key(n) for n in numbers)
