"""Shared by the webhook use cases: secrets at rest (sealed with a key derived from the application secret),
the delivery body and record, and the delivery queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from urbaneta.adapters import queues, sealing
from urbaneta.adapters.events import DomainEvent
from urbaneta.clock import new_id, parse_rfc3339, rfc3339, utcnow
from urbaneta.domain import webhooks as rules
from urbaneta.domain.webhooks import Delivery, Webhook
from urbaneta.errors import ServiceUnavailable
from urbaneta.settings import get_settings

if TYPE_CHECKING:  # built on first use: the webhooks API needs it only to queue a test or a redelivery
    from urbaneta.models.messages import WebhookDeliveryMessage as DeliveryMessage

EXHAUSTED: Literal["retries exhausted"] = "retries exhausted"


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


def body_of(event: DomainEvent) -> str:
    return json.dumps(event.model_dump(), separators=(",", ":"), ensure_ascii=False, default=str)


def new_delivery(event: DomainEvent, hook: Webhook, *, body: str) -> Delivery:
    epoch_ms = int(parse_rfc3339(event.timestamp).timestamp() * 1000)
    now = timestamp()
    return Delivery(id=rules.delivery_id(event.id, hook.id, epoch_ms), tenant_id=hook.tenant_id,
                    webhook_id=hook.id, event_id=event.id, event=event.event, body=body, next_attempt_at=now,
                    message_token=new_id(), created_at=now, updated_at=now)


def queue_url() -> str:
    url = get_settings().webhook_delivery_queue_url
    if not url:
        raise ServiceUnavailable("The webhook delivery queue is not configured.")
    return url


def enqueue(deliveries: list[Delivery]) -> int:
    """One message per delivery, in SendMessageBatch calls of 10 (refused entries retried). Returns the calls."""
    return queues.send_all(queue_url(), [message_of(d) for d in deliveries]) if deliveries else 0


def message_of(delivery: Delivery, *, exhausted: bool = False) -> DeliveryMessage:
    from urbaneta.models.messages import WebhookDeliveryMessage as DeliveryMessage

    return DeliveryMessage(tenant_id=delivery.tenant_id, webhook_id=delivery.webhook_id, delivery_id=delivery.id,
                           token=delivery.message_token, reason=EXHAUSTED if exhausted else None)




def timestamp() -> str:
    return rfc3339(utcnow())
