"""Money: integer cents inside, Decimal major units at the edges (never float)."""

from __future__ import annotations

from decimal import Decimal


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))
