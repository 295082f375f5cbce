"""The documentation endpoints and the catch-all route: the OpenAPI document generated from the code,
the offline docs page, and JSON 404/405 for anything no function serves."""

from __future__ import annotations

import json

from local import openapi
from tests.support import call


def test_openapi_document_is_current_with_the_code(aws):
    # Given the routes in the code / When the document is generated again
    fresh = openapi.render()
    # Then it equals the committed one that the docs function serves (run `make openapi` after route changes)
    assert (openapi.OUTPUT.read_text()) == fresh, "functions/docs/openapi.json is stale: run `make openapi`"


def test_event_tables_are_current_with_the_event_models():
    # Given the event models / When docs/events.md's tables are generated again
    from local import eventdocs

    current = eventdocs.DOC.read_text()
    # Then they equal the committed ones (run `make openapi` after changing an event model)
    assert eventdocs.render_doc(current) == current, "docs/events.md is stale: run `make openapi`"


def test_openapi_document_is_valid_and_complete(aws):
    from openapi_spec_validator import validate

    doc = openapi.build()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            # every operation documents who may call it and the error body
            assert op.get("x-roles"), f"{method} {path} has no roles"
            assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
            if op["x-roles"] != ["public"]:
                assert "401" in op["responses"]


def test_openapi_served_without_token(aws):
    res = call("docs", "GET", "/openapi.json")
    assert res.status == 200 and res.headers["content-type"].startswith("application/json")
    assert json.loads(res.content)["info"]["title"] == "Urbaneta API"


def test_docs_page_and_assets_served_by_the_api_itself(aws):
    # Given the docs page / When it and the assets it references are requested
    page = call("docs", "GET", "/docs")
    assert page.status == 200 and "swagger-ui" in page.content.decode()
    assert "http" not in page.content.decode().split("<body>")[1], "no external asset on the page"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        res = call("docs", "GET", f"/docs/assets/{asset}")
        # Then every asset comes from the API (works with no internet access)
        assert res.status == 200 and len(res.content) > 100
    assert call("docs", "GET", "/docs/assets/..%2F..%2Fapp.py").status == 404


def test_unknown_route_is_json_404_and_wrong_method_405(aws):
    missing = call("docs", "GET", "/no-such-thing")
    assert missing.status == 404 and missing.error["code"] == "NOT_FOUND"
    wrong = call("docs", "POST", "/openapi.json")
    assert wrong.status == 405 and wrong.error["code"] == "METHOD_NOT_ALLOWED"


def test_every_operation_has_a_readable_unique_operation_id_and_typed_paging(aws):
    # Given the document generated from the code
    import re

    doc = openapi.build()
    operations = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]
    # Then every operation has a camelCase operationId, none twice, none derived from its path
    ids = [op.get("operationId", "") for _, _, op in operations]
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert {"listBuildings", "createApartment", "getInvoicePdf", "importBankStatement"} <= set(ids)
    # And a page size is an integer from 1 to 100, and every tag says what it holds (jobs under their own)
    for path, _method, op in operations:
        for param in op.get("parameters", []):
            if param["name"] == "limit":
                assert param["schema"]["type"] == "integer", path
    assert all(tag.get("description") for tag in doc["tags"])
    assert doc["paths"]["/jobs/{job_id}"]["get"]["tags"] == ["Jobs"]
    # And a created resource's answer declares its Location, a POST's answer whether it was replayed
    created = [op["responses"]["201"] for _, _, op in operations if "201" in op["responses"]]
    assert created and all("Location" in r["headers"] for r in created)
    assert all("Idempotent-Replayed" in op["responses"][c]["headers"]
               for _, m, op in operations if m == "post" for c in op["responses"] if c.startswith("2"))
