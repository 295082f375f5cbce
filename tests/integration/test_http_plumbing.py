"""The HTTP plumbing every function shares: error bodies, request ids, auth before validation,
deny-by-default, size limit, 404/405, cursors."""

from __future__ import annotations

import uuid
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body

from tests.support import LambdaContext, Result, api_event, call
from urbaneta.auth.principal import STAFF, Role
from urbaneta.errors import BadRequest
from urbaneta.http.app import allow, create_app, make_handler, principal, public
from urbaneta.http.responses import created, ok
from urbaneta.models.common import ApiModel, Money
from urbaneta.store.pages import decode_cursor, encode_cursor


class Thing(ApiModel):
    name: str
    price: Money
    count: int


def build_app():
    app = create_app()

    @app.post("/things")
    @allow(STAFF)
    def create_thing(body: Annotated[Thing, Body()]):
        return created({"name": body.name, "tenant": principal().tenant_id, "price": str(body.price)})

    @app.get("/things/<thing_id>")
    @allow(Role.OWNER)
    def get_thing(thing_id: str):
        return ok({"id": thing_id})

    @app.get("/open")
    @public
    def open_route():
        return ok({"hello": "world"})

    @app.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/forgotten")
    def forgotten():
        return ok({"leak": True})

    return make_handler(app, max_body_bytes=2048)


@pytest.fixture(scope="module")
def handler():
    return build_app()


def send(handler, method, path, **kw) -> Result:
    return Result(handler(api_event(method, path, **kw), LambdaContext()))


def test_public_route_answers_with_envelope_and_request_id(aws, handler):
    # Given a public route / When it is called
    res = send(handler, "GET", "/open")
    # Then the data envelope and a request id come back
    assert res.status == 200 and res.data == {"hello": "world"}
    assert res.headers["x-request-id"]


def test_a_clients_request_id_is_used_and_echoed(aws, handler):
    # Given a client that sends its own request id / When it calls, and fails on another route
    mine = f"client-{uuid.uuid4()}"
    ok_res = send(handler, "GET", "/open", headers={"X-Request-ID": mine})
    err_res = send(handler, "POST", "/things", body={}, headers={"X-Request-ID": mine})
    # Then both answers carry it, the error body too
    assert ok_res.headers["x-request-id"] == mine
    assert err_res.headers["x-request-id"] == mine and err_res.error["requestId"] == mine


@pytest.mark.parametrize("given", ["short", "x" * 129, "has space in it", "new\nline-injected", "ümlaut-request"])
def test_an_unusable_client_request_id_is_replaced_by_ours(aws, handler, given):
    # Given a request id that is too short, too long or has other characters / When it is sent
    event = api_event("GET", "/open", headers={"X-Request-ID": given})
    res = Result(handler(event, LambdaContext()))
    # Then the answer carries the gateway's id instead
    assert res.headers["x-request-id"] == event["requestContext"]["requestId"] != given


def test_missing_token_is_401_before_validation(aws, handler):
    res = send(handler, "POST", "/things", body={"bad": 1})
    assert res.status == 401
    assert res.error["code"] == "UNAUTHORIZED" and res.error["requestId"] == res.headers["x-request-id"]


def test_validation_lists_every_failing_field(aws, handler, make_caller):
    caller = make_caller("manager")
    res = send(handler, "POST", "/things", body={"price": 1.234, "count": "x", "tenantId": "t"}, token=caller.token)
    assert res.status == 422
    fields = {e["field"] for e in res.error["errors"]}
    assert fields == {"name", "price", "count", "tenantId"}


def test_malformed_json_is_400(aws, handler, make_caller):
    caller = make_caller("manager")
    res = send(handler, "POST", "/things", raw_body="{not json", token=caller.token)
    assert res.status == 400 and res.error["code"] == "BAD_REQUEST"


def test_valid_create_sees_its_principal(aws, handler, make_caller):
    caller = make_caller("owner")
    res = send(handler, "POST", "/things", body={"name": "x", "price": 142.5, "count": 1}, token=caller.token)
    assert res.status == 201
    assert res.data == {"name": "x", "tenant": caller.tenant_id, "price": "142.50"}


def test_role_not_allowed_is_403(aws, handler, make_caller):
    res = send(handler, "GET", "/things/1", token=make_caller("manager").token)
    assert res.status == 403 and res.error["code"] == "FORBIDDEN"


def test_route_without_policy_never_serves(aws, handler, make_caller):
    res = send(handler, "GET", "/forgotten", token=make_caller("owner").token)
    assert res.status == 403


def test_unknown_route_404_and_wrong_method_405(aws, handler):
    assert send(handler, "GET", "/nope").status == 404
    res = send(handler, "DELETE", "/open")
    assert res.status == 405 and "GET" in res.headers["allow"]


