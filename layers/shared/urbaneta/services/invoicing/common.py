"""Invoicing, shared by its use cases: invoice events, the two job queues, retry pauses, visibility."""


import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from urbaneta import backoff
from urbaneta.adapters.events import DomainEvent, domain_event
from urbaneta.auth.principal import Principal
from urbaneta.domain.events.invoicing import InvoiceEventData
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.models.messages import Message
from urbaneta.observability import logger
from urbaneta.settings import get_settings
from urbaneta.store import invoices as store

_EVENTS_NS = uuid.UUID("6f1c1d1e-3b7e-4c55-9a55-0c6f5b3f0a11")


def _event_id(invoice_id: str, event: str) -> str:
    return str(uuid.uuid5(_EVENTS_NS, f"{invoice_id}/{event}"))


def invoice_event(event: str, inv: Invoice) -> DomainEvent:
    return domain_event(event, inv.tenant_id, InvoiceEventData.of(inv), event_id=_event_id(inv.id, event))


def _settings_url(which: str) -> str:
    return get_settings().need(f"invoice_{which}_queue_url")


def enqueue(which: str, bodies: Sequence[Message]) -> int:
    from urbaneta.adapters.queues import send_all

    return send_all(_settings_url(which), bodies)


def queued_again_if_late(which: str, message: Message, time_left_ms: Callable[[], int] | None, needed_ms: int
                         ) -> bool:
    """A chunk that comes late in a batch (less than ``needed_ms`` of the invocation left) is queued again as it
    is, signed and unchanged, instead of running into the worker's timeout: another invocation takes it at once,
    where a timed-out batch would wait out the queue's visibility timeout. Chunks are idempotent, so a copy that
    also comes back changes nothing. True when it was queued again."""
    if time_left_ms is None or time_left_ms() >= needed_ms:
        return False
    enqueue(which, [message])
    logger.info("chunk queued again: too little time left", extra={"queue": which, "left_ms": time_left_ms()})
    return True


def pause(attempt: int) -> None:
    backoff.pause(attempt, base=0.01, cap=0.5, jitter=True)




def visible(caller: Principal, invoice_id: str) -> Invoice:
    """The caller's invoice, or 404 (another tenant's id, another resident's apartment, a resident's draft)."""
    inv = store.get_invoice(caller.tenant_id, invoice_id)
    if not caller.can_see_invoice(inv.apartment_id, inv.status, inv.period_end):
        raise NotFound(store.NOT_FOUND)
    return inv



@dataclass
class ChunkResult:
    created: list[Invoice] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    already_counted: bool = False
    completed_job: bool = False
