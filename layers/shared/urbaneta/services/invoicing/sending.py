"""Bulk sending: job → SQS → worker in chunks of ``SENDING_CHUNK`` → one e-mail per invoice with its PDF;
draft → sent."""



from collections.abc import Callable
from typing import Any

from urbaneta.adapters.events import publish
from urbaneta.adapters.mail import MailThrottled
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.jobs import Job
from urbaneta.domain.ownership import addressed
from urbaneta.errors import Conflict, ValidationFailed
from urbaneta.models.invoices import JobAccepted, SendBulk
from urbaneta.models.messages import SendingChunk, SendingPlan, parse_sending
from urbaneta.observability import logger
from urbaneta.services.invoicing.common import ChunkResult, enqueue, invoice_event, queued_again_if_late
from urbaneta.services.invoicing.documents import Lookups, keep_pdf
from urbaneta.store import invoices as store
from urbaneta.store import jobs

# A chunk's fixed reads (the job, its invoices, their buildings and apartments, the profile: 5 calls) are shared by
# its invoices, so 25 make sending about 1.2 calls per invoice; 25 PDFs and e-mails take a few seconds, far
# inside the worker's timeout, and SES throttling requeues the chunk, whose sent invoices are skipped.
SENDING_CHUNK = 25
CHUNK_TIME_MS = 40_000  # a chunk starts only with this much of the invocation left (a third of the timeout)


def start_sending(caller: Principal, body: SendBulk) -> JobAccepted:
    from urbaneta.store import buildings

    if not body.building_id and not body.invoice_ids:
        raise ValidationFailed.one("buildingId", "give buildingId or invoiceIds")
    if body.building_id:
        buildings.get_building(caller.tenant_id, body.building_id, include_archived=True)
    now = now_iso()
    job = Job(id=new_id(), tenant_id=caller.tenant_id, type="invoice_sending", status="queued",
              building_id=body.building_id, created_at=now, updated_at=now)
    jobs.create_job(job)
    message = SendingPlan(tenant_id=job.tenant_id, job_id=job.id,
                          invoice_ids=list(dict.fromkeys(body.invoice_ids)) if body.invoice_ids else None)
    try:
        enqueue("sending", [message])
    except Exception:
        jobs.fail(job.tenant_id, job.id, "The job could not be queued.")
        raise
    return JobAccepted(job_id=job.id, status=job.status)


def handle_sending_message(body: str | dict[str, Any], time_left_ms: Callable[[], int] | None = None) -> None:
    """A sending queue message (``models.messages``): the plan, or one chunk. A bad body is a ValueError.
    ``time_left_ms``: the invocation's remaining time; a chunk with less than ``CHUNK_TIME_MS`` left is queued
    again (``common.queued_again_if_late``)."""
    message = parse_sending(body)
    if isinstance(message, SendingPlan):
        plan_sending(message.tenant_id, message.job_id, message.invoice_ids)
    elif not queued_again_if_late("sending", message, time_left_ms, CHUNK_TIME_MS):
        send_chunk(message)


def plan_sending(tenant_id: str, job_id: str, invoice_ids: list[str] | None) -> int:
    job = jobs.get_job(tenant_id, job_id)
    if job.status in ("completed", "failed"):
        return 0
    if invoice_ids:
        ids = [str(i) for i in invoice_ids]
    elif job.building_id:
        ids = [i.id for i in store.invoices_of_building(tenant_id, job.building_id, status="draft")]
    else:
        ids = []
    bodies = [SendingChunk(tenant_id=tenant_id, job_id=job_id, chunk=n, total=len(ids), building_id=job.building_id,
                           invoice_ids=ids[start : start + SENDING_CHUNK])
              for n, start in enumerate(range(0, len(ids), SENDING_CHUNK))]
    if not bodies:
        jobs.complete_empty(tenant_id, job_id)
        return 0
    enqueue("sending", bodies)
    return len(bodies)


