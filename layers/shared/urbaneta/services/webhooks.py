"""Webhooks: endpoint management (API), the fan-out of bus events to subscribed endpoints, and signed delivery
with retries (workers). Rules live in domain.webhooks, HTTP in adapters.webhook_http, items in store.webhooks."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from urbaneta.adapters import queues, sealing, webhook_http
from urbaneta.adapters.events import DomainEvent, domain_event
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, parse_rfc3339, rfc3339, utcnow
from urbaneta.domain import event_types
from urbaneta.domain import webhooks as rules
from urbaneta.domain.events import WebhookTest
from urbaneta.domain.webhooks import Attempt, Delivery, StoredSecret, Webhook
from urbaneta.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from urbaneta.models.messages import WebhookDeliveryMessage as DeliveryMessage
from urbaneta.models.webhooks import (
    MAX_ATTEMPTS_KEPT,
    DeliveryOut,
    SecretRotation,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from urbaneta.observability import logger, metrics
from urbaneta.settings import get_settings
from urbaneta.store import webhooks as store
from urbaneta.store.pages import Page, PageRequest

EXHAUSTED: Literal["retries exhausted"] = "retries exhausted"

# --- secrets at rest: sealed with a key derived from the application secret ---------------------------


def _context(tenant_id: str, webhook_id: str) -> str:
    return f"urbaneta-webhook/{tenant_id}/{webhook_id}"


def seal(secret: str, tenant_id: str, webhook_id: str) -> str:
    return sealing.seal(secret, purpose="webhook-secrets", context=_context(tenant_id, webhook_id))


def unseal(sealed: str, tenant_id: str, webhook_id: str) -> str:
    return sealing.unseal(sealed, purpose="webhook-secrets", context=_context(tenant_id, webhook_id))


def signing_secrets(hook: Webhook, *, now: str) -> list[str]:
    """The secrets that sign right now: the newest, then any previous one still inside its grace period."""
    live = [s for i, s in enumerate(hook.secrets) if i == 0 or (s.expires_at is not None and s.expires_at > now)]
    return [unseal(s.sealed, hook.tenant_id, hook.id) for s in live]


# --- endpoint management -----------------------------------------------------------------------------


def _now() -> str:
    return rfc3339(utcnow())


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
    now = _now()
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
    now = _now()
    return req.page([WebhookOut.of(h, now=now) for h in hooks], last)


def get_webhook(p: Principal, webhook_id: str) -> WebhookOut:
    return WebhookOut.of(_load(p, webhook_id), now=_now())


def delete_webhook(p: Principal, webhook_id: str) -> None:
    if not store.delete_webhook(p.tenant_id, webhook_id):
        raise NotFound("No such webhook.")
    logger.info("webhook deleted", extra={"webhookId": webhook_id})


def update_webhook(p: Principal, webhook_id: str, body: WebhookUpdate) -> WebhookOut:
    """Change URL, events, description, or status (``active`` re-enables a disabled endpoint)."""
    _load(p, webhook_id)
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
    now = _now()
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
    delivery = _new_delivery(event, hook, body=_body(event))
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
    delivery = store.restart_delivery(p.tenant_id, webhook_id, delivery_id, token=new_id(), now=_now())
    enqueue([delivery])
    logger.info("webhook redelivery queued", extra={"webhookId": webhook_id, "deliveryId": delivery_id})
    return DeliveryOut.of(delivery)


# --- fan-out -----------------------------------------------------------------------------------------


def _body(event: DomainEvent) -> str:
    return json.dumps(event.model_dump(), separators=(",", ":"), ensure_ascii=False, default=str)


def _new_delivery(event: DomainEvent, hook: Webhook, *, body: str) -> Delivery:
    epoch_ms = int(parse_rfc3339(event.timestamp).timestamp() * 1000)
    now = _now()
    return Delivery(id=rules.delivery_id(event.id, hook.id, epoch_ms), tenant_id=hook.tenant_id,
                    webhook_id=hook.id, event_id=event.id, event=event.event, body=body, next_attempt_at=now,
                    message_token=new_id(), created_at=now, updated_at=now)


def _queue_url() -> str:
    url = get_settings().webhook_delivery_queue_url
    if not url:
        raise ServiceUnavailable("The webhook delivery queue is not configured.")
    return url


def enqueue(deliveries: list[Delivery]) -> int:
    """One message per delivery, in SendMessageBatch calls of 10 (refused entries retried). Returns the calls."""
    return queues.send_all(_queue_url(), [_message(d) for d in deliveries]) if deliveries else 0


def _message(delivery: Delivery, *, exhausted: bool = False) -> DeliveryMessage:
    return DeliveryMessage(tenant_id=delivery.tenant_id, webhook_id=delivery.webhook_id, delivery_id=delivery.id,
                           token=delivery.message_token, reason=EXHAUSTED if exhausted else None)


def event_from_bus(message: dict[str, Any]) -> DomainEvent:
    """The domain event inside an EventBridge event (the body of a message the rule put on the queue)."""
    detail = message.get("detail", message)
    return DomainEvent.model_validate(detail)


def fan_out(event: DomainEvent, *, endpoints: dict[str, list[Webhook]] | None = None) -> int:
    """Create one delivery per active endpoint of the event's tenant that subscribes to its type, and queue it.
    Fanning the same event out again creates nothing new (delivery ids are derived from event and endpoint);
    deliveries that exist but were never attempted are queued again, in case the earlier fan-out stopped
    between recording and queueing. ``endpoints`` caches each tenant's endpoints for one batch of events."""
    if event.event == event_types.TEST_EVENT:
        return 0
    body = _body(event)
    to_send: list[Delivery] = []
    cache = endpoints if endpoints is not None else {}
    if event.tenantId not in cache:
        cache[event.tenantId] = store.all_webhooks(event.tenantId)
    for hook in cache[event.tenantId]:
        if hook.status != "active" or not event_types.matches(hook.events, event.event):
            continue
        delivery = _new_delivery(event, hook, body=body)
        if store.create_delivery(delivery):
            to_send.append(delivery)
            continue
        existing = store.get_delivery(hook.tenant_id, hook.id, delivery.id)
        if existing and existing.status == "pending" and existing.attempt_count == 0:
            token = new_id()
            if store.retoken(existing, token, now=_now()):
                to_send.append(existing.model_copy(update={"message_token": token}))
    enqueue(to_send)
    return len(to_send)


