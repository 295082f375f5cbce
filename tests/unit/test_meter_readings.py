"""Pure reading rules: plausibility, consumption, the flag, replacement chains and period consumption."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urbaneta.domain import readings as rules
from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import ValidationFailed

D = Decimal
T0 = "2025-01-01T00:00:00Z"


def meter(mid: str, *, replaces: str | None = None, replaced_by: str | None = None, apartment: str | None = "a1",
          kind: str = "cold_water") -> Meter:
    return Meter.model_validate({"id": mid, "tenantId": "t", "buildingId": "b", "apartmentId": apartment,
                                 "type": kind, "unit": "m3", "serialNumber": mid, "replacesMeterId": replaces,
                                 "replacedByMeterId": replaced_by, "status": "replaced" if replaced_by else "active",
                                 "createdAt": T0, "updatedAt": T0})


def reading(mid: str, value: str, on: str, status: str = "confirmed", *, consumption: str = "0",
            days: int | None = None, kind: str = "regular", created: str = T0) -> Reading:
    return Reading.model_validate({"id": f"{mid}-{on}-{status}-{value}", "tenantId": "t", "meterId": mid,
                                   "buildingId": "b", "value": value, "readingDate": on, "consumption": consumption,
                                   "days": days, "status": status, "kind": kind, "createdAt": created})


# ---- plausibility ----------------------------------------------------------------------------------------------


def test_a_plausible_reading_passes():
    # Given a previous reading / When a later, higher one is checked / Then nothing is raised
    rules.check_new_reading(D("12.5"), date(2025, 2, 1), today=date(2025, 2, 1),
                            previous=rules.Baseline(D("10"), date(2025, 1, 1)), unit="m3")


def test_every_broken_rule_is_listed():
    # Given a previous reading at 10 on Jan 10
    previous = rules.Baseline(D("10"), date(2025, 1, 10))
    # When a lower value dated before it is checked
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_reading(D("9.999"), date(2025, 1, 9), today=date(2025, 2, 1), previous=previous, unit="m3")
    # Then both the value and the date are named
    assert {e.field for e in caught.value.errors} == {"value", "readingDate"}


def test_a_future_date_is_refused_even_for_the_first_reading():
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_reading(D("1"), date(2025, 2, 2), today=date(2025, 2, 1), previous=None, unit="kWh",
                                value_field="finalReading", date_field="replacedOn")
    assert [e.field for e in caught.value.errors] == ["replacedOn"]


def test_consumption_and_days():
    base = rules.Baseline(D("10.250"), date(2025, 1, 1))
    assert rules.consumption(D("12.5"), base) == D("2.250")
    assert rules.consumption(D("12.5"), None) == 0
    assert rules.days_between(base, date(2025, 1, 31)) == 30 and rules.days_between(None, date(2025, 1, 1)) is None


# ---- flag ---------------------------------------------------------------------------------------------------------


def test_flag_needs_a_history_and_a_clear_excess():
    # Given three months of about 1 m3 a day
    history = [reading("m", "0", "2025-01-31", consumption="30", days=30),
               reading("m", "0", "2025-03-02", consumption="31", days=30),
               reading("m", "0", "2025-04-01", consumption="29", days=30)]
    # Then 3.1 a day is flagged, 2.9 a day is not
    assert rules.is_far_above_usual(D("93"), 30, history) is True
    assert rules.is_far_above_usual(D("87"), 30, history) is False
    # And one previous interval is not enough to judge; initial and rejected ones do not count
    assert rules.is_far_above_usual(D("900"), 30, history[:1]) is False
    ignored = [reading("m", "0", "2025-01-01", consumption="0", kind="initial"),
               reading("m", "0", "2025-02-01", "rejected", consumption="1", days=30), history[0]]
    assert rules.is_far_above_usual(D("900"), 30, ignored) is False
    # And a meter that usually consumes nothing is not flagged by the ratio
    idle = [reading("m", "0", "2025-01-31", consumption="0", days=30)] * 3
    assert rules.is_far_above_usual(D("5"), 30, idle) is False
    # And a first reading (no interval) is never flagged
    assert rules.is_far_above_usual(D("900"), None, history) is False


# ---- chains and period consumption ----------------------------------------------------------------------------------


def test_meter_chains_follow_replacements_oldest_first():
    # Given A replaced by B replaced by C, and an unrelated D
    ms = [meter("C", replaces="B"), meter("A", replaced_by="B"), meter("D", kind="gas"),
          meter("B", replaces="A", replaced_by="C")]
    # When they are grouped
    chains = rules.meter_chains(ms)
    # Then one chain A→B→C and one of D
    assert sorted([m.id for m in c] for c in chains) == [["A", "B", "C"], ["D"]]
    assert [[m.id for m in c] for c in rules.chains_for(ms, apartment_id="a1", meter_type="gas")] == [["D"]]
    assert rules.chains_for(ms, apartment_id=None, meter_type="gas") == []


def test_period_consumption_uses_readings_at_or_before_the_bounds():
    # Given readings on Dec 31 (100), Jan 15 (110) and Feb 3 (130)
    rs = [reading("m", "100", "2024-12-31"), reading("m", "110", "2025-01-15"), reading("m", "130", "2025-02-03")]
    # When January is computed / Then 110 - 100 (the Feb reading is after the end)
    assert rules.consumption_in_period([meter("m")], {"m": rs}, date(2025, 1, 1), date(2025, 1, 31)) == D(10)


def test_confirmed_wins_over_submitted_and_rejected_never_counts():
    # Given a submitted and a confirmed reading on the same end day, and a rejected later one
    rs = [reading("m", "100", "2025-01-01"),
          reading("m", "150", "2025-01-31", "submitted", created="2025-01-31T10:00:00Z"),
          reading("m", "140", "2025-01-31", "confirmed", created="2025-01-31T09:00:00Z"),
          reading("m", "999", "2025-01-30", "rejected")]
    # When January is computed / Then the confirmed 140 closes it
    assert rules.consumption_in_period([meter("m")], {"m": rs}, date(2025, 1, 1), date(2025, 1, 31)) == D(40)


def test_no_reading_in_the_period_is_none_never_zero():
    rs = [reading("m", "100", "2024-11-30"), reading("m", "120", "2025-03-01"),
          reading("m", "110", "2025-01-15", "rejected")]
    assert rules.consumption_in_period([meter("m")], {"m": rs}, date(2025, 1, 1), date(2025, 1, 31)) is None


def test_consumption_is_continuous_across_a_replacement():
    # Given old meter A: 100 on Dec 31, final 140 on Jan 20; new meter B: initial 5 on Jan 20, 25 on Jan 31
    chain = [meter("A", replaced_by="B"), meter("B", replaces="A")]
    history = {"A": [reading("A", "100", "2024-12-31"), reading("A", "140", "2025-01-20", kind="final")],
               "B": [reading("B", "5", "2025-01-20", kind="initial"), reading("B", "25", "2025-01-31")]}
    # When January and February are computed
    january = rules.consumption_in_period(chain, history, date(2025, 1, 1), date(2025, 1, 31))
    february = rules.consumption_in_period(chain, history, date(2025, 2, 1), date(2025, 2, 28))
    # Then January is (140 - 100) + (25 - 5) and February has no reading at all
    assert january == D(60)
    assert february is None
    # And a period ending before the swap counts only the old meter
    assert rules.consumption_in_period(chain, history, date(2024, 12, 1), date(2025, 1, 19)) == D(0)
    assert rules.consumption_in_period(chain, history, date(2024, 12, 1), date(2025, 1, 20)) == D(40)
