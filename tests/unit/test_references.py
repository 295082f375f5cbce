"""7-3-1 and ISO 11649 RF reference numbers (domain/payments.md "Reference numbers")."""

import pytest

from urbaneta.domain import references as ref


@pytest.mark.parametrize(
    ("base", "expected"),
    [("12131295", "121312952"), ("2024000123", "20240001234"), ("12", "123"), ("1001", "10016")],
)
def test_731_spec_examples(base: str, expected: str) -> None:
    # Given a base from the spec
    # When the reference is generated and validated
    # Then it matches the spec's example and validates
    assert ref.make_731(base) == expected
    assert ref.is_valid_731(expected)
    assert ref.is_valid_reference(expected)


@pytest.mark.parametrize(
    ("base", "expected"),
    [(1000001, "10000016"), ("5", "55"), ("55", "550"), ("0", "00"), ("1000", "10003")],
)
def test_731_other_bases_including_zero_check_digit(base: str | int, expected: str) -> None:
    # Given bases hand-computed with weights 7,3,1 from the right (55 → 35+15=50 → check 0)
    # When generated
    # Then the check digit is right, and an int base works like its string
    assert ref.make_731(base) == expected
    assert ref.is_valid_731(expected)


@pytest.mark.parametrize(
    "bad",
    ["121312953", "20240001235", "124", "10017", "1", "", "12a3", "RF123", "1" * 21, "-123", "12.3"],
)
def test_731_rejects_wrong_check_digit_or_shape(bad: str) -> None:
    # Given a wrong check digit, too short/long, or non-digits
    # When validated
    # Then it is invalid (and never raises)
    assert not ref.is_valid_731(bad)


def test_731_every_single_digit_error_is_caught() -> None:
    # Given a valid reference
    good = "20240001234"
    # When any one digit is changed
    # Then the reference no longer validates
    for i, digit in enumerate(good):
        for other in "0123456789":
            if other != digit:
                assert not ref.is_valid_731(good[:i] + other + good[i + 1 :])


def test_731_ignores_spaces_and_bounds_length() -> None:
    # Given printed forms and the length limits (base 1-19 digits, reference 2-20)
    # Then spaces are ignored and the limits are enforced
    assert ref.is_valid_731(" 2024 0001 234 ")
    assert ref.is_valid_731(ref.make_731("9" * 19))
    assert len(ref.make_731("9" * 19)) == 20
    with pytest.raises(ValueError):
        ref.make_731("9" * 20)
    with pytest.raises(ValueError):
        ref.make_731("")
    with pytest.raises(ValueError):
        ref.check_digit_731("12x")


def test_rf_spec_examples() -> None:
    # Given the spec's examples
    # When generated and validated
    # Then RF712348231 validates and 2024000123 → RF492024000123
    assert ref.is_valid_rf("RF712348231")
    assert ref.make_rf("2348231") == "RF712348231"
    assert ref.make_rf("2024000123") == "RF492024000123"
    assert ref.make_rf(2024000123) == "RF492024000123"
    assert ref.is_valid_rf("RF492024000123")
    assert ref.is_valid_reference("RF492024000123")


def test_rf_letters_spaces_and_case() -> None:
    # Given an alphanumeric payload (letters map A=10 … Z=35)
    made = ref.make_rf("abc123")
    # Then the payload is upper-cased, the result validates, and the print form / lower case validate too
    assert made.startswith("RF") and made.endswith("ABC123")
    assert ref.is_valid_rf(made)
    assert ref.is_valid_rf(ref.format_rf(made).lower())
    assert ref.format_rf("RF712348231") == "RF71 2348 231"
    # ISO 11649's own example
    assert ref.is_valid_rf("RF18 5390 0754 7034")
    assert ref.make_rf("539007547034") == "RF18539007547034"


@pytest.mark.parametrize(
    "bad",
    ["RF722348231", "RF712348232", "RF71", "RF7", "XX712348231", "RF71-2348231", "RF71" + "1" * 22, "", "RFAB123"],
)
def test_rf_rejects_bad_check_digits_or_shape(bad: str) -> None:
    # Given wrong check digits, no payload, a bad prefix, a bad character or an over-long payload
    # Then it is invalid
    assert not ref.is_valid_rf(bad)
    assert not ref.is_valid_reference(bad)


def test_rf_generate_rejects_bad_payload() -> None:
    # Given an empty, over-long or non-alphanumeric payload / Then generation refuses it
    for bad in ["", "1" * 22, "12-3", "ÄÖ"]:
        with pytest.raises(ValueError):
            ref.make_rf(bad)


def test_rf_round_trip_of_731_references() -> None:
    # Given 7-3-1 references / When wrapped as RF / Then both validate and the payload is unchanged
    for base in ["1", "1000001", "2024000123", "9" * 19]:
        viite = ref.make_731(base)
        rf = ref.make_rf(viite)
        assert ref.is_valid_rf(rf) and rf[4:] == viite