# --- delivery ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What the worker does with the message: ``done`` deletes it; ``retry`` hides it for ``delay`` seconds."""

    action: Literal["done", "retry"]
    delay: int = 0


def schedule() -> tuple[int, ...]:
    return rules.parse_schedule(get_settings().webhook_retry_schedule)


def deliver(message: DeliveryMessage) -> Step:
    """Make the next attempt of one delivery and record it."""
    delivery, hook = store.get_delivery_with_webhook(message.tenant_id, message.webhook_id, message.delivery_id)
    if delivery is None or delivery.message_token != message.token:
        return Step("done")  # its data expired, or a newer message carries this delivery
    if hook is None:
        return Step("done")  # the endpoint was deleted: nothing more to send
    now_dt = utcnow()
    now = rfc3339(now_dt)
    if delivery.status == "failed" and message.exhausted and hook.status == "active":
        # an operator redrove the dead-letter queue: a new round of attempts
        delivery = store.restart_delivery(delivery.tenant_id, delivery.webhook_id, delivery.id,
                                          token=delivery.message_token, now=now)
    if delivery.status != "pending":
        return Step("done")  # finished already
    if hook.status != "active":
        store.close_delivery(delivery, "The endpoint is disabled.", now=now)
        return Step("done")
    if delivery.next_attempt_at:
        early = int(parse_rfc3339(delivery.next_attempt_at).timestamp() - now_dt.timestamp())
        if early > 1:  # a duplicate or early copy of the message: wait for the scheduled time
            return Step("retry", min(early, rules.MAX_VISIBILITY_DELAY))
    return _attempt(delivery, hook, now_dt.timestamp())


