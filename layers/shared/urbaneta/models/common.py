"""Shared model bases and field types: camelCase on the wire, unknown fields refused, money as Decimal."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from urbaneta.clock import baltic_today
from urbaneta.errors import PreconditionFailed


class ApiModel(BaseModel):
    """Request bodies: camelCase only (``unit_price`` next to ``unitPrice`` is an unknown field, not a synonym),
    strict about unknown fields (so server-owned fields cannot be set)."""

    model_config = ConfigDict(defer_build=True, alias_generator=to_camel, validate_by_name=False,
                              validate_by_alias=True, extra="forbid", str_strip_whitespace=True)


def _without_signed_links(value: Any) -> Any:
    """A presigned link (new signature on every read) is not the resource's state: it is left out of the ETag."""
    if isinstance(value, dict):
        return {k: _without_signed_links(v) for k, v in value.items()
                if not (isinstance(v, str) and "X-Amz-Signature=" in v)}
    if isinstance(value, list):
        return [_without_signed_links(v) for v in value]
    return value


def etag_of(data: dict[str, Any]) -> str:
    """The strong ETag of a resource's representation (its ``data`` object): a hash of its canonical JSON (less
    presigned links), so any change of what the caller sees changes it. The HTTP layer sends it; services compare
    ``If-Match``."""
    canonical = json.dumps(_without_signed_links(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    digest = hashlib.sha256(canonical.encode()).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def require_match(if_match: str | None, current: ResponseModel) -> None:
    """``If-Match`` against the resource as it is now: absent or ``*`` always matches; anything else must be
    the current ETag (a weak ``W/`` tag never matches, as RFC 9110 says for If-Match), else 412."""
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",") if t.strip()]
    if "*" in tags or etag_of(current.wire()) in tags:
        return
    raise PreconditionFailed("The resource has changed since you read it (If-Match does not match its ETag); "
                             "read it again and re-apply your change.")


class ResponseModel(BaseModel):
    """Response bodies: camelCase on the wire."""

    model_config = ConfigDict(defer_build=True, alias_generator=to_camel, populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def json_number(value: Any) -> Any:
    """A request's quantity must be a JSON number: ``"142.50"`` or ``true`` is refused, not converted."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number")
    return value


def number_out(value: Decimal) -> float:
    # JSON has only one number type: the edge is the one place a Decimal becomes a JSON number.
    return float(value)


def number_schema(**bounds: float) -> WithJsonSchema:
    """The OpenAPI schema of a decimal quantity: a JSON number with its bounds (what the validators enforce)."""
    return WithJsonSchema({"type": "number", **bounds})


AS_NUMBER = BeforeValidator(json_number)
NUMBER_OUT = PlainSerializer(number_out, return_type=float, when_used="json")


def _not_future(value: date) -> date:
    if value > baltic_today():
        raise ValueError(f"must not be in the future (today is {baltic_today().isoformat()})")
    return value


def date_text(value: Any) -> Any:
    """A date in a request is its ISO text: a number (read as a timestamp by the parser) is refused."""
    if not isinstance(value, str | date):
        raise ValueError("must be a date in the form YYYY-MM-DD, e.g. 2026-01-31")
    return value


PastDate = Annotated[date, BeforeValidator(date_text), AfterValidator(_not_future)]
"""A date something happened on (a payment's): not later than today in the Baltics."""


def _two_places(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("must have at most 2 decimal places")
    return value.quantize(Decimal("0.01"))


Money = Annotated[Decimal, Field(max_digits=14), AfterValidator(_two_places), NUMBER_OUT,
                  number_schema(multipleOf=0.01)]
"""An amount in major units with at most 2 decimals (``142.50``)."""

MAX_AMOUNT = Decimal("10000000.00")
"""The largest amount a request may carry (10,000,000.00 €): anything above is a typo or an attack."""

Amount = Annotated[Decimal, Field(le=MAX_AMOUNT, max_digits=14), AS_NUMBER, AfterValidator(_two_places), NUMBER_OUT,
                   number_schema(maximum=int(MAX_AMOUNT), multipleOf=0.01)]
"""An amount in a request: a JSON number with at most 2 decimals, up to ``MAX_AMOUNT``."""

PositiveAmount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=14), AS_NUMBER, AfterValidator(_two_places),
                           NUMBER_OUT, number_schema(exclusiveMinimum=0, maximum=int(MAX_AMOUNT), multipleOf=0.01)]
"""An amount in a request that must be more than zero (a payment)."""







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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def single_line(value: str) -> str:
    """Names reach PDFs and e-mail headers: a line break or NUL in one would break them (or inject a header)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters such as line breaks, tabs or NUL")
    return value


def plain_text(value: str) -> str:
    """Free text may have line breaks and tabs, but no other control character (NUL, escape, ...)."""
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("must not contain control characters other than line breaks and tabs")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(single_line)]
"""A person's, an organisation's or a thing's name, or a title: one line, 1-200 characters."""
