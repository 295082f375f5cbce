"""Billing rules (billing.md), pure: half-up rounding per line, VAT per line, the exact split, consumption,
totals, credit lines, numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urbaneta.domain import billing
from urbaneta.domain.buildings import Apartment, Charge
from urbaneta.domain.meters import Meter, Reading

D = Decimal


@pytest.mark.parametrize(("quantity", "price", "cents"), [
    (D("1"), D("0.125"), 13),      # exactly half a cent: up
    (D("1"), D("0.124999"), 12),
    (D("3"), D("0.335"), 101),     # 1.005 -> 1.01 (Decimal, not binary float: 1.00499999...)
    (D("52.3"), D("0.45"), 2354),  # 23.535 -> 23.54
    (D("2.75"), D("2.5"), 688),    # 6.875 -> 6.88
    (D("-1"), D("0.125"), -13),    # credit: half away from zero
])
def test_line_amount_rounds_half_up_at_the_half_cent(quantity, price, cents):
    assert billing.line_amount_cents(quantity, price) == cents


@pytest.mark.parametrize(("amount", "rate", "vat"), [
    (1503, D("22"), 331),   # 3.3066 -> 3.31
    (425, D("22"), 94),     # 0.935 -> 0.94 (the half cent)
    (250, D("9"), 23),      # 0.225 -> 0.23
    (1000, D("0"), 0),
    (-425, D("22"), -94),
])
def test_vat_per_line_rounds_half_up(amount, rate, vat):
    assert billing.vat_cents(amount, rate) == vat


def test_split_adds_up_to_the_total_and_gives_leftovers_to_largest_remainders():
    shares = [billing.AreaShare("a", "1", D("33.3")), billing.AreaShare("b", "2", D("33.3")),
              billing.AreaShare("c", "3", D("33.4"))]
    assert billing.split_by_area(10001, shares) == {"a": 3330, "b": 3330, "c": 3341}
    # 10000 x 33.3/100 = 3330 each, 33.4 -> 3340: exact
    assert billing.split_by_area(10000, shares) == {"a": 3330, "b": 3330, "c": 3340}


def test_split_ties_go_by_apartment_number_in_natural_order():
    shares = [billing.AreaShare(x, n, D(40)) for x, n in (("x10", "10"), ("x2", "2"), ("x9", "9"))]
    # 100 cents / 3 = 33.33...: one leftover cent, tie on the remainder -> lowest number "2"
    assert billing.split_by_area(100, shares) == {"x2": 34, "x9": 33, "x10": 33}
    assert billing.split_by_area(101, shares) == {"x2": 34, "x9": 34, "x10": 33}


@pytest.mark.parametrize("total", [1, 99, 100, 12345, 999999, 7])
def test_split_is_exact_for_uneven_areas(total):
    areas = [D("12.34"), D("56.78"), D("0.01"), D("99.99"), D("43.21"), D("43.21")]
    shares = [billing.AreaShare(f"a{i}", str(i), a) for i, a in enumerate(areas)]
    parts = billing.split_by_area(total, shares)
    assert sum(parts.values()) == total and all(p >= 0 for p in parts.values())


def test_split_of_negative_total_and_of_no_area():
    shares = [billing.AreaShare("a", "1", D(1)), billing.AreaShare("b", "2", D(2))]
    assert sum(billing.split_by_area(-100, shares).values()) == -100
    assert billing.split_by_area(100, [billing.AreaShare("a", "1", D(0))]) == {"a": 0}


def _meter() -> Meter:
    return Meter(id="m", tenant_id="t", building_id="b", apartment_id="a", type="cold_water", unit="m3",
                 serial_number="S", initial_reading=D(100), created_at="", updated_at="")


def _reading(rid: str, value: str, day: str, status: str = "submitted") -> Reading:
    return Reading(id=rid, tenant_id="t", meter_id="m", building_id="b", apartment_id="a", value=D(value),
                   reading_date=date.fromisoformat(day), consumption=D(0), status=status, created_at=day)


def test_consumption_uses_readings_at_or_last_before_the_bounds():
    readings = [_reading("r0", "100", "2024-11-30", "confirmed"), _reading("r1", "101.5", "2024-12-31"),
                _reading("r2", "103", "2025-01-20"), _reading("r3", "104.25", "2025-01-31")]
    assert billing.consumption_in_period(_meter(), readings, date(2025, 1, 1), date(2025, 1, 31)) == D("2.75")


def test_consumption_prefers_confirmed_on_the_same_day_and_ignores_rejected():
    readings = [_reading("r1", "101", "2024-12-31"),
                _reading("r2", "110", "2025-01-31"), _reading("r3", "109", "2025-01-31", "confirmed"),
                _reading("r4", "150", "2025-01-30", "rejected")]
    assert billing.consumption_in_period(_meter(), readings, date(2025, 1, 1), date(2025, 1, 31)) == D(8)


def test_no_reading_in_the_period_is_none_not_zero():
    readings = [_reading("r1", "101", "2024-12-31")]
    assert billing.consumption_in_period(_meter(), readings, date(2025, 1, 1), date(2025, 1, 31)) is None


def test_meter_installed_during_the_period_counts_from_its_first_reading():
    readings = [_reading("r1", "5", "2025-01-10", "confirmed"), _reading("r2", "7.5", "2025-01-31")]
    assert billing.consumption_in_period(_meter(), readings, date(2025, 1, 1), date(2025, 1, 31)) == D("2.5")


def _apartment() -> Apartment:
    return Apartment(id="a", tenant_id="t", building_id="b", number="1", area=D("52.3"), residents_count=3,
                     reference_number="123", created_at="", updated_at="")


def _charge(cid: str, type_: str, price: str, **kw) -> Charge:
    return Charge(id=cid, tenant_id="t", building_id="b", name=cid, type=type_, unit_price=D(price), created_at="",
                  updated_at="", **kw)


def test_lines_of_every_charge_type_and_totals():
    charges = [_charge("area", "per_area", "0.45"), _charge("apt", "per_apartment", "10", vat_rate=D(0)),
               _charge("res", "per_resident", "2.125"), _charge("water", "metered", "2.5", meter_type="cold_water"),
               _charge("lift", "shared_by_area", "100")]
    usage = billing.Consumption(by_type={"cold_water": (D("2.75"), "m3")})
    lines, problems = billing.build_lines(_apartment(), charges, default_vat_rate=D(22), shared={"lift": 3333},
                                          consumption=usage)
    assert not problems
    got = {ln.description: (ln.amount_cents, ln.vat_cents, ln.unit) for ln in lines}
    assert got == {"area": (2354, 518, "m²"), "apt": (1000, 0, "pc"), "res": (638, 140, "person"),
                   "water": (688, 151, "m3"), "lift": (3333, 733, "share")}
    totals = billing.totals(lines)
    assert totals.subtotal_cents == 2354 + 1000 + 638 + 688 + 3333
    assert totals.vat_total_cents == 518 + 0 + 140 + 151 + 733
    assert totals.total_cents == totals.subtotal_cents + totals.vat_total_cents


def test_metered_charge_without_reading_or_meter_is_a_problem_not_a_zero_line():
    charges = [_charge("water", "metered", "2.5", meter_type="cold_water"),
               _charge("heat", "metered", "80", meter_type="heating")]
    usage = billing.Consumption(missing={"cold_water": ["m1"]})
    lines, problems = billing.build_lines(_apartment(), charges, default_vat_rate=D(0), shared={}, consumption=usage)
    assert lines == []
    assert [(p.charge_id, p.meter_ids) for p in problems] == [("water", ["m1"]), ("heat", [])]


def test_credit_lines_negate_the_rounded_lines():
    lines, _ = billing.build_lines(_apartment(), [_charge("area", "per_area", "0.45")], default_vat_rate=D(22),
                                   shared={}, consumption=billing.Consumption())
    credit = billing.credit_lines(lines)
    assert [(c.amount_cents, c.vat_cents, c.kind) for c in credit] == [(-2354, -518, "credit")]


def test_numbers_and_prefixes():
    assert billing.format_number("2025", 123) == "2025-000123"
    assert billing.default_prefix(date(2025, 2, 1), None) == "2025"
    assert billing.default_prefix(date(2025, 2, 1), " KU ") == "KU"
    assert billing.due_date(date(2025, 2, 1), 14) == date(2025, 2, 15)


def _invoice(iid: str, number: str, status: str, balance: int, due: date, issue: date, lines=()):
    from urbaneta.domain.invoices import Invoice

    return Invoice(id=iid, tenant_id="t", number=number, reference_number="1", building_id="b", apartment_id="a",
                   period_start=date(2025, 1, 1), period_end=date(2025, 1, 31), issue_date=issue, due_date=due,
                   status=status, subtotal_cents=balance, vat_total_cents=0, total_cents=balance,
                   balance_due_cents=balance, lines=list(lines), created_at="", updated_at="")


def test_late_interest_per_day_overdue_never_charging_a_day_twice():
    overdue = _invoice("i1", "2025-000001", "overdue", 10000, date(2025, 2, 15), date(2025, 2, 1))
    paid = _invoice("i2", "2025-000002", "paid", 0, date(2025, 1, 15), date(2025, 1, 1))
    # 100.00 overdue since 2025-02-15 at 0.05 %/day, invoiced 2025-03-01: 14 days x 0.05 = 0.70
    lines = billing.late_interest_lines([overdue, paid], date(2025, 3, 1), D("0.05"))
    assert [(ln.quantity, ln.unit_price, ln.amount_cents, ln.vat_cents, ln.kind, ln.interest_on) for ln in lines] == [
        (D(14), D("0.05"), 70, 0, "late_interest", "i1")]
    # the next month's invoice charges only the days since 2025-03-01
    march = _invoice("i3", "2025-000003", "sent", 5070, date(2025, 3, 15), date(2025, 3, 1), lines)
    again = billing.late_interest_lines([overdue, paid, march], date(2025, 4, 1), D("0.05"))
    assert [(ln.quantity, ln.amount_cents) for ln in again] == [(D(31), 155)]  # 31 x 0.05 = 1.55
    # a cancelled invoice's interest lines do not count as charged
    cancelled = march.model_copy(update={"status": "cancelled"})
    assert billing.late_interest_lines([overdue, cancelled], date(2025, 4, 1), D("0.05"))[0].quantity == D(45)


# ---- which readings are billed (the building's billReadings) ---------------------------------------------------


def _flagged(rid: str, value: str, day: str, status: str = "submitted") -> Reading:
    return _reading(rid, value, day, status).model_copy(update={"flagged": True})


def test_bill_u01_submitted_rule_leaves_out_flagged_readings_awaiting_review_and_names_the_meter():
    # Given a flagged (unreviewed) reading at the period's end and a plain one before it
    readings = {"m": [_reading("r0", "100", "2024-12-31", "confirmed"), _reading("r1", "103", "2025-01-20"),
                      _flagged("r2", "190", "2025-01-31")]}
    # When the apartment's consumption is taken under the default rule
    got = billing.apartment_consumption([_meter()], readings, date(2025, 1, 1), date(2025, 1, 31))
    # Then the plain one is billed (100 → 103), and the meter is named as having one left out
    assert got.by_type["cold_water"][0] == D(3) and got.held == {"cold_water": ["m"]} and got.missing == {}
    # And once the manager confirms the flagged reading it is billed
    readings["m"][2] = _flagged("r2", "190", "2025-01-31", "confirmed")
    got = billing.apartment_consumption([_meter()], readings, date(2025, 1, 1), date(2025, 1, 31))
    assert got.by_type["cold_water"][0] == D(90) and got.held == {}


def test_bill_u02_confirmed_rule_bills_confirmed_readings_only_and_reports_the_rest():
    readings = {"m": [_reading("r1", "104", "2025-01-31")]}
    got = billing.apartment_consumption([_meter()], readings, date(2025, 1, 1), date(2025, 1, 31), "confirmed")
    assert got.by_type == {} and got.missing == {"cold_water": ["m"]} and got.held == {"cold_water": ["m"]}
    charge = Charge(id="c", tenant_id="t", building_id="b", name="Vesi", type="metered", unit_price=D(2),
                    meter_type="cold_water", created_at="", updated_at="")
    _, problems = billing.build_lines(_apartment(), [charge], default_vat_rate=D(0), shared={}, consumption=got)
    assert [p.meter_ids for p in problems] == [["m"], ["m"]] and "awaits review or confirmation" in problems[0].message
    assert billing.billable(_reading("r", "1", "2025-01-31", "confirmed"), "confirmed")
    assert not billing.billable(_reading("r", "1", "2025-01-31", "rejected"), "submitted")