def _send_one(inv: Invoice, mailed: Invoice, look: Lookups) -> Invoice:
    """The e-mail and the PDF in the recipient's language; the e-mail links to the invoice's hosted page. It goes
    to ``mailed``'s recipient: the current owner when the apartment changed owners (``domain.ownership``)."""
    from urbaneta.adapters.mail import Attachment, send_email
    from urbaneta.services.invoicing.documents import document
    from urbaneta.services.mails import invoice_mail

    doc, tx = document(inv, look)
    mail = invoice_mail(tx, mailed, association=doc.association.display_name, iban=doc.iban, pay_url=_link(inv, look),
                        original_number=doc.cancels_number)
    pdf = keep_pdf(inv, (doc, tx))  # rendered and kept, not looked for first
    send_email([str(mailed.recipient.email)], mail.subject, mail.text, html=mail.html,
               attachments=[Attachment(_filename(tx.t("doc.credit_note" if doc.credit_note else "doc.invoice"),
                                                 inv.number), "application/pdf", pdf)])
    return mark_sent(inv)


def _link(inv: Invoice, look: Lookups) -> str:
    from urbaneta.services.links import pay_link

    apartment = look.apartment(inv.apartment_id)
    return pay_link(inv, apartment.owner_since if apartment else None)


def _filename(title: str, number: str) -> str:
    """The attachment's name in the recipient's language: ``Arve-2025-000142.pdf``."""
    return f"{'-'.join(title.split())}-{number}.pdf"


def mark_sent(inv: Invoice) -> Invoice:
    """draft → sent (versioned; re-read once if a payment moved the invoice meanwhile)."""
    for _ in range(3):
        after = inv.model_copy(update={"status": "sent", "sent_at": now_iso()})
        try:
            return store.save_transition(inv, after, validated=True)  # the sending worker's bulk path
        except Conflict:
            inv = store.get_invoice(inv.tenant_id, inv.id)
            if inv.status != "draft":
                return inv
    raise Conflict(store.CHANGED)


def send_chunk(message: SendingChunk) -> ChunkResult:
    tenant_id, job_id, chunk = message.tenant_id, message.job_id, message.chunk
    building_id = message.building_id
    result = ChunkResult()
    found = {i.id: i for i in store.get_invoices(tenant_id, [str(i) for i in message.invoice_ids])}  # one batch
    look = Lookups(tenant_id)
    look.prefetch([i for i in found.values() if i.status == "draft"])  # buildings and apartments, once
    for invoice_id in message.invoice_ids:
        inv = found.get(str(invoice_id))
        if inv is None or (building_id and inv.building_id != building_id):
            result.failed += 1
            result.errors.append({"invoiceId": str(invoice_id), "message": "invoice not found"})
            continue
        if inv.status != "draft":
            result.skipped += 1
            continue
        mailed = addressed(inv, look.apartment(inv.apartment_id))
        if not mailed.recipient.email:
            result.failed += 1
            result.errors.append({"invoiceId": inv.id, "number": inv.number, "message": "no e-mail address"})
            continue
        try:
            result.created.append(_send_one(inv, mailed, look))
        except MailThrottled:
            # SES is over its rate: what was sent is announced, and the chunk comes back from the queue later;
            # the invoices already sent are then skipped (no longer drafts), the others sent
            publish([invoice_event("invoice.sent", i) for i in result.created if i.status == "sent"])
            raise
        except Exception as exc:  # the e-mail failed: the invoice stays as it was, the job reports it
            logger.warning("invoice e-mail failed", extra={"invoiceId": inv.id, "error": str(exc)})
            result.failed += 1
            result.errors.append({"invoiceId": inv.id, "number": inv.number,
                                  "message": f"e-mail not sent: {type(exc).__name__}"})
    publish([invoice_event("invoice.sent", inv) for inv in result.created if inv.status == "sent"])
    job = jobs.progress(tenant_id, job_id, chunk, total=message.total, processed=len(message.invoice_ids),
                        created=len(result.created),
                        skipped=result.skipped, failed=result.failed, errors=result.errors)
    result.already_counted = job is None
    if job is not None and job.processed >= job.total:
        result.completed_job = jobs.complete(tenant_id, job_id)
    return result
