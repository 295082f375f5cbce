"""Fan-out: one delivery per active endpoint of the event's tenant that subscribes to its type, queued."""

from __future__ import annotations

from typing import Any

from urbaneta.adapters.events import DomainEvent
from urbaneta.clock import new_id
from urbaneta.domain import event_types
from urbaneta.domain.webhooks import Delivery, Webhook
from urbaneta.services.webhooks.common import body_of, enqueue, new_delivery, timestamp
from urbaneta.store import webhooks as store


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
    body = body_of(event)
    to_send: list[Delivery] = []
    cache = endpoints if endpoints is not None else {}
    if event.tenantId not in cache:
        cache[event.tenantId] = store.all_webhooks(event.tenantId)
    for hook in cache[event.tenantId]:
        if hook.status != "active" or not event_types.matches(hook.events, event.event):
            continue
        delivery = new_delivery(event, hook, body=body)
        if store.create_delivery(delivery):
            to_send.append(delivery)
            continue
        existing = store.get_delivery(hook.tenant_id, hook.id, delivery.id)
        if existing and existing.status == "pending" and existing.attempt_count == 0:
            token = new_id()
            if store.retoken(existing, token, now=timestamp()):
                to_send.append(existing.model_copy(update={"message_token": token}))
    enqueue(to_send)
    return len(to_send)
