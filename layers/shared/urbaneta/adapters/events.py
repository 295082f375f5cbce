"""Domain events onto the EventBridge bus, in batches of at most 10 entries and 256 KB (PutEvents' limits),
retrying failed entries."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from urbaneta import backoff
from urbaneta.adapters.aws import client
from urbaneta.adapters.batching import bounded
from urbaneta.clock import new_id, now_iso
from urbaneta.domain import event_types
from urbaneta.domain.events import EventData
from urbaneta.settings import get_settings

PUT_EVENTS_LIMIT = 10
PUT_EVENTS_BYTES = 256 * 1024
"""EventBridge's limit on one entry and on a PutEvents call's entries together (256 KB)."""


def entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it: the UTF-8 bytes of Source, DetailType, Detail and resources."""
    size = sum(len(str(entry.get(name) or "").encode()) for name in ("Source", "DetailType", "Detail"))
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [])


class DomainEvent(BaseModel):
    """The webhook payload and the EventBridge ``detail``: ``{id, event, timestamp, tenantId, data}``."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str
    event: str
    timestamp: str
    tenantId: str
    data: dict[str, Any]  # the wire form of the type's model (domain/events.py); any dict for types from elsewhere


def domain_event(event: str, tenant_id: str, data: EventData, *, event_id: str | None = None) -> DomainEvent:
    """The envelope of a registered event type; ``data`` must be the type's model (``domain/event_types.py``)."""
    model = event_types.of(event).data
    if not isinstance(data, model):
        raise TypeError(f"{event} carries {model.__name__}, not {type(data).__name__}")
    return DomainEvent(id=event_id or new_id(), event=event, timestamp=now_iso(), tenantId=tenant_id,
                      data=data.wire())


def _entry(evt: DomainEvent) -> dict[str, Any]:
    settings = get_settings()
    return {
        "Source": settings.event_source,
        "DetailType": evt.event,
        "Detail": json.dumps(evt.model_dump(), default=str, separators=(",", ":")),
        "EventBusName": settings.event_bus_name,
        "Resources": [f"urbaneta:tenant/{evt.tenantId}"],
    }


def publish(events: Iterable[DomainEvent]) -> int:
    """Send events in batches of 10; entries EventBridge refuses are retried. Returns PutEvents calls made."""
    entries = [_entry(e) for e in events]
    calls = 0
    for pending in bounded(entries, max_count=PUT_EVENTS_LIMIT, max_bytes=PUT_EVENTS_BYTES, size=entry_size,
                           what="an event"):
        for _ in backoff.attempts(6, message="Events could not be published; try again."):
            out = client("events").put_events(Entries=pending)
            calls += 1
            if not out.get("FailedEntryCount"):
                break
            pending = [e for e, r in zip(pending, out["Entries"], strict=False) if r.get("ErrorCode")]
    return calls
