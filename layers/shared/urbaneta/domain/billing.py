"""Billing rules (billing.md), pure: charges → invoice lines, half-up rounding per line, VAT per line, the exact
split of building totals by area, consumption of a meter in a period, totals. Integer cents and Decimal only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from urbaneta.domain.buildings import Apartment, BillReadings, Charge
from urbaneta.domain.invoices import Invoice, InvoiceLine
from urbaneta.domain.meters import Meter, Reading

CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.000001")
UNITS = {"per_area": "m²", "per_apartment": "pc", "per_resident": "person", "shared_by_area": "share"}


def half_up_cents(major: Decimal) -> int:
    """An amount in major units rounded half-up (away from zero at the half cent) to integer cents."""
    return int((major * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amount_cents(quantity: Decimal, unit_price: Decimal) -> int:
    """Amount of a line = quantity * unit price, rounded half-up to the cent."""
    return half_up_cents(quantity * unit_price)


def vat_cents(amount_cents: int, rate_percent: Decimal) -> int:
    """VAT of a line = amount * rate, rounded half-up to the cent."""
    return int((Decimal(amount_cents) * rate_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AreaShare:
    apartment_id: str
    number: str
    area: Decimal


def natural_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """'2' < '10' < '10A' (ties of the split are broken by apartment number in this order)."""
    parts: list[tuple[int, int | str]] = []
    digits = ""
    for ch in number.strip().upper():
        if ch.isdigit():
            digits += ch
            continue
        if digits:
            parts.append((0, int(digits)))
            digits = ""
        parts.append((1, ch))
    if digits:
        parts.append((0, int(digits)))
    return tuple(parts)


def split_by_area(total_cents: int, shares: Sequence[AreaShare]) -> dict[str, int]:
    """Split a building total by area so that the parts add up to the total exactly: every share is rounded
    down to the cent, the remaining cents go to the largest remainders, ties by apartment number."""
    total_area = sum((Fraction(s.area) for s in shares), Fraction(0))
    if not shares or total_area <= 0:
        return {s.apartment_id: 0 for s in shares}
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    exact = {s.apartment_id: magnitude * Fraction(s.area) / total_area for s in shares}
    floors = {k: int(v.numerator // v.denominator) for k, v in exact.items()}
    left = magnitude - sum(floors.values())
    order = sorted(shares, key=lambda s: (-(exact[s.apartment_id] - floors[s.apartment_id]), natural_key(s.number)))
    for s in order[:left]:
        floors[s.apartment_id] += 1
    return {k: sign * v for k, v in floors.items()}


# --- consumption -------------------------------------------------------------------------------------------


def _pick(readings: Iterable[Reading]) -> Reading | None:
    """The reading of the latest date; on that date a confirmed reading wins over a submitted one (an older
    confirmed reading never wins over a newer submitted one: it would bill the same consumption twice)."""
    rank = {"confirmed": 1, "submitted": 0}
    ordered = sorted(readings, key=lambda r: (r.reading_date, rank.get(r.status, -1), r.created_at))
    return ordered[-1] if ordered else None


def billable(reading: Reading, rule: BillReadings = "submitted") -> bool:
    """Whether invoices may bill a reading under the building's ``billReadings``: ``confirmed``: confirmed readings
    only; ``submitted`` (default): every reading except rejected ones and flagged ones awaiting review."""
    if reading.status == "rejected":
        return False
    if rule == "confirmed":
        return reading.status == "confirmed"
    return not (reading.flagged and reading.status == "submitted")


def consumption_in_period(meter: Meter, readings: Sequence[Reading], start: date, end: date) -> Decimal | None:
    """The reading at (or last before) the period's end minus the reading at (or last before) its start,
    confirmed readings first and submitted ones otherwise. None when the meter has no reading in the period.
    A meter installed during the period counts from its first (initial) reading."""
    pair = readings_in_period(meter, readings, start, end)
    return None if pair is None else pair[1] - pair[0]


def readings_in_period(meter: Meter, readings: Sequence[Reading], start: date, end: date
                       ) -> tuple[Decimal, Decimal] | None:
    """The (opening, closing) values ``consumption_in_period`` subtracts; None when it has none."""
    usable = [r for r in readings if r.status != "rejected"]
    closing = _pick(r for r in usable if start < r.reading_date <= end)
    if closing is None:
        return None
    opening = _pick(r for r in usable if r.reading_date <= start)
    if opening is None:
        earliest = sorted((r for r in usable if r.reading_date <= end), key=lambda r: (r.reading_date, r.created_at))
        if earliest and earliest[0].id != closing.id:
            opening = earliest[0]
    if opening is not None:
        return opening.value, closing.value
    if meter.initial_reading is not None:
        return meter.initial_reading, closing.value
    return None


def needs_earlier_readings(readings: Sequence[Reading], start: date, end: date, rule: BillReadings = "submitted"
                           ) -> bool:
    """Whether a meter's readings from a window ending at ``end`` may bill differently from its whole history:
    only when the period has a billable reading but the window none on or before ``start`` (the opening is then
    older than the window, or there is none). Otherwise ``apartment_consumption`` gives the same either way:
    everything it reads is dated in the period or is the latest billable reading on or before its start."""
    usable = [r for r in readings if r.status != "rejected" and billable(r, rule)]
    return any(start < r.reading_date <= end for r in usable) and not any(r.reading_date <= start for r in usable)


# --- lines ---------------------------------------------------------------------------------------------------


@dataclass
class Consumption:
    """An apartment's consumption per meter type in the period, and the meters that had no reading."""

    by_type: dict[str, tuple[Decimal, str]] = field(default_factory=dict)  # type -> (quantity, unit)
    missing: dict[str, list[str]] = field(default_factory=dict)  # type -> meter ids without a reading
    held: dict[str, list[str]] = field(default_factory=dict)  # type -> meter ids with a reading left out (billReadings)
    # type -> (opening, closing) of its one meter (the invoice line shows them); a type of several meters has none
    readings: dict[str, tuple[Decimal, Decimal] | None] = field(default_factory=dict)


