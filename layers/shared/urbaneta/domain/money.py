"""Money: integer cents inside, Decimal major units at the edges (never float)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


Amount = Annotated[
    Decimal,
    AfterValidator(lambda v: v.quantize(Decimal("0.01"))),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "multipleOf": 0.01}),
]
"""Money in major units in an event: a JSON number with two decimals (``142.50``)."""
