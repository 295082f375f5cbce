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


def paged(data: Any, next_cursor: str | None) -> Response:
    """One document whose list part is paged (e.g. an account statement): ``{"data": {...}, "nextCursor": ...}``."""
    return _json({"data": _wire(data), "nextCursor": next_cursor}, 200)


def csv_file(body: str, filename: str) -> Response:
    """A CSV download (UTF-8 with a BOM, so spreadsheets read the Baltic letters right)."""
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body="\ufeff" + body,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def no_content() -> Response:
    return Response(status_code=204, body="", headers={})


# --- OpenAPI documentation of the envelopes ----------------------------------------------------------------

_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content"}
_envelopes: dict[tuple[str, bool, bool], type[BaseModel]] = {}
_NEXT = "Opaque cursor of the next page"


def _envelope(model: type[BaseModel], many: bool, paged: bool = False) -> type[BaseModel]:
    from pydantic import Field, create_model

    key = (f"{model.__module__}.{model.__qualname__}", many, paged)
    if key not in _envelopes:
        if paged:  # one document whose list part pages (``paged``)
            _envelopes[key] = create_model(
                f"{model.__name__}PagedDocument", data=(model, ...),
                nextCursor=(str | None, Field(default=None, description=_NEXT)),
            )
        elif many:
            _envelopes[key] = create_model(
                f"{model.__name__}Page",
                data=(list[model], ...),  # type: ignore[valid-type]
                nextCursor=(str | None, Field(default=None, description=_NEXT)),
            )
        else:
            _envelopes[key] = create_model(f"{model.__name__}Envelope", data=(model, ...))
    return _envelopes[key]


def doc(status: int, model: type[BaseModel] | None = None, *, many: bool = False, paged: bool = False,
        description: str | None = None, media_type: str | None = None) -> dict[int, Any]:
    """``responses=`` for a route: the success envelope of ``model`` (``many``: a cursor page; ``paged``: one
    document whose list part pages, answered by ``paged()``), or a binary body of ``media_type`` (e.g.
    ``application/pdf``).

    Example: ``@app.get("/buildings", responses=doc(200, BuildingOut, many=True))``.
    Error responses are added to every operation when the OpenAPI document is generated."""
    desc = description or _DESCRIPTIONS.get(status, "OK")
    if media_type:
        return {status: {"description": desc,
                         "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}
    if model is None:
        return {status: {"description": desc}}
    return {status: {"description": desc, "content": {"application/json": {"model": _envelope(model, many, paged)}}}}


def html(status: int, body: str) -> Response:
    """A hosted page: never cached, never framed, no referrer (its address held a token), nothing from elsewhere."""
    from urbaneta.adapters.html import CSP

    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body, headers={
        "Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff"})
