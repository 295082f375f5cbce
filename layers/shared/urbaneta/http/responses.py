"""Success envelopes of API.md: ``{"data": ...}`` and ``{"data": [...], "nextCursor": ...}``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel


def _wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    return value


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers or {},
    )


def ok(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return _json({"data": _wire(data)}, status, headers)


def created(data: Any, *, location: str | None = None) -> Response:
    return ok(data, status=201, headers={"Location": location} if location else None)


def accepted(data: Any) -> Response:
    return ok(data, status=202)


def page(items: Iterable[Any], next_cursor: str | None) -> Response:
    return _json({"data": [_wire(i) for i in items], "nextCursor": next_cursor}, 200)


def no_content() -> Response:
    return Response(status_code=204, body="", headers={})
