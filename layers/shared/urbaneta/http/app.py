"""The resolver factory every API function uses, and the Lambda handler wrapper.

- errors of every kind become the error body of API.md (one mapping: ``urbaneta.http.errors``);
- every response carries ``X-Request-ID`` (the client's own, when valid, else one of ours);
- routes are deny-by-default: a route without ``@allow(...)`` or ``@public`` does not serve;
- authentication runs before request validation, so an anonymous caller learns nothing from 422s;
- the body size is limited (413), and a JSON body's depth and numbers are checked (400), before anything
  parses it deeply (``urbaneta.http.json_guard``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths

from urbaneta.auth.principal import Principal, Role

__all__ = ["PUBLIC", "allow", "create_app", "if_match", "make_handler", "not_replayable", "principal", "public",
           "request_id"]
from urbaneta.errors import (
    BadRequest,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    UrbanetaError,
)
from urbaneta.http import json_guard
from urbaneta.http.context import (
    current_if_match,
    current_principal,
    current_request_id,
    if_match,
    principal,
    request_id,
)
from urbaneta.http.errors import error_response, from_validation_errors, internal_error_response
from urbaneta.http.idempotency import idempotent_post, not_replayable
from urbaneta.models.common import etag_of
from urbaneta.observability import logger, metrics, traced_handler
from urbaneta.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])

_POLICY_ATTR = "__urbaneta_policy__"
PUBLIC = frozenset({"*"})



def allow(*roles: Role | frozenset[Role]) -> Callable[[F], F]:
    """Declare which roles may call a route. Without a declaration a route answers 403 to everyone."""
    flat: set[str] = set()
    for role in roles:
        flat.update(str(r) for r in role) if isinstance(role, frozenset) else flat.add(str(role))

    def mark(fn: F) -> F:
        setattr(fn, _POLICY_ATTR, frozenset(flat))
        return _without_return_annotation(fn)

    return mark


def public(fn: F) -> F:
    """A route anyone may call without a token (register, login, callbacks, docs)."""
    setattr(fn, _POLICY_ATTR, PUBLIC)
    return _without_return_annotation(fn)


def _without_return_annotation(fn: F) -> F:
    """Routes return a ready ``Response`` (documented with ``responses=doc(...)``). Powertools would validate
    the serialised body against a return annotation and cannot build a schema for a bare ``Response``, so
    the runtime annotation is dropped (type checkers still see it)."""
    annotations = getattr(fn, "__annotations__", None)
    if annotations:
        annotations.pop("return", None)
    return fn


def _authenticate(app: APIGatewayHttpResolver) -> Principal:
    """The bearer token: signature, expiry, the session still live, the tenant's quota (``auth.tokens``)."""
    from urbaneta.auth.tokens import authenticate  # lazily: public-only functions never load token checks

    return authenticate(app.current_event.get_header_value("authorization"))


def _registered(app: APIGatewayHttpResolver) -> list[Any]:
    return list(app._static_routes) + list(app._dynamic_routes)


