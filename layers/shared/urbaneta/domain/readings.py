"""Pure rules of meter readings: validation against the previous reading, consumption, the "far above usual"
flag, meter replacement chains and the consumption of a billing period (domain/billing.md).

Consumption of a period (billing.md): the reading at (or last before) the period's end minus the reading at
(or last before) the period's start. Rejected readings never count. When several readings compete for the
same day, a confirmed one wins over a submitted one (then the later submission). A meter replaced during
the period contributes its part up to its final reading, its successor from its initial reading, so the
consumption stays continuous across the swap:

    old meter: final - value at start        new meter: value at end - initial

A chain with no reading at all inside the period gives ``None`` (no line; the job reports it), never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import FieldError, ValidationFailed

FLAG_FACTOR = Decimal(3)
"""A reading is flagged when its daily consumption exceeds this many times the median daily consumption of the
meter's previous readings."""
FLAG_MIN_HISTORY = 2
"""...and only when at least this many previous intervals (with a positive median) are known."""
FLAG_HISTORY = 12
"""How many previous intervals the median looks at."""


@dataclass(frozen=True)
class Baseline:
    """What a new reading is compared with: the meter's latest reading that is not rejected."""

    value: Decimal
    reading_date: date


def check_new_reading(value: Decimal, reading_date: date, *, today: date, previous: Baseline | None,
                      unit: str, value_field: str = "value", date_field: str = "readingDate") -> None:
    """422 listing every broken rule: below the previous value, a future date, a date before the previous one."""
    errors: list[FieldError] = []
    if reading_date > today:
        errors.append(FieldError(date_field, "must not be in the future"))
    if previous is not None:
        if reading_date < previous.reading_date:
            errors.append(FieldError(date_field, "must not be before the previous reading "
                                                 f"({previous.reading_date.isoformat()})"))
        if value < previous.value:
            errors.append(FieldError(value_field, f"must not be below the previous reading ({previous.value} {unit})"))
    if errors:
        raise ValidationFailed("The reading is not plausible.", errors=errors)


def consumption(value: Decimal, previous: Baseline | None) -> Decimal:
    """Consumption since the previous reading; the first reading of a meter consumed nothing measurable."""
    return value - previous.value if previous is not None else Decimal(0)


def days_between(previous: Baseline | None, reading_date: date) -> int | None:
    return (reading_date - previous.reading_date).days if previous is not None else None


def daily_rate(amount: Decimal, days: int | None) -> Decimal | None:
    """Consumption per day; a same-day interval counts as one day. None when there is no interval."""
    if days is None:
        return None
    return amount / Decimal(max(days, 1))


def is_far_above_usual(amount: Decimal, days: int | None, history: Iterable[Reading]) -> bool:
    """Flag for the manager: the daily rate exceeds FLAG_FACTOR x the median daily rate of up to FLAG_HISTORY
    previous intervals (regular readings that are not rejected), with at least FLAG_MIN_HISTORY of them and
    a positive median. Such a reading is accepted all the same."""
    rate = daily_rate(amount, days)
    if rate is None:
        return False
    rates = [r for r in (daily_rate(h.consumption, h.days) for h in history
                         if h.status != "rejected" and h.kind == "regular") if r is not None][:FLAG_HISTORY]
    if len(rates) < FLAG_MIN_HISTORY:
        return False
    usual = Decimal(median(rates))
    return usual > 0 and rate > FLAG_FACTOR * usual


# --- replacement chains and billing ----------------------------------------------------------------------


def meter_chains(meters: Iterable[Meter]) -> list[list[Meter]]:
    """Group meters linked by replacement into chains, oldest first (the last one is the current meter)."""
    by_id = {m.id: m for m in meters}
    chains: list[list[Meter]] = []
    for m in by_id.values():
        if m.replaces_meter_id and m.replaces_meter_id in by_id:
            continue  # not the head of its chain
        chain = [m]
        seen = {m.id}
        while chain[-1].replaced_by_meter_id and chain[-1].replaced_by_meter_id in by_id:
            nxt = by_id[chain[-1].replaced_by_meter_id]
            if nxt.id in seen:
                break
            chain.append(nxt)
            seen.add(nxt.id)
        chains.append(chain)
    return chains


def chains_for(meters: Iterable[Meter], *, apartment_id: str | None, meter_type: str) -> list[list[Meter]]:
    """The replacement chains of an apartment's meters of one type (``apartment_id=None``: common meters)."""
    return [c for c in meter_chains(meters) if c[-1].apartment_id == apartment_id and c[-1].type == meter_type]


def _preference(r: Reading) -> tuple[date, int, str]:
    return (r.reading_date, 1 if r.status == "confirmed" else 0, r.created_at)


def reading_at(readings: Iterable[Reading], day: date) -> Reading | None:
    """The reading at (or last before) ``day``: rejected never, confirmed before submitted on the same day."""
    candidates = [r for r in readings if r.status != "rejected" and r.reading_date <= day]
    return max(candidates, key=_preference) if candidates else None


def _first(readings: Iterable[Reading]) -> Reading | None:
    valid = [r for r in readings if r.status != "rejected"]
    return min(valid, key=lambda r: (r.reading_date, 0 if r.status == "confirmed" else 1, r.created_at)) \
        if valid else None


def meter_consumption_in_period(readings: Sequence[Reading], start: date, end: date) -> Decimal | None:
    """One meter's part of a period; None when it has no reading in [start, end]."""
    if not any(r.status != "rejected" and start <= r.reading_date <= end for r in readings):
        return None
    closing = reading_at(readings, end)
    opening = reading_at(readings, start) or _first(readings)
    if closing is None or opening is None:
        return None
    return closing.value - opening.value


def consumption_in_period(chain: Sequence[Meter], readings: Mapping[str, Sequence[Reading]], start: date,
                          end: date) -> Decimal | None:
    """Consumption of a replacement chain (``meter_chains``) in [start, end], continuous across swaps.
    ``readings`` maps meter id → its readings (any order, rejected ones allowed). None: no reading in the
    period on any meter of the chain (billing reports it instead of charging zero)."""
    parts = [meter_consumption_in_period(readings.get(m.id, ()), start, end) for m in chain]
    known = [p for p in parts if p is not None]
    return sum(known, Decimal(0)) if known else None
