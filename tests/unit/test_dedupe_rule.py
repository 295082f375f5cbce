"""The cross-format dedupe rule (domain/reconciliation.line_keys, is_duplicate_by_slot; docs/bank-formats.md)."""

from __future__ import annotations

from urbaneta.domain.reconciliation import is_duplicate_by_slot, line_keys, unusable_identity

ALT = "ALT|EE38|2024-03-05|C|1200|EUR|MARI MAASIKAS"


def test_equal_lines_of_one_file_get_distinct_slots_and_meet_the_nth_of_another_file():
    # Given two equal lines without references in one file, and three in another
    first = line_keys([(None, ALT, True), (None, ALT, True)])
    second = line_keys([(None, ALT, True)] * 3)
    # Then each line is distinct within its file, and the n-th meets the n-th
    assert len({k.identity for k in first}) == 2
    assert [k.slot for k in second[:2]] == [k.slot for k in first]
    assert second[2].slot not in {k.slot for k in first}


def test_reference_is_the_identity_and_the_fallback_slot_is_still_claimed():
    ref = line_keys([("REF|EE38|2024030511111111|0", ALT, True)])[0]
    plain = line_keys([(None, ALT, True)])[0]
    assert ref.identity != ref.slot and ref.ref_key == "REF|EE38|2024030511111111|0"
    assert ref.slot == plain.slot and plain.identity == plain.slot and plain.ref_key == ""
    # the direction is part of a referenced identity
    assert line_keys([("REF|x|1|0", ALT, False)])[0].identity != ref.identity


def test_slot_held_by_another_file():
    assert not is_duplicate_by_slot("R1", None, True)  # free
    assert is_duplicate_by_slot("", "R1", True)  # this line has no reference
    assert is_duplicate_by_slot("R1", "", True)  # the holder had none
    assert is_duplicate_by_slot("R1", "R1", True)
    assert not is_duplicate_by_slot("R1", "R2", True)  # two references of a bank that writes them alike
    assert is_duplicate_by_slot("R1", "R2", False)  # a bank whose reference forms differ (SEB)


def test_unusable_identity_by_reference_else_by_place_in_the_file():
    assert unusable_identity("EE38", "Z1", 0, "f1", 3) == unusable_identity("EE38", "Z1", 0, "f2", 9)
    assert unusable_identity("EE38", None, 0, "f1", 3) != unusable_identity("EE38", None, 0, "f2", 3)