def _guard(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    route = app.context.get("_route")
    current_principal.set(None)
    if route is not None and any(route is r for r in _registered(app)):
        policy = getattr(route.func, _POLICY_ATTR, None)
        if policy is None:
            logger.error("route without an access policy refused", extra={"route": route.func.__name__})
            raise Forbidden("This operation is not available.")
        if policy is not PUBLIC:
            caller = _authenticate(app)
            if str(caller.role) not in policy:
                raise Forbidden("Your role may not do this.")
            current_principal.set(caller)
            _refuse_unknown_query(app, route)
    return next_middleware(app)


def _refuse_unknown_query(app: APIGatewayHttpResolver, route: Any) -> None:
    """A query parameter the operation does not declare is a 400 naming it (``?sort=`` on a list that cannot sort
    would otherwise be silently ignored). Public routes are left alone: provider callbacks read their own."""
    given = app.current_event.query_string_parameters or {}
    declared = {f.alias for f in getattr(getattr(route, "dependant", None), "query_params", None) or ()}
    unknown = sorted(set(given) - declared)
    if unknown:
        known = f" Known: {', '.join(sorted(declared))}." if declared else " This operation takes none."
        raise BadRequest(f"Unknown query parameter: {', '.join(unknown)}.{known}",
                         errors=[FieldError(name, "is not a query parameter of this operation") for name in unknown])


def _readable_json(app: APIGatewayHttpResolver) -> APIGatewayHttpResolver:
    """A route that declares a JSON body gets JSON or a 415, and that JSON must decode as UTF-8 before
    validation reads it. Routes without a declared body (bank statements, provider callbacks) read their
    body themselves, in whatever media type and encoding they accept."""
    route = app.context.get("_route")
    dependant = getattr(route, "dependant", None) if route is not None else None
    if not getattr(dependant, "body_params", None):
        return app
    content_type = (app.current_event.get_header_value("content-type") or "application/json").lower()
    if "json" not in content_type.split(";")[0]:
        raise UnsupportedMediaType("The request body must be application/json.")
    try:
        _ = app.current_event.decoded_body
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("The request body is not valid UTF-8 JSON.") from exc
    return app


def _not_found(app: APIGatewayHttpResolver) -> UrbanetaError:
    path = app.context.get("_path") or app.current_event.path
    allowed = sorted({r.method for r in _registered(app) if r.rule.match(path)})
    if allowed:
        err = MethodNotAllowed(f"The method is not allowed here; allowed: {', '.join(allowed)}.")
        err.allow = allowed  # type: ignore[attr-defined]
        return err
    return NotFound("No such route.")


def create_app() -> APIGatewayHttpResolver:
    """A resolver for one endpoint group. Add routes with ``@app.get(...)`` plus ``@allow``/``@public``."""
    app = APIGatewayHttpResolver(strip_prefixes=["/api"], enable_validation=True)

    @app.exception_handler(UrbanetaError)
    def _domain_error(exc: UrbanetaError) -> Response:
        if exc.code not in ("NOT_FOUND", "VALIDATION_FAILED", "CONFLICT"):
            logger.info("request refused", extra={"code": exc.code, "reason": exc.message})
        return error_response(exc, request_id())

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return error_response(from_validation_errors(list(exc.errors())), request_id())

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_exc: RequestUnsupportedContentType) -> Response:
        return error_response(UnsupportedMediaType("The request body must be application/json."), request_id())

    @app.exception_handler(NotFoundError)
    def _unknown_route(_exc: NotFoundError) -> Response:
        return error_response(_not_found(app), request_id())

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error")
        metrics.add_metric(name="UnexpectedErrors", unit="Count", value=1)
        return internal_error_response(request_id())

    # Authentication and authorisation run before the request validation middleware.
    from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
        OpenAPIRequestValidationMiddleware,
    )

    validate = OpenAPIRequestValidationMiddleware()

    def guard_then_validate(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
        return _guard(app, lambda a: validate(_readable_json(a), next_middleware))  # type: ignore[arg-type]

    app._request_validation_middleware = guard_then_validate  # type: ignore[assignment]

    app.use([idempotent_post])
    return app


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    return len(body.encode()) if isinstance(body, str) else len(body)


def make_handler(app: APIGatewayHttpResolver, *, max_body_bytes: int | None = None) -> Callable[[dict, Any], dict]:
    """The Lambda entry point of an API function."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @traced_handler
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        rid = _request_id(event)
        current_request_id.set(rid)
        current_if_match.set(_header(event, "if-match") or None)
        logger.set_correlation_id(rid)
        limit = max_body_bytes or get_settings().max_body_bytes
        if _body_size(event) > limit:
            result = error_response(PayloadTooLarge(f"The request body exceeds {limit} bytes."), rid)
            return _plain_response(result, rid)
        refused = json_guard.problem(event)
        if refused:
            return _plain_response(error_response(BadRequest(refused), rid), rid)
        response: dict[str, Any] = app.resolve(event, context)
        return _finish(response, rid)

    return handler


def _header(event: dict[str, Any], name: str) -> str:
    return next((str(v) for k, v in (event.get("headers") or {}).items() if k.lower() == name), "")


_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def _request_id(event: dict[str, Any]) -> str:
    """The client's ``X-Request-ID`` when it is 8 to 128 letters, digits or ``. _ : -`` (so it correlates the
    client's logs with ours); else API Gateway's request id. The gateway's id is logged either way."""
    gateway = str((event.get("requestContext") or {}).get("requestId") or "-")
    given = _header(event, "x-request-id")
    if _CLIENT_REQUEST_ID.fullmatch(given):
        logger.append_keys(gateway_request_id=gateway)
        return given
    return gateway


def _plain_response(resp: Response, rid: str) -> dict[str, Any]:
    body = resp.body or ""
    is_b64 = isinstance(body, bytes)
    return _finish(
        {
            "statusCode": resp.status_code,
            "headers": {"Content-Type": resp.headers.get("Content-Type", "application/json"), **{
                k: v for k, v in resp.headers.items() if isinstance(v, str)}},
            "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
            "isBase64Encoded": is_b64,
        },
        rid,
    )


def _finish(response: dict[str, Any], rid: str) -> dict[str, Any]:
    headers = response.setdefault("headers", {})
    headers["X-Request-ID"] = rid
    etag = _etag(response)
    if etag:
        headers["ETag"] = etag
    return response


def _etag(response: dict[str, Any]) -> str | None:
    """The ETag of a single resource's 200/201 JSON answer (``{"data": {"id": ...}}``), for ``If-Match``."""
    body = response.get("body")
    if response.get("statusCode") not in (200, 201) or response.get("isBase64Encoded") or not isinstance(body, str) \
            or not body.startswith('{"data":{'):
        return None
    try:
        data = json.loads(body).get("data")
    except ValueError:
        return None
    return etag_of(data) if isinstance(data, dict) and "id" in data else None
