"""Names refuse control characters, and an e-mail header never carries a line break (found by fuzzing: a
building named "Kase 12\\r\\nBcc: ..." made every invitation for it fail)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from urbaneta.adapters.mail import build_message
from urbaneta.models.buildings import ApartmentCreate, BuildingCreate

ADDRESS = {"street": "Kase 12", "city": "Tallinn", "postalCode": "10115", "country": "EE"}
BILLING = {"dueDays": 14, "vatRate": 0, "iban": "EE061010220000000016", "bankName": "Swedbank"}


@pytest.mark.parametrize("name", ["Kase 12\r\nBcc: victim@example.com", "Kase\x0012", "Kase\t12", "Kase\x7f"])
def test_a_building_name_with_a_control_character_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        BuildingCreate.model_validate({"name": name, "address": ADDRESS, "billing": BILLING})
    assert "control characters" in str(caught.value)


def test_an_owner_name_with_a_line_break_is_refused_and_baltic_letters_are_not():
    with pytest.raises(ValidationError):
        ApartmentCreate.model_validate({"number": "1", "area": 40, "ownerName": "Jüri\nÕunapuu"})
    assert ApartmentCreate.model_validate({"number": "1", "area": 40, "ownerName": "Jūratė Šeškauskienė"})


def test_a_subject_with_line_breaks_becomes_one_header_line():
    msg = build_message(["mari@example.ee"], "Invitation to Kase 12\r\nBcc: victim@example.com", "Hello",
                        sender="no-reply@example.ee")
    assert msg["Subject"] == "Invitation to Kase 12 Bcc: victim@example.com"
    assert msg["Bcc"] is None