def test_body_over_limit_is_413(aws, handler):
    res = send(handler, "POST", "/things", raw_body="x" * 4096)
    assert res.status == 413 and res.error["code"] == "PAYLOAD_TOO_LARGE"


def test_unexpected_exception_is_500_without_internals(aws, handler):
    res = send(handler, "GET", "/boom")
    assert res.status == 500 and "secret" not in res.content.decode()
    assert res.error["requestId"] == res.headers["x-request-id"]


def test_tampered_token_is_401(aws, handler, make_caller):
    caller = make_caller("owner")
    res = send(handler, "GET", "/things/1", token=caller.token[:-2] + "xx")
    assert res.status == 401


def test_cursor_bound_to_tenant_and_scope(aws):
    cur = encode_cursor({"PK": "a", "SK": "b"}, tenant_id="t1", scope="things")
    assert decode_cursor(cur, tenant_id="t1", scope="things") == {"PK": "a", "SK": "b"}
    for tenant, scope, value in [("t2", "things", cur), ("t1", "other", cur), ("t1", "things", cur + "x")]:
        with pytest.raises(BadRequest):
            decode_cursor(value, tenant_id=tenant, scope=scope)


def test_mail_adapter_sends_raw_mail_with_attachment(aws):
    # Given an e-mail with a PDF attachment / When it is sent through SES
    from urbaneta.adapters.mail import Attachment, send_email

    message_id = send_email(["mari@example.com"], "Arve", "Tere!", attachments=[
        Attachment("arve.pdf", "application/pdf", b"%PDF-1.4 test")])
    # Then SES accepted it
    assert message_id


def test_idempotency_key_replays_first_response(aws, handler, make_caller):
    # Given a POST with an Idempotency-Key
    caller = make_caller("manager")
    headers = {"Idempotency-Key": "create-thing-1"}
    body = {"name": "boiler", "price": 10, "count": 1}
    first = send(handler, "POST", "/things", body=body, token=caller.token, headers=headers)
    # When the same key and body come again
    again = send(handler, "POST", "/things", body=body, token=caller.token, headers=headers)
    # Then the first response is replayed
    assert first.status == again.status == 201 and first.data == again.data
    assert first.headers["idempotent-replayed"] == "false" and again.headers["idempotent-replayed"] == "true"


