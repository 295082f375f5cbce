"""Event data: The webhook test event."""

from __future__ import annotations

from urbaneta.domain.events import EventData


class WebhookTest(EventData):
    webhook_id: str
    url: str
