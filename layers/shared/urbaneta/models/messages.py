"""Queue messages: one pydantic model per SQS message kind, camelCase on the wire. Producers hand these to
``adapters.queues``; workers parse the body back with ``Model.parse(body)`` (a bad body is a ValueError)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel

from urbaneta.domain.buildings import Apartment, BillReadings, Charge


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


# ---- invoice jobs: a plan message starts a job, the plan queues its chunks ---------------------------------------


class JobMessage(Message):
    tenant_id: str
    job_id: str


class GenerationPlan(JobMessage):
    """Plan a generation job: read the building's apartments and charges, queue the chunks."""

    kind: Literal["plan"] = "plan"


class BilledApartment(Message):
    """What billing needs of one apartment (the apartment's metadata stays home: it does not bill)."""

    id: str
    number: str
    area: Decimal
    residents_count: int = 0
    owner_name: str | None = None
    email: str | None = None
    reference_number: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, a: Apartment) -> BilledApartment:
        return cls(id=a.id, number=a.number, area=a.area, residents_count=a.residents_count,
                   owner_name=a.owner_name, email=a.email, reference_number=a.reference_number,
                   created_at=a.created_at, updated_at=a.updated_at)

    def apartment(self, tenant_id: str, building_id: str) -> Apartment:
        return Apartment(id=self.id, tenant_id=tenant_id, building_id=building_id, number=self.number, area=self.area,
                         residents_count=self.residents_count, owner_name=self.owner_name, email=self.email,
                         reference_number=self.reference_number, created_at=self.created_at,
                         updated_at=self.updated_at)


class GenerationChunk(JobMessage):
    """One chunk of a generation job: everything it bills, so that chunks agree to the cent."""

    kind: Literal["chunk"] = "chunk"
    chunk: int
    chunks: int
    total: int  # apartments in the whole job
    building_id: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    currency: str
    vat_rate: Decimal
    late_interest_daily_rate: Decimal | None = None
    bill_readings: BillReadings = "submitted"  # the building's rule: which meter readings are billed
    prefix: str
    charges: list[Charge]
    apartments: list[BilledApartment]
    shared: dict[str, dict[str, int]]  # apartment id → charge id → cents of the building-wide split
    mac: str | None = None  # HMAC of the rest with the job's plan key: a chunk the plan did not make is refused


class SendingPlan(JobMessage):
    """Plan a sending job: the invoices named, or the building's drafts, in chunks."""

    kind: Literal["plan"] = "plan"
    invoice_ids: list[str] | None = None


class SendingChunk(JobMessage):
    kind: Literal["chunk"] = "chunk"
    chunk: int
    total: int  # invoices in the whole job
    building_id: str | None = None
    invoice_ids: list[str]


class _DueSlice(Message):
    """A page of one shard of the due index, for the daily schedule's work (overdue sweep queue). The schedule
    queues one per shard and kind; a slice that leaves more of its shard queues the next one, from ``start``."""

    day: date  # the schedule's day
    shard: int = Field(ge=0)
    start: dict[str, str] | None = None  # where the shard's page starts (the previous page's last key)
    slice: int = Field(default=0, ge=0)  # 0 for the shard's first slice, then 1, 2, ...


class OverdueSweepSlice(_DueSlice):
    """The overdue sweep's slice: sent, unpaid invoices due before ``day`` become overdue."""

    kind: Literal["overdue-slice"] = "overdue-slice"


class ReminderSlice(_DueSlice):
    """The payment reminders' slice: the reminders due on ``day`` for the watched invoices of the page."""

    kind: Literal["reminder-slice"] = "reminder-slice"


GenerationMessage = Annotated[GenerationPlan | GenerationChunk, Field(discriminator="kind")]
SendingMessage = Annotated[SendingPlan | SendingChunk, Field(discriminator="kind")]
DueMessage = Annotated[OverdueSweepSlice | ReminderSlice, Field(discriminator="kind")]


def parse_generation(body: str | dict[str, Any]) -> GenerationPlan | GenerationChunk:
    return _parse(_GENERATION, body)


def parse_sending(body: str | dict[str, Any]) -> SendingPlan | SendingChunk:
    return _parse(_SENDING, body)


def parse_due(body: str | dict[str, Any]) -> OverdueSweepSlice | ReminderSlice:
    """A message of the overdue sweep queue: an overdue slice or a reminder slice."""
    return _parse(_DUE, body)


_GENERATION: TypeAdapter[GenerationPlan | GenerationChunk] = TypeAdapter(GenerationMessage)
_SENDING: TypeAdapter[SendingPlan | SendingChunk] = TypeAdapter(SendingMessage)
_DUE: TypeAdapter[OverdueSweepSlice | ReminderSlice] = TypeAdapter(DueMessage)


def _parse(adapter: TypeAdapter[Any], body: str | dict[str, Any]) -> Any:
    return adapter.validate_json(body) if isinstance(body, str) else adapter.validate_python(body)
