"""Signed delivery with retries (the delivery worker): one attempt per message, the next one scheduled by
postponing the message, the dead-letter queue once the schedule is used up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from urbaneta.adapters import queues, webhook_http
from urbaneta.clock import parse_rfc3339, rfc3339, utcnow
from urbaneta.domain import webhooks as rules
from urbaneta.domain.webhooks import Attempt, Delivery, Webhook
from urbaneta.models.messages import WebhookDeliveryMessage as DeliveryMessage
from urbaneta.models.webhooks import MAX_ATTEMPTS_KEPT
from urbaneta.observability import logger, metrics
from urbaneta.services.webhooks.common import message_of, queue_url, signing_secrets
from urbaneta.settings import get_settings
from urbaneta.store import webhooks as store


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
    queues.send_one(dlq, message_of(delivery, exhausted=True))


def postpone(receipt_handle: str, delay: int) -> None:
    """Hide a message until its next attempt is due (the retry wait; at most 12 hours)."""
    queues.postpone(queue_url(), receipt_handle, min(delay, rules.MAX_VISIBILITY_DELAY))
