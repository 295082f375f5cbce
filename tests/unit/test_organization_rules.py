"""The organisation's pure rules: registry codes and VAT numbers of Estonia, Latvia and Lithuania (python-stdnum),
the logo's bytes, and the role sets the routes allow."""

from __future__ import annotations

import io

import pytest

from urbaneta.domain import organization as rules


@pytest.mark.parametrize("code,country", [("80123455", "EE"), ("10137025", "EE"), ("40003009497", "LV"),
                                          ("188607912", "LT"), ("121215434", "LT"), ("1013 7025", "EE")])
def test_a_valid_registry_code_tells_its_country(code, country):
    assert rules.registry_country(code) == country


@pytest.mark.parametrize("code,message", [
    ("80123454", "EE registry code"), ("20123455", "EE registry code"), ("30003009497", "LV registry code"),
    ("188607913", "LT registry code"), ("000000000", "LT registry code"), ("1234567", "8 digits"),
    ("80l23455", "digits only"), ("٨٠١٢٣٤٥٥", "digits only"),
])
def test_an_invalid_registry_code_names_what_is_wrong(code, message):
    with pytest.raises(ValueError, match=message):
        rules.registry_country(code)


@pytest.mark.parametrize("value,compact", [("EE100931558", "EE100931558"), ("ee 100 931 558", "EE100931558"),
                                           ("LV40003009497", "LV40003009497"), ("LT100001919017", "LT100001919017")])
def test_baltic_vat_numbers_are_compacted(value, compact):
    assert rules.vat_number(value) == compact


@pytest.mark.parametrize("value", ["EE100931559", "DE136695976", "FI20774740", "LT10000191901", "E", ""])
def test_other_vat_numbers_are_refused(value):
    with pytest.raises(ValueError):
        rules.vat_number(value)


def test_registry_code_and_vat_number_must_be_of_one_country():
    rules.check_vat_country("EE", "EE100931558")
    rules.check_vat_country(None, "LV40003009497")
    with pytest.raises(ValueError, match="LV VAT number"):
        rules.check_vat_country("EE", "LV40003009497")


def _image(fmt: str, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size).save(out, format=fmt)
    return out.getvalue()


def test_logo_type_comes_from_the_bytes_and_the_image_is_decoded():
    assert rules.logo_facts(_image("PNG", (64, 32))) == ("image/png", 64, 32)
    assert rules.logo_facts(_image("JPEG", (40, 40))) == ("image/jpeg", 40, 40)
    for bad in (_image("GIF", (40, 40)), _image("BMP", (40, 40)), _image("PNG", (40, 40))[:60], b""):
        with pytest.raises(ValueError):
            rules.logo_facts(bad)
    with pytest.raises(ValueError, match="pixels"):
        rules.logo_facts(_image("PNG", (8, 8)))


def test_role_sets_are_capabilities_and_the_board_never_writes():
    from urbaneta.auth.principal import (
        BUILDING_ADMIN,
        EVERYONE,
        FINANCE,
        OWNERS,
        READERS,
        RESIDENT_WRITERS,
        Principal,
        Role,
    )

    assert OWNERS < BUILDING_ADMIN < FINANCE < READERS < EVERYONE
    assert Role.BOARD not in FINANCE | BUILDING_ADMIN | RESIDENT_WRITERS
    assert Role.ACCOUNTANT in FINANCE and Role.ACCOUNTANT not in BUILDING_ADMIN
    board = Principal("t", "u", Role.BOARD, "s")
    resident = Principal("t", "u", Role.RESIDENT, "s", frozenset({"a1"}))
    assert board.can_see_apartment("a2") and not resident.can_see_apartment("a2")
