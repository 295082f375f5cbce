"""Generate the OpenAPI 3.1 document from the code: every API function's routes (Powertools builds each
function's part from its type hints and pydantic models), merged, with the error responses, the security
scheme, the roles of each operation and the webhook event types added. `make openapi` writes it to
functions/docs/openapi.json, which the docs function serves; a test keeps the file in step with the code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from local import eventdocs
from local import functions as fns
from local.template import ROOT

OUTPUT = ROOT / "functions" / "docs" / "openapi.json"
TITLE = "Urbaneta API"
VERSION = "1.0.0"
DESCRIPTION = (
    "REST API for housing associations and building managers: buildings, apartments, residents, meters and "
    "readings, utility invoices, payments and bank reconciliation, maintenance requests and signed webhooks.\n\n"
    "All responses are JSON: `{\"data\": ...}` (lists add `nextCursor`). Errors: `{\"error\": {code, message, "
    "requestId, errors[]}}`. Authenticate with `Authorization: Bearer <accessToken>` (15 minutes; refresh with "
    "`POST /auth/refresh`). Any POST accepts an `Idempotency-Key` header: the same key and body replay the "
    "first response; the same key with another body is 422; while the first is running, 409. "
    "Every operation lists the roles that may call it in `x-roles`: `owner`, `manager`, `accountant` (invoices, "
    "payments, statements), `board` (reads only) and `resident` (their own apartments); `public` needs no token."
)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "requestId"],
            "properties": {
                "code": {"type": "string", "examples": ["VALIDATION_FAILED"]},
                "message": {"type": "string"},
                "requestId": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
    "examples": [{"error": {
        "code": "VALIDATION_FAILED", "message": "The request is invalid.",
        "requestId": "3f2b8c1e-4d5a-4e8b-9c7d-2a1b0c9d8e7f",
        "errors": [{"field": "billing.iban",
                    "message": "must be an IBAN of 20 characters for Estonia; this one has 21"}],
    }}],
}
ERRORS = {
    "400": "Malformed request (bad JSON, bad cursor)",
    "401": "Missing, invalid or expired token",
    "403": "Forbidden: the caller's role may not do this (or a confirmation such as a password failed)",
    "404": "Not found (also for another organisation's resources)",
    "405": "Method not allowed on this path",
    "409": "Duplicate or state conflict (also: an Idempotency-Key request still running)",
    "412": "If-Match did not match the resource's current ETag: it changed since you read it; read it again",
    "413": "Request body too large",
    "415": "Unsupported request media type",
    "422": "Validation failed; `errors` lists every failing field",
    "429": "Too many requests; see Retry-After",
    "500": "Unexpected error (with a request id, no internals)",
    "503": "A dependency is unavailable or not configured; try again later",
}
REQUEST_ID_HEADER = {"X-Request-ID": {"description": "The request's id", "schema": {"type": "string"}}}
LOCATION_HEADER = {"Location": {"description": "The URL of what was created, where it can be read",
                                "schema": {"type": "string", "format": "uri-reference"}}}
REPLAYED_HEADER = {"Idempotent-Replayed": {
    "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key, "
                   "`false` when the request carried a key and ran now",
    "schema": {"type": "string", "enum": ["true", "false"]}}}
ETAG_HEADER = {"ETag": {
    "description": "The resource's version: send it back as `If-Match` on a PATCH so that it fails with 412 if "
                   "someone changed the resource since you read it",
    "schema": {"type": "string"}, "example": '"q3J1bY2Hc0WgK3v1xYt9dA"'}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
            "description": "The ETag of the resource as you read it: the change is made only if the resource is "
                           "still the same (else 412). Absent or `*`: always made",
            "schema": {"type": "string"}, "example": '"q3J1bY2Hc0WgK3v1xYt9dA"'}
LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
TAGS = {  # tag -> description, in the order the docs page shows them
    "Auth": "Registration, sign-in (password, magic link), sessions (refresh, logout) and API keys.",
    "Buildings": "Buildings, their apartments (each with a permanent reference number) and their charges.",
    "Organization": "The organisation's legal profile and logo, and its staff: members, their roles and "
                    "invitations.",
    "Residents": "Invitations of residents to apartments, and who lives where.",
    "Meters": "Meters, readings (also read from a photo) and meter replacement.",
    "Invoices": "Monthly invoices generated in bulk, their PDFs, sending by e-mail, and their life cycle.",
    "Jobs": "Long work (bulk generation, bulk sending) runs as a job: 202 with its id, then its progress here.",
    "Payments": "Manual payments, bank-link payments (Paysera, MakeCommerce) and bank statement import with "
                "automatic reconciliation.",
    "Accounts": "Apartment accounts: statements with running balances (JSON, CSV), opening balances, the debtor "
                "report with ageing, and the consistency check of balances against their entries.",
    "Maintenance": "Maintenance requests from residents and their follow-up by the manager.",
    "Webhooks": "Signed webhooks: endpoints, deliveries, tests, redelivery and secret rotation.",
    "Docs": "This document and its browsable page.",
}


def _policy(route: Any) -> frozenset[str] | None:
    from urbaneta.http.app import _POLICY_ATTR

    return getattr(route.func, _POLICY_ATTR, None)


def _error_response(code: str) -> dict[str, Any]:
    resp: dict[str, Any] = {
        "description": ERRORS[code],
        "headers": dict(REQUEST_ID_HEADER),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if code == "429":
        resp["headers"]["Retry-After"] = {"description": "Seconds to wait", "schema": {"type": "integer"}}
    return resp


# Route functions whose names are short in their own module but vague in a client of the whole API.
CLEARER_IDS = {
    "getPdf": "getInvoicePdf", "patchInvoice": "updateInvoice", "creditNote": "createCreditNote",
    "generateBulk": "generateInvoices", "sendBulk": "sendInvoices", "createRequest": "createMaintenanceRequest",
    "getRequest": "getMaintenanceRequest", "listRequests": "listMaintenanceRequests",
    "updateRequest": "updateMaintenanceRequest", "token": "exchangeApiKey", "refresh": "refreshSession",
    "magicLink": "requestMagicLink", "magicLinkVerify": "verifyMagicLink", "redeliver": "redeliverDelivery",
    "sendTest": "sendTestDelivery", "rotateSecret": "rotateWebhookSecret", "getStatement": "getBankStatement",
    "importStatement": "importBankStatement", "matchEntry": "matchStatementEntry", "photoUpload": "createPhotoUpload",
    "readPhoto": "readMeterPhoto",
}


def operation_id(name: str) -> str:
    """A route function's name as a client method: ``list_buildings`` -> ``listBuildings`` (or its clearer
    name from CLEARER_IDS)."""
    first, *rest = name.strip("_").split("_")
    derived = first + "".join(word[:1].upper() + word[1:] for word in rest)
    return CLEARER_IDS.get(derived, derived)


def _decorate(op: dict[str, Any], method: str, policy: frozenset[str] | None, tag: str) -> None:
    from urbaneta.http.app import PUBLIC

    op["tags"] = [tag]
    responses = op.setdefault("responses", {})
    for ok in [c for c in responses if c.startswith("2")]:
        headers = responses[ok].setdefault("headers", dict(REQUEST_ID_HEADER))
        if ok == "201":
            headers.update(LOCATION_HEADER)
        if method == "post":
            headers.update(REPLAYED_HEADER)
        if ok == "204":
            responses[ok].pop("content", None)  # no body, so no media type
    for param in op.get("parameters", []):
        if param.get("in") == "query" and param.get("name") == "limit":
            param["schema"] = dict(LIMIT_SCHEMA)
            param["description"] = "How many items a page holds, 1 to 100 (default 25)"
        elif param.get("in") == "query" and param.get("name") == "cursor":
            param["schema"] = {"type": "string"}
            param["description"] = "The `nextCursor` of the previous page; absent for the first page"
    codes = ["400", "401", "403", "404", "413", "422", "429", "500", "503"]
    if "requestBody" in op or method in ("post", "put", "patch"):
        codes.append("415")
    if policy is not PUBLIC:
        op["x-roles"] = sorted(policy or [])
    else:
        op["security"] = []
        op["x-roles"] = ["public"]
    if method in ("post", "put", "patch", "delete"):
        codes.append("409")
    if method == "patch":
        codes.append("412")
        op.setdefault("parameters", []).append(dict(IF_MATCH))
    for code in sorted(codes):
        responses[code] = _error_response(code)
    if method == "post":
        params = op.setdefault("parameters", [])
        if not any(p.get("name") == "Idempotency-Key" for p in params):
            params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "Makes a retried POST safe: the first response is replayed",
                           "schema": {"type": "string", "maxLength": 255}})


EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "openapi-examples.json"


def _attach_examples(doc: dict[str, Any]) -> None:
    """The answers ``python -m local.examples`` recorded: on each operation's body and answer, and on every model
    they show (the first value seen of it, nested models included)."""
    if not EXAMPLES.exists():
        return
    recorded: dict[str, dict[str, Any]] = json.loads(EXAMPLES.read_text())
    schemas = doc["components"]["schemas"]

    def model_example(ref: str, value: Any) -> None:
        schema = schemas.get(ref.rsplit("/", 1)[-1])
        if schema is None or value is None:
            return
        if isinstance(value, dict) and "examples" not in schema:
            schema["examples"] = [value]
        for name, prop in schema.get("properties", {}).items():
            if isinstance(value, dict) and name in value:
                _nested(prop, value[name])

    def _nested(prop: dict[str, Any], value: Any) -> None:
        for option in [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]:
            if "$ref" in option:
                model_example(option["$ref"], value)
            elif "$ref" not in prop and option is not prop and isinstance(value, dict):
                for name, sub in option.get("properties", {}).items():
                    if name in value:
                        _nested(sub, value[name])
            elif option.get("type") == "array" and isinstance(value, list) and value:
                _nested(option.get("items", {}), value[0])

    for name, hook in doc.get("webhooks", {}).items():
        event = recorded.get(f"EVENT {name}")
        body = hook["post"]["requestBody"]["content"]["application/json"]
        if event is not None:
            body["example"] = event
            _nested(body["schema"], event)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            found = recorded.get(f"{method.upper()} {path}")
            if not found:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "request" in found:
                body["example"] = found["request"]
                _nested(body.get("schema", {}), found["request"])
            answer = op.get("responses", {}).get(found["status"], {}).get("content", {}).get("application/json")
            if answer is not None and "response" in found:
                answer["example"] = found["response"]
                _nested(answer.get("schema", {}), found["response"])


def _declare_timestamps(doc: dict[str, Any]) -> None:
    """Every ``…At`` string of a model is an RFC 3339 UTC timestamp (``clock.now_iso``): say so with its format
    (the e2e answers check holds every served value to it)."""
    for schema in doc["components"]["schemas"].values():
        for name, prop in schema.get("properties", {}).items():
            if not name.endswith("At"):
                continue
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string" and "format" not in option:
                    option["format"] = "date-time"


def _declare_etags(doc: dict[str, Any]) -> None:
    """A 200/201 JSON answer whose ``data`` is one resource with an ``id`` carries an ETag (``http.app``)."""
    schemas = doc["components"]["schemas"]

    def named(ref: str) -> dict[str, Any]:
        return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else {}

    for ops in doc["paths"].values():
        for op in ops.values():
            for code in ("200", "201"):
                response = op.get("responses", {}).get(code, {})
                envelope = named(response.get("content", {}).get("application/json", {}).get("schema", {})
                                 .get("$ref", ""))
                data = named(envelope.get("properties", {}).get("data", {}).get("$ref", ""))
                if "id" in data.get("properties", {}):
                    response.setdefault("headers", {}).update(ETAG_HEADER)


ROLE_NAMES = {"owner": "owners", "manager": "managers", "accountant": "accountants", "board": "board members",
              "resident": "residents (their own apartments only)"}


def _say_who(op: dict[str, Any]) -> None:
    """The description ends with who may call the operation, from ``x-roles`` (the one source of the matrix)."""
    roles = op.get("x-roles", [])
    who = "anyone, without a token" if roles == ["public"] else ", ".join(ROLE_NAMES.get(r, r) for r in roles)
    op["description"] = (op.get("description", "").rstrip() + f"\n\n**Who may call it:** {who}.").lstrip()


def _summarise(op: dict[str, Any], func: Any, default: str) -> None:
    """The route's docstring (first line: summary, the rest: description), else its name in words; what the
    decorator gave (``summary=``, ``description=``) wins over the docstring."""
    lines = (func.__doc__ or "").strip().splitlines()
    if op.get("summary") == default:
        if lines:
            op["summary"] = lines[0].strip().rstrip(".")
        else:
            words = func.__name__.replace("_", " ").strip()
            op["summary"] = words[:1].upper() + words[1:]
    rest = " ".join(line.strip() for line in lines[1:]).strip()
    if rest and not op.get("description"):
        op["description"] = rest


WEBHOOK_EVENT = {
    "type": "object",
    "required": ["id", "event", "timestamp", "tenantId", "data"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "event": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "tenantId": {"type": "string", "format": "uuid"},
        "data": {"type": "object", "description": "the event type's data: see each entry of `webhooks`"},
    },
}


def _normalise_responses(app: Any) -> None:
    """Accept the shorthand ``responses={201: {"model": Out}}`` as ``responses=doc(201, Out)``."""
    from urbaneta.http.responses import doc

    for route in list(app._static_routes) + list(app._dynamic_routes):
        for status, spec in list((route.responses or {}).items()):
            if isinstance(spec, dict) and "model" in spec and "content" not in spec:
                route.responses.update(doc(int(status), spec["model"], many=bool(spec.get("many"))))


def build() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION,
                 "contact": {"name": "Urbaneta API support", "email": "api@urbaneta.ee"},
                 "license": {"name": "Proprietary: for the associations and managers who hold a licence",
                             "identifier": "LicenseRef-Urbaneta-Proprietary"}},
        "servers": [{"url": "/api"}],
        "paths": {},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, "WebhookEvent": WEBHOOK_EVENT},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
        "tags": [],
    }
    for spec in sorted(fns.functions(), key=lambda s: s.logical_id):
        if not spec.events("HttpApi"):
            continue
        module = fns.load(spec)
        app = getattr(module, "app", None)
        if app is None or not hasattr(app, "get_openapi_json_schema"):
            continue
        tag = spec.logical_id.removesuffix("Function")
        _normalise_responses(app)
        try:
            part = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        except Exception as exc:
            raise RuntimeError(f"{spec.logical_id}: its routes could not be documented: {exc}") from exc
        routes = {(r.openapi_path, r.method.lower()): r for r in list(app._static_routes) + list(app._dynamic_routes)}
        for path, ops in part.get("paths", {}).items():
            for method, op in ops.items():
                route = routes.get((path, method))
                _decorate(op, method, _policy(route) if route else None, "Jobs" if path.startswith("/jobs") else tag)
                if route is not None:
                    op["operationId"] = operation_id(route.func.__name__)
                if route is not None:
                    _summarise(op, route.func, f"{method.upper()} {path}")
                _say_who(op)
                if method in doc["paths"].get(path, {}):
                    raise ValueError(f"{method.upper()} {path} is declared by two functions")
                doc["paths"].setdefault(path, {})[method] = op
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
                continue
            known = doc["components"]["schemas"].get(name)
            if known is not None and known != schema:
                raise ValueError(f"two different models are both named {name}: rename one")
            doc["components"]["schemas"][name] = schema
    used = {t for ops in doc["paths"].values() for op in ops.values() for t in op.get("tags", [])}
    doc["tags"] = [{"name": t, "description": d} for t, d in TAGS.items() if t in used]
    doc["tags"] += [{"name": t} for t in sorted(used - set(TAGS))]
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values() if "operationId" in op]
    for ops in doc["paths"].values():  # one function serving two methods: its id names the method too
        for method, op in ops.items():
            if ids.count(op.get("operationId")) > 1:
                op["operationId"] += method.capitalize()
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values() if "operationId" in op]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"operationIds used twice: {', '.join(twice)} (rename the route functions)")
    data_schemas, doc["webhooks"] = eventdocs.schemas()
    for name, schema in data_schemas.items():
        if name in doc["components"]["schemas"]:
            raise ValueError(f"an event model and an API model are both named {name}: rename one")
        doc["components"]["schemas"][name] = schema
    _declare_etags(doc)
    _declare_timestamps(doc)
    _attach_examples(doc)
    doc["paths"] = dict(sorted(doc["paths"].items()))
    doc["components"]["schemas"] = dict(sorted(doc["components"]["schemas"].items()))
    return doc


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def template_environment() -> None:
    """Every function's variables as the template gives them (resources named as the local stack names them):
    the functions check at import that their settings are there. Nothing is called: no AWS is needed."""
    import os

    from local import template as tpl

    names = tpl.Names(parameters=tpl.default_parameters())
    os.environ.setdefault("AWS_REGION", tpl.REGION)
    os.environ.setdefault("AWS_DEFAULT_REGION", tpl.REGION)
    for logical in tpl.functions():
        for key, value in tpl.function_environment(logical, names).items():
            os.environ.setdefault(key, value)


def main() -> int:
    sys.path.insert(0, str(ROOT / "layers" / "shared"))
    template_environment()
    text = render()
    if "--check" in sys.argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print("functions/docs/openapi.json is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return eventdocs.main()
    Path(OUTPUT).write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(json.loads(text)['paths'])} paths)")
    eventdocs.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
