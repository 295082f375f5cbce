"""API keys: create, list, revoke, and exchange a key for an access token."""

from __future__ import annotations

import secrets
from typing import Any

from urbaneta.auth.principal import Principal, Role
from urbaneta.auth.tokens import ACCESS_TTL, REVOCATION_HOLD, issue_access_token, token_hash
from urbaneta.clock import new_id, now_iso
from urbaneta.errors import Forbidden, NotFound, Unauthorized
from urbaneta.models.auth import AccessTokenOut, ApiKeyCreate, ApiKeyCreated, ApiKeyOut, TokenExchangeRequest
from urbaneta.services.auth import common
from urbaneta.services.auth.common import API_KEY_PREFIX, give_back, limit_attempts
from urbaneta.settings import get_settings
from urbaneta.store import api_keys, throttle
from urbaneta.store.pages import Page, PageRequest


def _key_out(item: dict[str, Any]) -> ApiKeyOut:
    return ApiKeyOut(id=item["id"], name=item["name"], role=item["role"], prefix=item["prefix"],
                     created_at=item["createdAt"], created_by=item["createdBy"],
                     last_used_at=item.get("lastUsedAt"))


def _user_only(caller: Principal) -> None:
    if caller.kind != "user":
        raise Forbidden("API keys are managed by signed-in owners, not by API keys.")


def create_api_key(caller: Principal, body: ApiKeyCreate) -> ApiKeyCreated:
    _user_only(caller)
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    item = api_keys.create(caller.tenant_id, new_id(), name=body.name, role=body.role, key_hash=token_hash(key),
                           prefix=key[: len(API_KEY_PREFIX) + 4], created_by=caller.user_id, now=now_iso())
    from urbaneta.adapters.events import domain_event, publish
    from urbaneta.domain.events.auth import ApiKeyCreatedData

    publish([domain_event("api_key.created", caller.tenant_id, ApiKeyCreatedData(
        id=item["id"], name=item["name"], role=item["role"], created_by=caller.user_id))])
    return ApiKeyCreated(**_key_out(item).model_dump(), key=key)


def list_api_keys(caller: Principal, *, limit: str | int | None, cursor: str | None) -> Page[ApiKeyOut]:
    _user_only(caller)
    req = PageRequest.parse(caller.tenant_id, "api-keys", limit=limit, cursor=cursor)
    items, last = api_keys.list_page(caller.tenant_id, limit=req.limit, start_key=req.start)
    return req.page([_key_out(i) for i in items], last)


def revoke_api_key(caller: Principal, key_id: str) -> None:
    """Revoke a key: it cannot be exchanged any more, and its access tokens are refused at once."""
    _user_only(caller)
    if len(key_id) > 64:
        raise NotFound("No such API key.")
    api_keys.revoke(caller.tenant_id, key_id, now=now_iso())
    throttle.mark_revoked(caller.tenant_id, key_id, until=common.now_seconds() + REVOCATION_HOLD)
    from urbaneta.adapters.events import domain_event, publish
    from urbaneta.domain.events.auth import ApiKeyRevokedData

    data = ApiKeyRevokedData(id=key_id, revoked_by=caller.user_id)
    publish([domain_event("api_key.revoked", caller.tenant_id, data)])


def exchange_api_key(body: TokenExchangeRequest, *, source_ip: str) -> AccessTokenOut:
    """An API key → a 15-minute access token of the key's organisation and role (no refresh token: exchange
    the key again). Failed exchanges are throttled per client address."""
    limit_attempts("token-address", source_ip, get_settings().login_max_failures_per_address)
    pointer = api_keys.find_by_hash(token_hash(body.api_key)) if body.api_key.startswith(API_KEY_PREFIX) else None
    if not pointer:
        raise Unauthorized("The API key is invalid or revoked.")
    give_back("token-address", source_ip)
    tenant_id, key_id = str(pointer["tenantId"]), str(pointer["keyId"])
    now = common.now_seconds()
    principal = Principal(tenant_id, key_id, Role(pointer["role"]), key_id, frozenset(), "api_key")
    api_keys.touch(tenant_id, key_id, now=now_iso())
    throttle.tidy_gate(tenant_id, now=now)
    return AccessTokenOut(access_token=issue_access_token(principal, now=now), expires_in=ACCESS_TTL)
