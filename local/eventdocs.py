"""The parts of the event contract derived from the models in ``urbaneta/domain/events/`` through the
registry ``urbaneta/domain/event_types.py``: the OpenAPI ``webhooks`` section and its schemas
(``local/openapi.py`` adds them) and the event tables of ``docs/events.md`` (between the two markers below).
`make openapi` rewrites both; tests keep them in step with the code."""

from __future__ import annotations

import sys
from typing import Any

from local.template import ROOT

DOC = ROOT / "docs" / "events.md"
BEGIN = "<!-- event tables: generated from urbaneta/domain/events/ by `make openapi`; edit the models -->"
END = "<!-- end of the generated event tables -->"
AREAS = {
    "residents": "Maintenance requests and invitations",
    "buildings": "Buildings, apartments, charges",
    "auth": "Organisations and API keys",
    "meters": "Meters and readings",
    "invoicing": "Invoices",
    "payments": "Payments",
    "accounts": "Apartment accounts",
    "webhooks": "Webhooks",
}
REF = "#/components/schemas/{model}"


def _registry() -> tuple[list[Any], Any]:
    sys.path.insert(0, str(ROOT / "layers" / "shared"))
    from urbaneta.domain import event_types

    return [*event_types.EVENT_TYPES.values(), event_types.TEST_EVENT_TYPE], event_types


def schemas() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the data models' schemas by name, the ``webhooks`` section: one entry per event type a receiver may get:
    every subscribable type, and ``webhook.test``)."""
    from pydantic.json_schema import models_json_schema

    types, registry = _registry()
    models = list(dict.fromkeys(t.data for t in types))
    _, top = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    hooks: dict[str, dict[str, Any]] = {}
    for t in [*sorted(registry.EVENT_TYPES.values(), key=lambda t: t.name), registry.TEST_EVENT_TYPE]:
        hooks[t.name] = {"post": {
            "operationId": _operation_id(t.name),
            "summary": f"{t.name} event",
            "description": t.description,
            "requestBody": {"content": {"application/json": {"schema": {"allOf": [
                {"$ref": "#/components/schemas/WebhookEvent"},
                {"type": "object", "properties": {"event": {"const": t.name},
                                                  "data": {"$ref": REF.format(model=t.data.__name__)}}},
            ]}}}},
            "responses": {"2XX": {"description": "Delivered"}},
        }}
    return dict(top.get("$defs", {})), hooks


def _operation_id(event: str) -> str:
    """``invoice.paid`` → ``onInvoicePaid``: what a generated receiver calls its handler."""
    words = event.replace(".", "_").split("_")
    return "on" + "".join(w[:1].upper() + w[1:] for w in words)


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        fields = defs.get(name, {}).get("properties", {})
        return "{" + ", ".join(fields) + "}"
    if "anyOf" in prop:
        return " or ".join(_type(p, defs) for p in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"[{_type(prop.get('items', {}), defs)}]"
    if kind == "string" and prop.get("format") == "date":
        return "date"
    if kind == "string" and "pattern" in prop:
        return "decimal string"
    return {"null": "null", "number": "number", "integer": "integer", "boolean": "boolean"}.get(kind, kind)


def _fields(model: type[Any]) -> str:
    schema = model.model_json_schema(mode="serialization", by_alias=True)
    defs = schema.get("$defs", {})
    cells = []
    for name, prop in schema["properties"].items():
        note = f": {prop['description']}" if prop.get("description") else ""
        cells.append(f"`{name}` ({_type(prop, defs)}{note})")
    return ", ".join(cells)


def tables() -> str:
    types, _ = _registry()
    out = [BEGIN]
    for area, title in AREAS.items():
        mine = [t for t in types if t.area == area]
        if not mine:
            continue
        out += ["", f"### {title} (area: {area})", "", "| event | when | `data` |", "|---|---|---|"]
        out += [f"| `{t.name}` | {t.description} | {_fields(t.data)} |" for t in mine]
    return "\n".join([*out, "", END])


def render_doc(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + tables() + text[end:]


def main() -> int:
    current = DOC.read_text()
    fresh = render_doc(current)
    if "--check" in sys.argv:
        if current != fresh:
            print("docs/events.md is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