@dataclass
class LineProblem:
    charge_id: str
    message: str
    meter_ids: list[str] = field(default_factory=list)


def apartment_consumption(meters: Sequence[Meter], readings: dict[str, list[Reading]], start: date, end: date,
                          rule: BillReadings = "submitted") -> Consumption:
    """Per meter type, the consumption of the billable readings (``rule``); a meter with a reading of the period
    left out (awaiting review or confirmation) is named in ``held``, one with no billable pair in ``missing``."""
    out = Consumption()
    for meter in meters:
        if meter.status == "replaced" and meter.last_reading_date is not None and meter.last_reading_date <= start:
            continue  # replaced before the period: its successor carries the period
        mine = readings.get(meter.id, [])
        if any(r.status != "rejected" and not billable(r, rule) and start < r.reading_date <= end for r in mine):
            out.held.setdefault(meter.type, []).append(meter.id)
        pair = readings_in_period(meter, [r for r in mine if billable(r, rule)], start, end)
        if pair is None:
            out.missing.setdefault(meter.type, []).append(meter.id)
            continue
        quantity, _unit = out.by_type.get(meter.type, (Decimal(0), meter.unit))
        out.readings[meter.type] = None if meter.type in out.by_type else pair
        out.by_type[meter.type] = (quantity + pair[1] - pair[0], meter.unit)
    return out


def build_lines(apartment: Apartment, charges: Sequence[Charge], *, default_vat_rate: Decimal,
                shared: dict[str, int], consumption: Consumption) -> tuple[list[InvoiceLine], list[LineProblem]]:
    """The lines of one apartment's invoice. ``shared`` maps a shared_by_area charge id to this apartment's part
    (cents). A metered charge without a reading in the period gives no line and a problem, never a zero line."""
    lines: list[InvoiceLine] = []
    problems: list[LineProblem] = []
    for charge in charges:
        rate = charge.vat_rate if charge.vat_rate is not None else default_vat_rate
        unit = UNITS.get(charge.type, "")
        price = charge.unit_price
        if charge.type == "per_area":
            quantity = apartment.area
        elif charge.type == "per_apartment":
            quantity = Decimal(1)
        elif charge.type == "per_resident":
            quantity = Decimal(apartment.residents_count)
        elif charge.type == "metered":
            meter_type = charge.meter_type or ""
            if meter_type in consumption.missing and meter_type not in consumption.by_type:
                if meter_type in consumption.held:
                    problems.append(_held(charge, meter_type, consumption))
                problems.append(LineProblem(charge.id, f"no {meter_type} reading in the period; "
                                            f"'{charge.name}' not billed", consumption.missing[meter_type]))
                continue
            if meter_type not in consumption.by_type:
                problems.append(LineProblem(charge.id, f"no {meter_type} meter; '{charge.name}' not billed"))
                continue
            quantity, unit = consumption.by_type[meter_type]
            if meter_type in consumption.held:
                problems.append(_held(charge, meter_type, consumption))
            if meter_type in consumption.missing:
                problems.append(LineProblem(charge.id, f"some {meter_type} meters have no reading in the period",
                                            consumption.missing[meter_type]))
        else:  # shared_by_area: the exact part computed over the whole building
            amount = shared.get(charge.id, 0)
            lines.append(InvoiceLine(description=charge.name, quantity=_share_fraction(amount, price), unit=unit,
                                     unit_price=price, amount_cents=amount, vat_rate=rate,
                                     vat_cents=vat_cents(amount, rate)))
            continue
        amount = line_amount_cents(quantity, price)
        pair = consumption.readings.get(charge.meter_type or "") if charge.type == "metered" else None
        lines.append(InvoiceLine(description=charge.name, quantity=quantity, unit=unit, unit_price=price,
                                 amount_cents=amount, vat_rate=rate, vat_cents=vat_cents(amount, rate),
                                 previous_reading=pair[0] if pair else None,
                                 current_reading=pair[1] if pair else None))
    return lines, problems


