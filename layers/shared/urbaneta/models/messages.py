"""Queue messages: one pydantic model per SQS message kind, camelCase on the wire. Producers hand these to
``adapters.queues``; workers parse the body back with ``Model.parse(body)`` (a bad body is a ValueError)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Message(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    @classmethod
    def parse(cls, body: str | dict[str, Any]) -> Self:
        return cls.model_validate_json(body) if isinstance(body, str) else cls.model_validate(body)


class WebhookDeliveryMessage(Message):
    """One delivery's next attempt (webhook delivery queue; its dead-letter queue with ``reason``)."""

    tenant_id: str
    webhook_id: str
    delivery_id: str
    token: str  # the delivery's current message token: an older message for it is dropped
    reason: Literal["retries exhausted"] | None = None  # set in the dead-letter queue; redriven = try again

    @property
    def exhausted(self) -> bool:
        return self.reason is not None
