"""Request and response models of /webhooks, and the stored endpoint and delivery entities."""

from __future__ import annotations

from pydantic import Field, StrictInt, field_validator, model_validator

from urbaneta.domain.event_types import ALL_EVENTS, is_known
from urbaneta.domain.webhooks import AttemptStatus, Delivery, DeliveryStatus, Webhook, WebhookStatus
from urbaneta.models.common import ApiModel, ResponseModel

MAX_ATTEMPTS_KEPT = 30


# --- requests ----------------------------------------------------------------------------------------


class WebhookCreate(ApiModel):
    url: str = Field(min_length=8, max_length=2048)
    events: list[str] = Field(min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        return _check_events(value)


def _check_events(value: list[str]) -> list[str]:
    unknown = [e for e in value if e != ALL_EVENTS and not is_known(e)]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(sorted(set(unknown)))}")
    return sorted(set(value))


class WebhookUpdate(ApiModel):
    """Change an endpoint; ``status: active`` re-enables one that was disabled (by a 410 or by a user)."""

    url: str | None = Field(default=None, min_length=8, max_length=2048)
    events: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    status: WebhookStatus | None = None

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_events(value)

    @model_validator(mode="after")
    def _something(self) -> WebhookUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of url, events, description, status")
        nulls = [n for n in ("url", "events", "status") if n in self.model_fields_set and getattr(self, n) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may not be null")
        return self


class SecretRotation(ApiModel):
    """How long the previous secret keeps signing beside the new one (0 = revoke it now)."""

    grace_hours: StrictInt = Field(default=24, ge=0, le=168)


# --- stored entities ---------------------------------------------------------------------------------










# --- responses ---------------------------------------------------------------------------------------


class WebhookOut(ResponseModel):
    id: str
    url: str
    events: list[str]
    description: str | None = None
    status: WebhookStatus
    disabled_reason: str | None = None
    previous_secret_expires_at: str | None = None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, hook: Webhook, *, now: str) -> WebhookOut:
        previous = [s.expires_at for s in hook.secrets[1:] if s.expires_at and s.expires_at > now]
        return cls(id=hook.id, url=hook.url, events=hook.events, description=hook.description, status=hook.status,
                   disabled_reason=hook.disabled_reason, previous_secret_expires_at=max(previous, default=None),
                   created_at=hook.created_at, updated_at=hook.updated_at)


class WebhookWithSecret(WebhookOut):
    """The answer of creation and rotation: the only time the secret is shown."""

    secret: str


class AttemptOut(ResponseModel):
    attempt: int
    at: str
    status: AttemptStatus
    response_code: int | None = None
    latency_ms: int
    error: str | None = None
    response_excerpt: str | None = None
    next_attempt_at: str | None = None


class DeliveryOut(ResponseModel):
    id: str
    webhook_id: str
    event_id: str
    event: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: str | None = None
    failure_reason: str | None = None
    attempts: list[AttemptOut]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(id=delivery.id, webhook_id=delivery.webhook_id, event_id=delivery.event_id, event=delivery.event,
                   status=delivery.status, attempt_count=delivery.attempt_count,
                   next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
                   failure_reason=delivery.failure_reason,
                   attempts=[AttemptOut(**a.model_dump()) for a in delivery.attempts],
                   created_at=delivery.created_at, updated_at=delivery.updated_at)
