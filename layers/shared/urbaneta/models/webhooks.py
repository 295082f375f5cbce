"""Request and response models of /webhooks, and the stored endpoint and delivery entities."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from urbaneta.domain.event_types import ALL_EVENTS, is_known
from urbaneta.models.common import ApiModel, ResponseModel
from urbaneta.models.entities import Entity

WebhookStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
AttemptStatus = Literal["succeeded", "failed"]

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

    grace_hours: int = Field(default=24, ge=0, le=168)


# --- stored entities ---------------------------------------------------------------------------------


class StoredSecret(Entity):
    sealed: str  # the secret encrypted with the application key (see services.webhooks)
    created_at: str = Field(alias="createdAt")
    expires_at: str | None = Field(default=None, alias="expiresAt")


class Webhook(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    url: str
    events: list[str]
    description: str | None = None
    status: WebhookStatus = "active"
    disabled_reason: str | None = Field(default=None, alias="disabledReason")
    secrets: list[StoredSecret]  # newest first
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Attempt(Entity):
    attempt: int
    at: str
    status: AttemptStatus
    response_code: int | None = Field(default=None, alias="responseCode")
    latency_ms: int = Field(alias="latencyMs")
    error: str | None = None
    response_excerpt: str | None = Field(default=None, alias="responseExcerpt")
    next_attempt_at: str | None = Field(default=None, alias="nextAttemptAt")


class Delivery(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    webhook_id: str = Field(alias="webhookId")
    event_id: str = Field(alias="eventId")
    event: str
    body: str  # the exact bytes signed and sent (UTF-8 JSON), the same on every attempt
    status: DeliveryStatus = "pending"
    attempt_count: int = Field(default=0, alias="attemptCount")
    round_start: int = Field(default=0, alias="roundStart")  # attempts made before the current (re)delivery
    attempts: list[Attempt] = Field(default_factory=list)
    next_attempt_at: str | None = Field(default=None, alias="nextAttemptAt")
    failure_reason: str | None = Field(default=None, alias="failureReason")
    message_token: str = Field(default="", alias="messageToken")  # the one queue message that carries it
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


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
