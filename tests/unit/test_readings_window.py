"""Billing from a window of readings gives what the whole history gives (issue 19): generation reads a building's
readings of a window around the period, and a meter's whole history only when ``needs_earlier_readings``."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D

from urbaneta.domain import billing
from urbaneta.domain.meters import Meter, Reading

START, END = date(2025, 3, 1), date(2025, 3, 31)
SINCE = START - timedelta(days=45)


def _meter(initial: D | None) -> Meter:
    return Meter(id="m", tenant_id="t", building_id="b", apartment_id="a", type="cold_water", unit="m3",
                 serial_number="S", initial_reading=initial, created_at="", updated_at="")


def _history(rng: random.Random) -> list[Reading]:
    """Up to 8 readings spread over a year before the period to a month after it, of any status."""
    out: list[Reading] = []
    value = D(100)
    days = sorted(rng.sample(range(-365, 40), rng.randint(0, 8)))
    for k, offset in enumerate(days):
        value += D(rng.randint(0, 50)) / 10
        status = rng.choice(["submitted", "confirmed", "rejected", "submitted"])
        out.append(Reading(id=f"r{k}", tenant_id="t", meter_id="m", building_id="b", apartment_id="a", value=value,
                           reading_date=START + timedelta(days=offset), consumption=D(0), status=status,
                           flagged=rng.random() < 0.15, created_at=f"2025-01-01T00:00:{k:02d}Z"))
    return out


def _windowed(meter: Meter, history: list[Reading], rule: billing.BillReadings) -> list[Reading]:
    window = [r for r in history if SINCE <= r.reading_date <= END]
    return history if billing.needs_earlier_readings(window, START, END, rule) else window


def test_w1_a_window_bills_exactly_what_the_whole_history_bills():
    rng = random.Random(19)
    for _ in range(3_000):
        # Given any meter history, billing rule and initial reading
        history = _history(rng)
        rule: billing.BillReadings = rng.choice(["submitted", "confirmed"])
        meter = _meter(rng.choice([None, D(90)]))
        # When the period is billed from the window (or the history, where the rule asks for it)
        windowed = billing.apartment_consumption([meter], {"m": _windowed(meter, history, rule)}, START, END, rule)
        whole = billing.apartment_consumption([meter], {"m": history}, START, END, rule)
        # Then the consumption, the missing and the held meters are the same
        assert (windowed.by_type, windowed.missing, windowed.held, windowed.readings) == (
            whole.by_type, whole.missing, whole.held, whole.readings), history


def test_w2_only_a_period_reading_without_an_opening_in_the_window_needs_the_history():
    def reading(day: str, status: str = "submitted") -> Reading:
        return Reading(id=day, tenant_id="t", meter_id="m", building_id="b", value=D(1),
                       reading_date=date.fromisoformat(day), consumption=D(0), status=status, created_at=day)

    # Given windows with and without an opening / Then only a closing without an opening needs the history
    assert billing.needs_earlier_readings([reading("2025-03-31")], START, END)
    assert not billing.needs_earlier_readings([reading("2025-02-28"), reading("2025-03-31")], START, END)
    assert not billing.needs_earlier_readings([reading("2025-02-28")], START, END)  # nothing to bill anyway
    assert billing.needs_earlier_readings([reading("2025-02-28", "rejected"), reading("2025-03-31")], START, END)
    assert billing.needs_earlier_readings([reading("2025-02-28"), reading("2025-03-31", "confirmed")], START, END,
                                          "confirmed")