def test_idempotency_key_with_other_body_is_422(aws, handler, make_caller):
    caller = make_caller("manager")
    headers = {"Idempotency-Key": "k-2"}
    send(handler, "POST", "/things", body={"name": "a", "price": 1, "count": 1}, token=caller.token, headers=headers)
    res = send(handler, "POST", "/things", body={"name": "b", "price": 1, "count": 1}, token=caller.token,
               headers=headers)
    assert res.status == 422 and res.error["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_keys_are_scoped_to_the_tenant(aws, handler, make_caller):
    # Given two organisations using the same key
    one, two = make_caller("manager"), make_caller("manager")
    body = {"name": "a", "price": 1, "count": 1}
    a = send(handler, "POST", "/things", body=body, token=one.token, headers={"Idempotency-Key": "same"})
    b = send(handler, "POST", "/things", body=body, token=two.token, headers={"Idempotency-Key": "same"})
    # Then each gets its own response
    assert a.data["tenant"] == one.tenant_id and b.data["tenant"] == two.tenant_id
    assert b.headers["idempotent-replayed"] == "false"


def test_idempotency_in_progress_is_409(aws, make_caller):
    # Given a request with a key whose first run is still in progress (its record is INPROGRESS)
    import time

    from urbaneta.http import idempotency

    caller = make_caller("manager")
    body = {"name": "a", "price": 1, "count": 1}
    persistence = idempotency._persistence()
    persistence.configure(idempotency._config(), function_name="urbaneta.http.idempotency._run")
    from urbaneta.auth.principal import Principal, Role

    scope = idempotency.scope_of(Principal(caller.tenant_id, caller.user_id, Role.MANAGER, "-"))
    request = {"scope": scope, "key": "slow", "method": "POST", "path": "/api/things",
               "body": body}
    persistence.save_inprogress(data=request, remaining_time_in_millis=60_000)
    assert time.time()  # the record exists now
    # When the same key arrives again
    res = send(build_app(), "POST", "/things", body=body, token=caller.token, headers={"Idempotency-Key": "slow"})
    # Then 409
    assert res.status == 409 and res.error["code"] == "CONFLICT"


def test_failed_request_is_not_stored(aws, handler, make_caller):
    caller = make_caller("manager")
    headers = {"Idempotency-Key": "bad-then-good"}
    bad = send(handler, "POST", "/things", body={"name": "a", "price": 1.234, "count": 1}, token=caller.token,
               headers=headers)
    assert bad.status == 422
    good = send(handler, "POST", "/things", body={"name": "a", "price": 1.23, "count": 1}, token=caller.token,
                headers=headers)
    assert good.status == 201


def test_json_route_with_other_media_type_is_415(aws, handler, make_caller):
    caller = make_caller("manager")
    res = send(handler, "POST", "/things", raw_body='{"name": "a", "price": 1, "count": 1}', token=caller.token,
               headers={"content-type": "text/plain"})
    assert res.status == 415 and res.error["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_json_body_that_is_not_utf8_is_400(aws, handler, make_caller):
    caller = make_caller("manager")
    res = send(handler, "POST", "/things", raw_body=b"\xff\xfe{\x99", token=caller.token)
    assert res.status == 400 and res.error["code"] == "BAD_REQUEST"


def test_form_or_multipart_body_on_a_json_route_is_415(aws, handler, make_caller):
    caller = make_caller("manager")
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        res = send(handler, "POST", "/things", raw_body="name=a", token=caller.token,
                   headers={"content-type": content_type})
        assert res.status == 415, (content_type, res)


@pytest.mark.parametrize(("query", "unknown"), [({"sort": "number"}, ["sort"]),
                                                 ({"number": "A-1", "limit": "5"}, ["number"]),
                                                 ({"Limit": "5", "status": "paid"}, ["Limit"])])
def test_an_unknown_query_parameter_is_400_naming_it(aws, make_caller, query, unknown):
    # Given a manager / When invoices are listed with a parameter the list does not take
    manager = make_caller("manager")
    res = call("invoices", "GET", "/invoices", token=manager.token, query=query)
    # Then 400 names it and lists what the operation does take, instead of silently ignoring it
    assert res.status == 400 and res.error["code"] == "BAD_REQUEST"
    assert [e["field"] for e in res.error["errors"]] == unknown
    assert "Known: " in res.error["message"] and "status" in res.error["message"]


def test_declared_query_parameters_still_work(aws, make_caller):
    # Given a manager / When invoices are listed with declared parameters only / Then the list answers
    manager = make_caller("manager")
    res = call("invoices", "GET", "/invoices", token=manager.token, query={"limit": "5", "status": "paid"})
    assert res.status == 200 and res.data == []


def test_an_anonymous_caller_learns_nothing_from_query_checks(aws):
    # Given no token / When a list is called with an unknown parameter / Then 401 comes first
    res = call("invoices", "GET", "/invoices", query={"sort": "number"})
    assert res.status == 401


def test_an_empty_limit_is_refused_not_taken_for_the_default(aws, make_caller):
    # Given a manager / When a list is asked for with ?limit= (empty) / Then 422 names limit (found by schemathesis)
    manager = make_caller("manager")
    res = call("invoices", "GET", "/invoices", token=manager.token, query={"limit": ""})
    assert res.status == 422 and [e["field"] for e in res.error["errors"]] == ["limit"]


def test_a_body_that_is_not_an_object_is_refused_where_the_body_is_optional(aws, make_caller):
    # Given a webhook / When its secret is rotated with a JSON list as the body / Then 422, and no new secret
    manager = make_caller("manager")
    hook = call("webhooks", "POST", "/webhooks", token=manager.token,
                body={"url": "http://127.0.0.1:9/hook", "events": ["invoice.created"]}).data
    res = call("webhooks", "POST", f"/webhooks/{hook['id']}/rotate-secret", token=manager.token,
               raw_body="[null, null]")
    assert res.status == 422 and res.error["errors"][0]["field"] == "body"
    after = call("webhooks", "GET", f"/webhooks/{hook['id']}", token=manager.token).data
    assert after["updatedAt"] == hook["updatedAt"]


@pytest.mark.parametrize(("function", "path_of", "body", "field"), [
    ("webhooks", lambda ids: f"/webhooks/{ids['webhook']}/rotate-secret", {"graceHours": False}, "graceHours"),
    ("invoices", lambda ids: "/invoices/missing", {"paidDate": 0, "status": "paid"}, "paidDate"),
])
def test_loose_types_found_by_schemathesis_are_refused(aws, make_caller, function, path_of, body, field):
    # Given a manager / When a boolean is sent for a number, or a number for a date / Then 422 names the field
    manager = make_caller("manager")
    hook = call("webhooks", "POST", "/webhooks", token=manager.token,
                body={"url": "http://127.0.0.1:9/hook", "events": ["invoice.created"]}).data
    method = "POST" if function == "webhooks" else "PATCH"
    res = call(function, method, path_of({"webhook": hook["id"]}), token=manager.token, body=body)
    assert res.status == 422 and field in [e["field"] for e in res.error["errors"]], res
