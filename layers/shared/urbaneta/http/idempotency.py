"""``Idempotency-Key`` on any POST (API.md): the same key with the same body replays the first response;
the same key with another body is 422; while the first is still running, 409.

Built on Powertools idempotency with the single table as its persistence layer (``PK`` = a fixed
partition, ``SK`` = the hash of scope, key, method and path; records expire through the table's TTL).

- A key belongs to the authenticated principal (the user, or the API key) with its role and apartments,
  plus method and path: a replay can only hand a caller what the same caller already received, and only
  after authentication, the role check and request validation have run again (they run before this
  middleware). Another user, another API key, or the same user after a change of role or apartments
  gets a fresh run, with the route's own checks.
- Public routes (no principal) and routes marked ``@not_replayable`` (those that issue credentials) ignore
  the header: every request runs (docs/security.md says why).
- The stored response is sealed (AES-GCM, bound to the record's scope): no record holds a secret in plain
  text. Error responses are not stored: a failed request may be retried with the same key."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from urbaneta.adapters.sealing import seal, unseal
from urbaneta.auth.principal import Principal
from urbaneta.errors import Conflict, ValidationFailed
from urbaneta.http.context import current_principal
from urbaneta.store import keys

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
_SEAL_PURPOSE = "idempotency"
_NOT_REPLAYABLE = "__urbaneta_not_replayable__"

F = TypeVar("F", bound=Callable[..., Any])


def not_replayable(fn: F) -> F:
    """Mark a route whose every request must run (it issues a credential): ``Idempotency-Key`` is ignored."""
    setattr(fn, _NOT_REPLAYABLE, True)
    return fn


@cache
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from urbaneta.store import table  # lazily: botocore loads on the first POST with a key, not at import

    return DynamoDBPersistenceLayer(
        table_name=table.table_name(),
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=keys.idempotency_partition(),
        expiry_attr="TTL",
        boto3_client=table.ddb(),
    )


@cache
def _config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from urbaneta.settings import get_settings

    return IdempotencyConfig(
        event_key_jmespath="[scope, key, method, path]",
        payload_validation_jmespath="body",
        expires_after_seconds=get_settings().idempotency_ttl_seconds,
        hash_function="sha256",
    )


def scope_of(caller: Principal) -> str:
    """The principal a key belongs to: who (user or API key, in its organisation) and what it may see."""
    apartments = ",".join(sorted(caller.apartment_ids))
    windows = ",".join(sorted(caller.windows))  # an ownership change is a new scope too
    return f"{caller.kind}:{caller.tenant_id}:{caller.user_id}:{caller.role}:{apartments}" + \
        (f":{windows}" if windows else "")


def _replayable(app: APIGatewayHttpResolver) -> bool:
    route = app.context.get("_route")
    return not getattr(getattr(route, "func", None), _NOT_REPLAYABLE, False)


def _body(app: APIGatewayHttpResolver) -> Any:
    raw = app.current_event.decoded_body or ""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def idempotent_post(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    """Router middleware: runs after authentication and request validation, around the route itself."""
    key = app.current_event.get_header_value(HEADER) if app.current_event.http_method == "POST" else None
    if key and len(key) > MAX_KEY_LENGTH:  # the documented limit holds where the key is ignored too
        raise ValidationFailed.one("Idempotency-Key", f"must be at most {MAX_KEY_LENGTH} characters")
    caller = current_principal.get()
    if not key or caller is None or not _replayable(app):
        return next_middleware(app)

    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    _config().register_lambda_context(app.lambda_context)
    executed: list[bool] = []
    scope = scope_of(caller)
    request = {"scope": scope, "key": key, "method": "POST", "path": app.current_event.path,
               "body": _body(app)}
    try:
        record = _idempotent_run()(request=request, app=app, next_middleware=next_middleware, executed=executed)
    except _NotStored as exc:
        return exc.response
    except IdempotencyValidationError as exc:
        raise ValidationFailed.one(
            "Idempotency-Key", "was already used with a different request body"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("A request with this Idempotency-Key is still being processed.") from exc
    stored = json.loads(unseal(record["sealed"], purpose=_SEAL_PURPOSE, context=scope))
    headers = dict(stored.get("headers") or {})
    headers["Idempotent-Replayed"] = "false" if executed else "true"
    return Response(stored["status"], stored["contentType"], stored["body"], headers=headers)


def _run(request: dict[str, Any], *, app: APIGatewayHttpResolver, next_middleware: Callable[..., Response],
         executed: list[bool]) -> dict[str, Any]:
    """The route itself, run once per (principal, key, method, path); its success response is what is
    stored, sealed."""
    executed.append(True)
    response = next_middleware(app)
    if response.status_code >= 400:
        raise _NotStored(response)
    body = response.body
    stored = {
        "status": response.status_code,
        "contentType": response.headers.get("Content-Type", "application/json"),
        "headers": {k: v for k, v in response.headers.items() if isinstance(v, str) and k != "Content-Type"},
        "body": body if isinstance(body, str) else "",
    }
    return {"sealed": seal(json.dumps(stored), purpose=_SEAL_PURPOSE, context=str(request["scope"]))}


@cache
def _idempotent_run() -> Callable[..., dict[str, Any]]:
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    wrapped: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="request", persistence_store=_persistence(), config=_config()
    )(_run)
    return wrapped


class _NotStored(Exception):
    """An error response: handed back to the caller, not kept (the key may be retried)."""

    def __init__(self, response: Response) -> None:
        super().__init__("not stored")
        self.response = response