def _attempt(delivery: Delivery, hook: Webhook, now_epoch: float) -> Step:
    settings = get_settings()
    now = rfc3339(utcnow())
    body = delivery.body.encode()
    headers = rules.signature_headers(signing_secrets(hook, now=now), delivery.event_id, int(now_epoch), body)
    headers.update({"X-Urbaneta-Event": delivery.event, "X-Urbaneta-Delivery": delivery.id})
    outcome = webhook_http.post(hook.url, body, headers, allow_loopback_http=settings.is_local,
                                timeout=settings.webhook_timeout_seconds)
    number = delivery.attempt_count + 1
    verdict = rules.classify(outcome.status_code)
    waits = schedule()
    delay: int | None = None
    status: Literal["pending", "succeeded", "failed"]
    reason: str | None = None
    if verdict == "succeeded":
        status = "succeeded"
    elif verdict == "gone":
        status, reason = "failed", "The endpoint answered 410 Gone; it has been disabled."
    else:
        retry_after = rules.parse_retry_after(outcome.retry_after, now_epoch=time.time()) \
            if outcome.status_code == 429 else None
        delay = rules.retry_delay(waits, number - delivery.round_start, retry_after=retry_after)
        if delay is None:
            status, reason = "failed", f"No success after {number - delivery.round_start} attempts."
        else:
            status = "pending"
    next_at = rfc3339(utcnow() + timedelta(seconds=delay)) if delay is not None else None
    attempt = Attempt(attempt=number, at=now, status="succeeded" if verdict == "succeeded" else "failed",
                      response_code=outcome.status_code, latency_ms=outcome.latency_ms, error=outcome.error,
                      response_excerpt=outcome.excerpt or None, next_attempt_at=next_at)
    logger.info("webhook attempt", extra={
        "webhookId": delivery.webhook_id, "deliveryId": delivery.id, "event": delivery.event, "attempt": number,
        "status": attempt.status, "responseCode": outcome.status_code, "latencyMs": outcome.latency_ms,
        "error": outcome.error, "nextAttemptAt": next_at})
    history = [*delivery.attempts, attempt][-MAX_ATTEMPTS_KEPT:]
    if not store.record_attempt(delivery, history, status=status, now=now, next_attempt_at=next_at,
                                failure_reason=reason):
        return Step("done")  # another copy of this message recorded the attempt first
    if verdict == "gone":
        store.disable_webhook(hook.tenant_id, hook.id, "The endpoint answered 410 Gone.", now=now)
        metrics.add_metric(name="WebhookEndpointsDisabled", unit="Count", value=1)
    if status == "succeeded":
        metrics.add_metric(name="WebhookDeliveriesSucceeded", unit="Count", value=1)
    elif status == "failed":
        metrics.add_metric(name="WebhookDeliveriesFailed", unit="Count", value=1)
        if verdict == "retry":
            _dead_letter(delivery)
    return Step("retry", delay) if status == "pending" and delay is not None else Step("done")


def _dead_letter(delivery: Delivery) -> None:
    """Keep an exhausted delivery's message in the dead-letter queue (redrive it to try again)."""
    dlq = get_settings().webhook_delivery_dlq_url
    if not dlq:
        logger.error("no dead-letter queue configured", extra={"deliveryId": delivery.id})
        return
    queues.send_one(dlq, _message(delivery, exhausted=True))


def postpone(receipt_handle: str, delay: int) -> None:
    """Hide a message until its next attempt is due (the retry wait; at most 12 hours)."""
    queues.postpone(_queue_url(), receipt_handle, min(delay, rules.MAX_VISIBILITY_DELAY))
