"""Shared model bases and field types: camelCase on the wire, unknown fields refused, money as Decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Request bodies: camelCase, strict about unknown fields (so server-owned fields cannot be set)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


class ResponseModel(BaseModel):
    """Response bodies: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def _money_out(value: Decimal) -> float:
    # JSON has only one number type: the edge is the one place a Decimal becomes a JSON number.
    return float(value)


def _two_places(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("at most 2 decimal places")
    return value.quantize(Decimal("0.01"))


Money = Annotated[
    Decimal,
    Field(max_digits=14, json_schema_extra={"type": "number", "multipleOf": 0.01}),
    AfterValidator(_two_places),
    PlainSerializer(_money_out, return_type=float, when_used="json"),
]
"""An amount in major units with at most 2 decimals (``142.50``)."""






def _check_metadata(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 20:
        raise ValueError("at most 20 keys")
    for key, item in value.items():
        if not key or len(key) > 40:
            raise ValueError(f"key '{key[:40]}' must be 1 to 40 characters")
        if len(item) > 500:
            raise ValueError(f"value of '{key}' must be at most 500 characters")
    return value


Metadata = Annotated[dict[str, str], AfterValidator(_check_metadata)]
"""Free key-value data: up to 20 keys, keys up to 40 characters, values up to 500."""

