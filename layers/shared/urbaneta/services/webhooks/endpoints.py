"""Webhook endpoint management (the API): register, list, read, change, delete, rotate the secret, list
deliveries, send a test event, redeliver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from urbaneta.adapters import webhook_http
from urbaneta.adapters.events import domain_event
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, rfc3339, utcnow
from urbaneta.domain import event_types
from urbaneta.domain import webhooks as rules
from urbaneta.domain.events.webhooks import WebhookTest
from urbaneta.domain.webhooks import StoredSecret, Webhook
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.webhooks import (
    DeliveryOut,
    SecretRotation,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from urbaneta.observability import logger
from urbaneta.services.webhooks.common import body_of, enqueue, new_delivery, seal, timestamp
from urbaneta.settings import get_settings
from urbaneta.store import webhooks as store
from urbaneta.store.pages import Page, PageRequest


def _allow_loopback_http() -> bool:
    return get_settings().is_local


def _vet_url(url: str) -> None:
    try:
        webhook_http.vet(url, allow_loopback_http=_allow_loopback_http())
    except rules.UnsafeDestination as exc:
        raise ValidationFailed.one("url", f"The URL {exc}.") from exc


def _load(p: Principal, webhook_id: str) -> Webhook:
    hook = store.get_webhook(p.tenant_id, webhook_id)
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def create_webhook(p: Principal, body: WebhookCreate) -> WebhookWithSecret:
    _vet_url(body.url)
    now = timestamp()
    webhook_id = new_id()
    secret = rules.generate_secret()
    hook = Webhook(id=webhook_id, tenant_id=p.tenant_id, url=body.url, events=body.events,
                   description=body.description,
                   secrets=[StoredSecret(sealed=seal(secret, p.tenant_id, webhook_id), created_at=now)],
                   created_at=now, updated_at=now)
    store.create_webhook(hook)
    logger.info("webhook created", extra={"webhookId": webhook_id, "events": body.events})
    return WebhookWithSecret(**WebhookOut.of(hook, now=now).model_dump(), secret=secret)


def list_webhooks(p: Principal, *, limit: str | None, cursor: str | None) -> Page[WebhookOut]:
    req = PageRequest.parse(p.tenant_id, "webhooks", limit=limit, cursor=cursor)
    hooks, last = store.list_webhooks(p.tenant_id, limit=req.limit, start_key=req.start)
    now = timestamp()
    return req.page([WebhookOut.of(h, now=now) for h in hooks], last)


def get_webhook(p: Principal, webhook_id: str) -> WebhookOut:
    return WebhookOut.of(_load(p, webhook_id), now=timestamp())


def delete_webhook(p: Principal, webhook_id: str) -> None:
    if not store.delete_webhook(p.tenant_id, webhook_id):
        raise NotFound("No such webhook.")
    logger.info("webhook deleted", extra={"webhookId": webhook_id})


def update_webhook(p: Principal, webhook_id: str, body: WebhookUpdate, if_match: str | None = None) -> WebhookOut:
    """Change URL, events, description, or status (``active`` re-enables a disabled endpoint)."""
    require_match(if_match, WebhookOut.of(_load(p, webhook_id), now=timestamp()))
    given = body.model_fields_set
    if body.url is not None:
        _vet_url(body.url)
    changes: dict[str, Any] = {name: getattr(body, name) for name in ("url", "events", "status")
                               if name in given}
    clear: list[str] = []
    if "description" in given:
        if body.description is None:
            clear.append("description")
        else:
            changes["description"] = body.description
    if body.status == "active":
        clear.append("disabledReason")
    elif body.status == "disabled":
        changes["disabledReason"] = "Disabled by a user."
    now = timestamp()
    updated = store.update_webhook(p.tenant_id, webhook_id, changes, clear=clear, now=now)
    if updated is None:
        raise NotFound("No such webhook.")
    logger.info("webhook updated", extra={"webhookId": webhook_id, "fields": sorted(given)})
    return WebhookOut.of(updated, now=now)


def rotate_secret(p: Principal, webhook_id: str, rotation: SecretRotation) -> WebhookWithSecret:
    hook = _load(p, webhook_id)
    now_dt = utcnow()
    now = rfc3339(now_dt)
    secret = rules.generate_secret()
    grace_end = rfc3339(now_dt + timedelta(hours=rotation.grace_hours))
    previous = hook.secrets[0].model_copy(update={"expires_at": grace_end})
    secrets = [StoredSecret(sealed=seal(secret, p.tenant_id, webhook_id), created_at=now)]
    if rotation.grace_hours > 0:
        secrets.append(previous)
    updated = store.replace_secrets(p.tenant_id, webhook_id, secrets, expected_newest=hook.secrets[0].sealed, now=now)
    logger.info("webhook secret rotated", extra={"webhookId": webhook_id, "graceHours": rotation.grace_hours})
    return WebhookWithSecret(**WebhookOut.of(updated, now=now).model_dump(), secret=secret)


def list_deliveries(p: Principal, webhook_id: str, *, limit: str | None, cursor: str | None
                    ) -> Page[DeliveryOut]:
    _load(p, webhook_id)
    req = PageRequest.parse(p.tenant_id, f"webhooks/{webhook_id}/deliveries", limit=limit, cursor=cursor)
    deliveries, last = store.list_deliveries(p.tenant_id, webhook_id, limit=req.limit, start_key=req.start)
    return req.page([DeliveryOut.of(d) for d in deliveries], last)


def send_test(p: Principal, webhook_id: str) -> DeliveryOut:
    """Queue a ``webhook.test`` event to this one endpoint (whatever it subscribes to)."""
    hook = _load(p, webhook_id)
    if hook.status != "active":
        raise Conflict("The webhook is disabled.")
    event = domain_event(event_types.TEST_EVENT, p.tenant_id, WebhookTest(webhook_id=hook.id, url=hook.url))
    delivery = new_delivery(event, hook, body=body_of(event))
    store.create_delivery(delivery)
    enqueue([delivery])
    return DeliveryOut.of(delivery)


def redeliver(p: Principal, webhook_id: str, delivery_id: str) -> DeliveryOut:
    """Deliver a finished delivery again: same body, same webhook-id, a new round of attempts."""
    hook = _load(p, webhook_id)
    if store.get_delivery(p.tenant_id, webhook_id, delivery_id) is None:
        raise NotFound("No such delivery.")
    if hook.status != "active":
        raise Conflict("The webhook is disabled.")
    delivery = store.restart_delivery(p.tenant_id, webhook_id, delivery_id, token=new_id(), now=timestamp())
    enqueue([delivery])
    logger.info("webhook redelivery queued", extra={"webhookId": webhook_id, "deliveryId": delivery_id})
    return DeliveryOut.of(delivery)