def _held(charge: Charge, meter_type: str, consumption: Consumption) -> LineProblem:
    return LineProblem(charge.id, f"a {meter_type} reading of the period awaits review or confirmation and was left "
                                  f"out of '{charge.name}' (billReadings)", consumption.held[meter_type])


def _share_fraction(amount_cents: int, total: Decimal) -> Decimal:
    if total == 0:
        return Decimal(0)
    return (Decimal(amount_cents) / 100 / total).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    vat_total_cents: int
    total_cents: int


def totals(lines: Sequence[InvoiceLine]) -> Totals:
    """Invoice totals are the sums of the rounded lines."""
    subtotal = sum(line.amount_cents for line in lines)
    vat = sum(line.vat_cents for line in lines)
    return Totals(subtotal, vat, subtotal + vat)


def late_interest_lines(apartment_invoices: Sequence[Invoice], issue: date, daily_rate_percent: Decimal
                        ) -> list[InvoiceLine]:
    """Late interest (billing.md) on the apartment's overdue balances, per day overdue: from the due date, or from
    the day a previous invoice last charged it, to the new invoice's issue date - so no day is charged twice.
    One line per overdue invoice: quantity = days, unit price = balance x daily rate, VAT 0."""
    live = [i for i in apartment_invoices if i.status != "cancelled" and i.credit_note_of is None]
    charged: dict[str, date] = {}
    for inv in live:
        for line in inv.lines:
            if line.kind == "late_interest" and line.interest_on and line.interest_through:
                charged[line.interest_on] = max(charged.get(line.interest_on, line.interest_through),
                                                line.interest_through)
    out: list[InvoiceLine] = []
    for inv in sorted(live, key=lambda i: (i.due_date, i.number)):
        if inv.status != "overdue" or inv.balance_due_cents <= 0 or inv.issue_date >= issue:
            continue
        since = max(inv.due_date, charged.get(inv.id, inv.due_date))
        days = (issue - since).days
        if days <= 0:
            continue
        price = (Decimal(inv.balance_due_cents) / 100 * daily_rate_percent / 100).quantize(Decimal("0.000001"),
                                                                                         rounding=ROUND_HALF_UP)
        out.append(InvoiceLine(
            description=f"Late interest on {inv.number}: {days} days from {since.isoformat()}", quantity=Decimal(days),
            unit="day", unit_price=price, amount_cents=line_amount_cents(Decimal(days), price), vat_rate=Decimal(0),
            vat_cents=0, kind="late_interest", interest_on=inv.id, interest_through=issue))
    return [line for line in out if line.amount_cents > 0]


def credit_lines(lines: Sequence[InvoiceLine]) -> list[InvoiceLine]:
    """The lines of a credit note: the original's rounded lines, negated (no re-rounding)."""
    return [line.model_copy(update={"quantity": -line.quantity, "amount_cents": -line.amount_cents,
                                    "vat_cents": -line.vat_cents, "kind": "credit"}) for line in lines]


def due_date(issue: date, due_days: int) -> date:
    return issue + timedelta(days=due_days)


def default_prefix(issue: date, configured: str | None) -> str:
    """Numbers are gapless per organisation and prefix: the building's invoicePrefix, else the issue year."""
    return (configured or "").strip() or str(issue.year)


def format_number(prefix: str, sequence: int) -> str:
    return f"{prefix}-{sequence:06d}"
