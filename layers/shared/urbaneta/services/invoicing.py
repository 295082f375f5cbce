"""Invoicing: bulk generation (job → SQS → worker in chunks), gapless numbering, PDFs, bulk sending (job → SQS →
worker → SES with the PDF), the life cycle (PATCH, credit notes, the overdue sweep) and invoice reads.

Generation, one chunk of up to 400 apartments (see docs/data-model.md, "Invoicing"):
1. the apartments that already have a live invoice for the period are found with one BatchGetItem (the invoice
   id is derived from apartment, period and revision, so the key itself is the identity);
2. lines for the others (billing.md); the building-wide split of ``shared_by_area`` charges was computed once
   when the job was planned and travels in the message, so chunks agree to the cent;
3. ONE UpdateItem on the counter reserves exactly as many numbers as there are invoices to write and records the
   reservation (conditioned on the chunk not having one yet: a retried chunk gets its earlier block back);
4. BatchWriteItem, 25 invoices per call; then the job's progress (one UpdateItem, counted once per chunk);
5. ``invoice.created`` events, 10 per PutEvents (event ids derived from the invoice: a redelivered chunk
   re-publishes the same events, consumers deduplicate).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from urbaneta import backoff
from urbaneta.adapters.events import DomainEvent, domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import billing, event_types, invoice_state
from urbaneta.domain.buildings import Apartment, Charge
from urbaneta.domain.invoices import INVOICE_STATUSES, Invoice, InvoiceStatus, Recipient
from urbaneta.domain.jobs import Job
from urbaneta.domain.meters import Meter, Reading
from urbaneta.domain.money import from_cents
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.invoices import GenerateBulk, InvoiceOut, InvoicePatch, JobAccepted, SendBulk
from urbaneta.observability import logger, metrics
from urbaneta.settings import get_settings
from urbaneta.store import invoices as store
from urbaneta.store import jobs
from urbaneta.store.pages import Page, PageRequest, parse_limit
from urbaneta.store.table import TransactionConflict, transact

GENERATION_CHUNK = 400  # 1 reservation + 16 BatchWriteItem + 1 progress per 400 invoices; 40 PutEvents
MESSAGE_BUDGET = 200_000  # bytes of apartment data per chunk message (SQS takes 256 KiB)
LOCK_SECONDS = 3600  # a generation lock outlives a stuck job by at most this
SENDING_CHUNK = 10
MAX_ATTEMPTS = 30
_EVENTS_NS = uuid.UUID("6f1c1d1e-3b7e-4c55-9a55-0c6f5b3f0a11")

event_types.register("invoice.cancelled", "An invoice was cancelled by a credit note.")


def _event_id(invoice_id: str, event: str) -> str:
    return str(uuid.uuid5(_EVENTS_NS, f"{invoice_id}/{event}"))


def invoice_event(event: str, inv: Invoice) -> DomainEvent:
    data: dict[str, Any] = {
        "invoiceId": inv.id, "number": inv.number, "referenceNumber": inv.reference_number,
        "buildingId": inv.building_id, "apartmentId": inv.apartment_id, "status": inv.status,
        "periodStart": inv.period_start.isoformat(), "periodEnd": inv.period_end.isoformat(),
        "issueDate": inv.issue_date.isoformat(), "dueDate": inv.due_date.isoformat(), "currency": inv.currency,
        "total": str(from_cents(inv.total_cents)), "balanceDue": str(from_cents(inv.balance_due_cents)),
    }
    if inv.credit_note_of:
        data["creditNoteOf"] = inv.credit_note_of
    if inv.paid_date:
        data["paidDate"] = inv.paid_date.isoformat()
    return domain_event(event, inv.tenant_id, data, event_id=_event_id(inv.id, event))


def _settings_url(which: str) -> str:
    settings = get_settings()
    url = settings.invoice_generation_queue_url if which == "generation" else settings.invoice_sending_queue_url
    if not url:
        raise RuntimeError(f"the invoice {which} queue is not configured")
    return url


def _enqueue(which: str, bodies: Sequence[dict[str, Any]]) -> int:
    from urbaneta.adapters.queues import send_all

    return send_all(_settings_url(which), bodies)


def _pause(attempt: int) -> None:
    backoff.pause(attempt, base=0.01, cap=0.5, jitter=True)


# ---- reads and visibility -------------------------------------------------------------------------------------


def _visible(caller: Principal, invoice_id: str) -> Invoice:
    """The caller's invoice, or 404 (another tenant's id, another resident's apartment, a resident's draft)."""
    inv = store.get_invoice(caller.tenant_id, invoice_id)
    if not caller.can_see_apartment(inv.apartment_id) or (not caller.is_staff and inv.status == "draft"):
        raise NotFound(store.NOT_FOUND)
    return inv


def get_invoice(caller: Principal, invoice_id: str) -> InvoiceOut:
    return InvoiceOut.of(_visible(caller, invoice_id))


def _date_param(name: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.one(name, "must be a date (YYYY-MM-DD)") from exc


def list_invoices(caller: Principal, *, building_id: str | None, apartment_id: str | None, status: str | None,
                  issued_from: str | None, issued_to: str | None, limit: str | None, cursor: str | None
                  ) -> Page[InvoiceOut]:
    size = parse_limit(limit)
    if status and status not in INVOICE_STATUSES:
        raise ValidationFailed.one("status", f"must be one of {', '.join(INVOICE_STATUSES)}")
    lo, hi = _date_param("from", issued_from), _date_param("to", issued_to)
    if lo and hi and lo > hi:
        raise ValidationFailed.one("to", "must not be before from")
    if not caller.is_staff:
        if apartment_id is None:
            if len(caller.apartment_ids) > 1:
                raise ValidationFailed.one("apartmentId", "is required when you have several apartments")
            if not caller.apartment_ids:
                return Page([])
            apartment_id = next(iter(caller.apartment_ids))
        elif not caller.can_see_apartment(apartment_id):
            raise NotFound("Apartment not found.")
        if status == "draft":
            return Page([])
    scope = f"invoices|b={building_id}|a={apartment_id}|s={status}|f={lo}|t={hi}|staff={caller.is_staff}"
    req = PageRequest.parse(caller.tenant_id, scope, limit=size, cursor=cursor)
    items, last = store.list_invoices_page(caller.tenant_id, building_id=building_id, apartment_id=apartment_id,
                                           status=status, issued_from=lo, issued_to=hi, limit=req.limit,
                                           start_key=req.start, hide_drafts=not caller.is_staff)
    return req.page([InvoiceOut.of(i) for i in items], last)


def get_job(caller: Principal, job_id: str) -> Job:
    return jobs.get_job(caller.tenant_id, job_id)


# ---- bulk generation -----------------------------------------------------------------------------------------


def start_generation(caller: Principal, body: GenerateBulk) -> JobAccepted:
    from urbaneta.store import buildings

    if body.period_end < body.period_start:
        raise ValidationFailed.one("periodEnd", "must not be before periodStart")
    issue = body.issue_date or today()
    if body.due_date and body.due_date < issue:
        raise ValidationFailed.one("dueDate", "must not be before issueDate")
    building = buildings.get_building(caller.tenant_id, body.building_id)
    if not buildings.list_charges(caller.tenant_id, building.id):
        raise ValidationFailed.one("buildingId", "the building has no charges to bill")
    due = body.due_date or billing.due_date(issue, building.billing.due_days)
    now = now_iso()
    job = Job(id=new_id(), tenant_id=caller.tenant_id, type="invoice_generation", status="queued",
              building_id=building.id, period_start=body.period_start, period_end=body.period_end,
              params={"issueDate": issue.isoformat(), "dueDate": due.isoformat()}, created_at=now, updated_at=now)
    holder = store.generation_lock_holder(caller.tenant_id, building.id, body.period_start, body.period_end)
    holder_done = False
    if holder:
        try:
            holder_done = jobs.get_job(caller.tenant_id, holder).status in ("completed", "failed")
        except NotFound:
            holder_done = True
    store.lock_generation(caller.tenant_id, building.id, body.period_start, body.period_end, job.id,
                          holder_done=holder_done, holder=holder, now=int(time.time()), ttl=LOCK_SECONDS)
    jobs.create_job(job)
    try:
        _enqueue("generation", [{"kind": "plan", "tenantId": job.tenant_id, "jobId": job.id}])
    except Exception:
        jobs.fail(job.tenant_id, job.id, "The job could not be queued.")  # frees the building and period
        raise
    return JobAccepted(job_id=job.id, status=job.status)


def handle_generation_message(message: dict[str, Any]) -> None:
    if message.get("kind") == "plan":
        plan_generation(str(message["tenantId"]), str(message["jobId"]))
    else:
        generate_chunk(message)


_APARTMENT_FIELDS = ("id", "number", "area", "residentsCount", "ownerName", "email", "referenceNumber")


def _pack(a: Apartment) -> list[Any]:
    data = a.model_dump(mode="json", by_alias=True)
    return [data.get(f) for f in _APARTMENT_FIELDS]


def _unpack(row: list[Any], tenant_id: str, building_id: str) -> Apartment:
    data = dict(zip(_APARTMENT_FIELDS, row, strict=True))
    return Apartment.model_validate({**data, "tenantId": tenant_id, "buildingId": building_id, "createdAt": "",
                                     "updatedAt": ""})


def plan_generation(tenant_id: str, job_id: str) -> int:
    """Every apartment of the building in chunks; the building-wide split is computed here. Returns chunks."""
    from urbaneta.store import buildings

    job = jobs.get_job(tenant_id, job_id)
    if job.status in ("completed", "failed") or job.building_id is None or job.period_start is None:
        return 0
    try:
        building = buildings.get_building(tenant_id, job.building_id)
    except NotFound:
        jobs.fail(tenant_id, job_id, "The building no longer exists.")
        return 0
    apartments = sorted(buildings.list_apartments(tenant_id, building.id), key=lambda a: billing.natural_key(a.number))
    charges = buildings.list_charges(tenant_id, building.id)
    areas = [billing.AreaShare(a.id, a.number, a.area) for a in apartments]
    shared = {c.id: billing.split_by_area(billing.half_up_cents(c.unit_price), areas)
              for c in charges if c.type == "shared_by_area"}
    issue = date.fromisoformat(job.params["issueDate"])
    parts = _chunks(apartments, shared)
    common = {
        "kind": "chunk", "tenantId": tenant_id, "jobId": job_id, "chunks": len(parts), "total": len(apartments),
        "buildingId": building.id,
        "periodStart": job.period_start.isoformat(), "periodEnd": (job.period_end or job.period_start).isoformat(),
        "issueDate": issue.isoformat(), "dueDate": job.params["dueDate"], "currency": building.currency,
        "vatRate": str(building.billing.vat_rate),
        "lateInterestDailyRate": str(building.billing.late_interest_daily_rate or ""),
        "prefix": billing.default_prefix(issue, building.billing.invoice_prefix),
        "charges": [c.model_dump(mode="json", by_alias=True) for c in charges],
    }
    bodies = [{**common, "chunk": n, "apartments": rows, "shared": part_shared}
              for n, (rows, part_shared) in enumerate(parts)]
    if not bodies:
        jobs.complete_empty(tenant_id, job_id)
        return 0
    _enqueue("generation", bodies)  # each chunk carries the total; the first to finish marks the job running
    return len(bodies)


def _chunks(apartments: Sequence[Apartment], shared: dict[str, dict[str, int]]
            ) -> list[tuple[list[list[Any]], dict[str, dict[str, int]]]]:
    """Up to GENERATION_CHUNK apartments per message, fewer when their data would not fit an SQS message."""
    import json

    out: list[tuple[list[list[Any]], dict[str, dict[str, int]]]] = []
    rows: list[list[Any]] = []
    part: dict[str, dict[str, int]] = {}
    size = 0
    for a in apartments:
        row = _pack(a)
        mine = {cid: split[a.id] for cid, split in shared.items()}
        weight = len(json.dumps(row, default=str)) + len(json.dumps(mine)) + 48
        if rows and (len(rows) >= GENERATION_CHUNK or size + weight > MESSAGE_BUDGET):
            out.append((rows, part))
            rows, part, size = [], {}, 0
        rows.append(row)
        part[a.id] = mine
        size += weight
    if rows:
        out.append((rows, part))
    return out


@dataclass
class ChunkResult:
    created: list[Invoice] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    already_counted: bool = False
    completed_job: bool = False


def _consumption(tenant_id: str, building_id: str, apartments: Sequence[Apartment], charges: Sequence[Charge],
                 start: date, end: date) -> dict[str, billing.Consumption]:
    types = {c.meter_type for c in charges if c.type == "metered" and c.meter_type}
    if not types or not apartments:
        return {}
    from urbaneta.store import meters as meter_store

    ids = {a.id for a in apartments}
    wanted: list[Meter] = [m for m in meter_store.list_meters(tenant_id, building_id)
                           if m.apartment_id in ids and m.type in types]
    readings: dict[str, list[Reading]] = {m.id: meter_store.list_readings(tenant_id, m.id) for m in wanted}
    by_apartment: dict[str, list[Meter]] = {}
    for m in wanted:
        by_apartment.setdefault(str(m.apartment_id), []).append(m)
    return {a.id: billing.apartment_consumption(by_apartment.get(a.id, []), readings, start, end) for a in apartments}


def _new_invoice(message: dict[str, Any], a: Apartment, invoice_id: str, number: str, lines: list[Any],
                 now: str) -> Invoice:
    tenant_id = str(message["tenantId"])
    totals = billing.totals(lines)
    return Invoice(
        id=invoice_id, tenant_id=tenant_id, number=number, reference_number=a.reference_number,
        building_id=str(message["buildingId"]), apartment_id=a.id,
        period_start=date.fromisoformat(message["periodStart"]), period_end=date.fromisoformat(message["periodEnd"]),
        issue_date=date.fromisoformat(message["issueDate"]), due_date=date.fromisoformat(message["dueDate"]),
        status="draft", currency=str(message["currency"]), lines=lines, subtotal_cents=totals.subtotal_cents,
        vat_total_cents=totals.vat_total_cents, total_cents=totals.total_cents, amount_paid_cents=0,
        balance_due_cents=totals.total_cents, recipient=Recipient(name=a.owner_name, email=a.email),
        pdf_key=pdf_key(tenant_id, invoice_id), job_id=str(message["jobId"]), version=0, created_at=now,
        updated_at=now,
    )


def generate_chunk(message: dict[str, Any]) -> ChunkResult:
    """One chunk of a generation job, idempotent: a redelivered chunk creates, numbers and counts nothing twice."""
    from decimal import Decimal

    tenant_id, job_id, chunk = str(message["tenantId"]), str(message["jobId"]), int(message["chunk"])
    if jobs.get_job(tenant_id, job_id).status in ("completed", "failed"):
        return ChunkResult(already_counted=True)  # e.g. a message redriven from the DLQ after the job ended
    building_id = str(message["buildingId"])
    apartments = [_unpack(row, tenant_id, building_id) for row in message["apartments"]]
    charges = [Charge.model_validate(c) for c in message["charges"]]
    start, end = date.fromisoformat(message["periodStart"]), date.fromisoformat(message["periodEnd"])
    prefix, vat = str(message["prefix"]), Decimal(str(message["vatRate"]))
    interest_rate = Decimal(str(message.get("lateInterestDailyRate") or 0))
    issue = date.fromisoformat(message["issueDate"])
    state = store.current_invoices(tenant_id, [a.id for a in apartments], start, end)
    todo = [a for a in apartments if state[a.id][1] is None]
    usage = _consumption(tenant_id, building_id, todo, charges, start, end)

    result = ChunkResult()
    lines_of: dict[int, list[Any]] = {}
    no_lines: set[int] = set()
    for idx, a in enumerate(apartments):
        if state[a.id][1] is not None:
            continue
        lines, problems = billing.build_lines(
            a, charges, default_vat_rate=vat, shared=message["shared"].get(a.id, {}),
            consumption=usage.get(a.id, billing.Consumption()))
        if interest_rate:
            lines += billing.late_interest_lines(store.apartment_invoices(tenant_id, building_id, a.id), issue,
                                                 interest_rate)
        for p in problems:
            entry = {"apartmentId": a.id, "apartmentNumber": a.number, "chargeId": p.charge_id, "message": p.message}
            if p.meter_ids:
                entry["meterId"] = ",".join(p.meter_ids)
            result.errors.append(entry)
        if lines:
            lines_of[idx] = lines
        else:
            no_lines.add(idx)
            result.errors.append({"apartmentId": a.id, "apartmentNumber": a.number,
                                  "message": "nothing to bill: no invoice created"})

    candidates = sorted(lines_of)
    if candidates:
        reservation: store.Reservation | None = store.reserve_numbers(tenant_id, prefix, job_id, chunk, candidates)
    else:
        reservation = store.find_reservation(tenant_id, prefix, job_id, chunk)
    reserved = reservation.positions if reservation else ()
    now = now_iso()
    mine: list[Invoice] = []
    fresh: list[Invoice] = []
    for k, idx in enumerate(reserved):
        a = apartments[idx]
        revision, existing = state[a.id]
        if existing is not None:  # written by an earlier delivery of this chunk (the id is deterministic)
            mine.append(existing)
            continue
        assert reservation is not None
        number = billing.format_number(prefix, reservation.first + k)
        if idx not in lines_of:  # only if readings changed between two deliveries: the number stays unused
            result.errors.append({"apartmentId": a.id, "apartmentNumber": a.number,
                                  "message": f"number {number} was reserved but nothing is left to bill"})
            continue
        invoice_id = store.invoice_id_for(tenant_id, a.id, start, end, revision)
        fresh.append(_new_invoice(message, a, invoice_id, number, lines_of[idx], now))
    store.write_new(fresh)
    result.created = mine + fresh
    result.failed = len(no_lines - set(reserved))
    result.skipped = len(apartments) - len(reserved) - result.failed

    publish([invoice_event("invoice.created", inv) for inv in result.created])
    if fresh:
        metrics.add_metric(name="InvoicesGenerated", unit="Count", value=len(fresh))
    job = jobs.progress(tenant_id, job_id, chunk, total=int(message["total"]), processed=len(apartments),
                        created=len(reserved),
                        skipped=result.skipped, failed=result.failed, errors=result.errors)
    result.already_counted = job is None
    if job is not None and job.processed >= job.total and jobs.complete(tenant_id, job_id):
        result.completed_job = True
        store.release_reservations(tenant_id, prefix, job_id, int(message.get("chunks", chunk + 1)))
    return result


# ---- PDF -----------------------------------------------------------------------------------------------------------


def pdf_key(tenant_id: str, invoice_id: str) -> str:
    from urbaneta.adapters.documents import invoice_pdf_key

    return invoice_pdf_key(tenant_id, invoice_id)


def _document(inv: Invoice) -> Any:
    from urbaneta.adapters.pdf import InvoiceDocument, PdfLine
    from urbaneta.store import buildings, users

    tenant = users.get_tenant(inv.tenant_id) or {}
    building = buildings.get_building(inv.tenant_id, inv.building_id, include_archived=True)
    try:
        apartment_number = buildings.get_apartment(inv.tenant_id, inv.apartment_id).number
    except NotFound:
        apartment_number = "?"
    note = None
    if inv.credit_note_of:
        original = store.get_invoice(inv.tenant_id, inv.credit_note_of)
        note = f"Credit note for invoice {original.number}: the invoice is cancelled."
    addr = building.address
    return InvoiceDocument(
        title="Credit note" if inv.credit_note_of else "Invoice", number=inv.number,
        reference_number=inv.reference_number, issue_date=inv.issue_date, due_date=inv.due_date,
        period_start=inv.period_start, period_end=inv.period_end, currency=inv.currency,
        association=str(tenant.get("name") or building.name), iban=building.billing.iban,
        bank_name=building.billing.bank_name,
        building_address=f"{addr.street}, {addr.postal_code} {addr.city}, {addr.country}",
        apartment_number=apartment_number, recipient_name=inv.recipient.name, recipient_email=inv.recipient.email,
        subtotal_cents=inv.subtotal_cents, vat_total_cents=inv.vat_total_cents, total_cents=inv.total_cents,
        lines=[PdfLine(ln.description, ln.quantity, ln.unit, ln.unit_price, ln.amount_cents, ln.vat_rate, ln.vat_cents)
               for ln in inv.lines],
        note=note,
    )


def ensure_pdf(inv: Invoice) -> bytes:
    """The invoice's PDF: rendered on first need (first GET or sending), then kept in the documents bucket and
    served from there (an issued invoice never changes, so its PDF does not either)."""
    from urbaneta.adapters import documents
    from urbaneta.adapters.pdf import render_invoice

    key = inv.pdf_key or pdf_key(inv.tenant_id, inv.id)
    kept = documents.read(key)
    if kept is not None:
        return kept
    content = render_invoice(_document(inv))
    documents.put_pdf(key, content, invoice_number=inv.number)
    return content


def get_pdf(caller: Principal, invoice_id: str) -> tuple[str, bytes]:
    inv = _visible(caller, invoice_id)
    return f"invoice-{inv.number}.pdf", ensure_pdf(inv)


# ---- bulk sending -------------------------------------------------------------------------------------------------


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
    message: dict[str, Any] = {"kind": "plan", "tenantId": job.tenant_id, "jobId": job.id}
    if body.invoice_ids:
        message["invoiceIds"] = list(dict.fromkeys(body.invoice_ids))
    try:
        _enqueue("sending", [message])
    except Exception:
        jobs.fail(job.tenant_id, job.id, "The job could not be queued.")
        raise
    return JobAccepted(job_id=job.id, status=job.status)


def handle_sending_message(message: dict[str, Any]) -> None:
    if message.get("kind") == "plan":
        plan_sending(str(message["tenantId"]), str(message["jobId"]), message.get("invoiceIds"))
    else:
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
    bodies = [{"kind": "chunk", "tenantId": tenant_id, "jobId": job_id, "chunk": n, "total": len(ids),
               "buildingId": job.building_id, "invoiceIds": ids[start : start + SENDING_CHUNK]}
              for n, start in enumerate(range(0, len(ids), SENDING_CHUNK))]
    if not bodies:
        jobs.complete_empty(tenant_id, job_id)
        return 0
    _enqueue("sending", bodies)
    return len(bodies)


def _mail_text(inv: Invoice, iban: str | None) -> tuple[str, str]:
    total = f"{from_cents(inv.total_cents)} {inv.currency}"
    if inv.credit_note_of:
        return (f"Credit note {inv.number}",
                f"Hello {inv.recipient.name or ''},\n\nattached is credit note {inv.number} ({total}).\n")
    text = (f"Hello {inv.recipient.name or ''},\n\nattached is invoice {inv.number} for "
            f"{inv.period_start.isoformat()} to {inv.period_end.isoformat()}.\n\n"
            f"Amount: {total}\nDue date: {inv.due_date.isoformat()}\nReference number: {inv.reference_number}\n")
    if iban:
        text += f"Account: {iban}\n"
    return f"Invoice {inv.number}", text


def _send_one(inv: Invoice) -> Invoice:
    from urbaneta.adapters.mail import Attachment, send_email
    from urbaneta.store import buildings

    building = buildings.get_building(inv.tenant_id, inv.building_id, include_archived=True)
    subject, text = _mail_text(inv, building.billing.iban)
    pdf = ensure_pdf(inv)
    send_email([str(inv.recipient.email)], subject, text,
               attachments=[Attachment(f"invoice-{inv.number}.pdf", "application/pdf", pdf)])
    return mark_sent(inv)


def mark_sent(inv: Invoice) -> Invoice:
    """draft → sent (versioned; re-read once if a payment moved the invoice meanwhile)."""
    for _ in range(3):
        after = inv.model_copy(update={"status": "sent", "sent_at": now_iso()})
        try:
            return store.save_transition(inv, after)
        except Conflict:
            inv = store.get_invoice(inv.tenant_id, inv.id)
            if inv.status != "draft":
                return inv
    raise Conflict(store.CHANGED)


def send_chunk(message: dict[str, Any]) -> ChunkResult:
    tenant_id, job_id, chunk = str(message["tenantId"]), str(message["jobId"]), int(message["chunk"])
    building_id = message.get("buildingId")
    result = ChunkResult()
    for invoice_id in message["invoiceIds"]:
        try:
            inv = store.get_invoice(tenant_id, str(invoice_id))
        except NotFound:
            inv = None
        if inv is None or (building_id and inv.building_id != building_id):
            result.failed += 1
            result.errors.append({"invoiceId": str(invoice_id), "message": "invoice not found"})
            continue
        if inv.status != "draft":
            result.skipped += 1
            continue
        if not inv.recipient.email:
            result.failed += 1
            result.errors.append({"invoiceId": inv.id, "number": inv.number, "message": "no e-mail address"})
            continue
        try:
            result.created.append(_send_one(inv))
        except Exception as exc:  # the e-mail failed: the invoice stays as it was, the job reports it
            logger.warning("invoice e-mail failed", extra={"invoiceId": inv.id, "error": str(exc)})
            result.failed += 1
            result.errors.append({"invoiceId": inv.id, "number": inv.number,
                                  "message": f"e-mail not sent: {type(exc).__name__}"})
    publish([invoice_event("invoice.sent", inv) for inv in result.created if inv.status == "sent"])
    job = jobs.progress(tenant_id, job_id, chunk, total=int(message["total"]), processed=len(message["invoiceIds"]),
                        created=len(result.created),
                        skipped=result.skipped, failed=result.failed, errors=result.errors)
    result.already_counted = job is None
    if job is not None and job.processed >= job.total:
        result.completed_job = jobs.complete(tenant_id, job_id)
    return result


# ---- life cycle ------------------------------------------------------------------------------------------------


def patch_invoice(caller: Principal, invoice_id: str, body: InvoicePatch) -> InvoiceOut:
    inv = _visible(caller, invoice_id)
    if body.status is None and body.paid_date is None and body.reference is None:
        raise ValidationFailed.one("status", "give status, paidDate or reference")
    if inv.status == "cancelled":
        raise Conflict("A cancelled invoice is not changed.")
    changes: dict[str, Any] = {}
    event: str | None = None
    target: InvoiceStatus | None = body.status if body.status and body.status != inv.status else None
    if target is not None:
        invoice_state.check_manual(inv, target)
        if target == "sent":
            changes.update(status="sent", sent_at=now_iso())
            event = "invoice.sent"
        else:  # paid, by hand (e.g. paid in cash): the whole balance
            changes.update(status="paid", amount_paid_cents=inv.total_cents, balance_due_cents=0,
                           paid_date=body.paid_date or today())
            event = "invoice.paid"
    if body.paid_date is not None and target is None:
        if inv.status != "paid":
            raise ValidationFailed.one("paidDate", "only a paid invoice has a paid date; send status paid with it")
        changes["paid_date"] = body.paid_date
    if body.reference is not None:
        changes["reference"] = body.reference
    after = store.save_transition(inv, inv.model_copy(update=changes))
    if event:
        publish([invoice_event(event, after)])
    return InvoiceOut.of(after)


def create_credit_note(caller: Principal, invoice_id: str) -> InvoiceOut:
    inv = _visible(caller, invoice_id)
    invoice_state.check_credit_note(inv)
    prefix = inv.number.rsplit("-", 1)[0]
    lines = billing.credit_lines(inv.lines)
    sums = billing.totals(lines)
    now = now_iso()
    for attempt in range(MAX_ATTEMPTS):
        last = store.counter_value(inv.tenant_id, prefix)
        note_id = new_id()
        note = Invoice(
            id=note_id, tenant_id=inv.tenant_id, number=billing.format_number(prefix, last + 1),
            reference_number=inv.reference_number, building_id=inv.building_id, apartment_id=inv.apartment_id,
            period_start=inv.period_start, period_end=inv.period_end, issue_date=today(), due_date=today(),
            status="draft", currency=inv.currency, lines=lines, subtotal_cents=sums.subtotal_cents,
            vat_total_cents=sums.vat_total_cents, total_cents=sums.total_cents, amount_paid_cents=0,
            balance_due_cents=0, recipient=inv.recipient, credit_note_of=inv.id,
            pdf_key=pdf_key(inv.tenant_id, note_id), version=0, created_at=now, updated_at=now)
        cancelled = inv.model_copy(update={"status": "cancelled", "cancelled_by": note.id, "cancelled_at": now})
        ops = [store.counter_op(inv.tenant_id, prefix, last, last + 1), *store.credit_note_ops(inv, cancelled, note)]
        try:
            transact(ops)
        except TransactionConflict as exc:
            if exc.failed == [0]:
                _pause(attempt)
                continue
            raise Conflict(store.CHANGED) from exc
        publish([invoice_event("invoice.cancelled", cancelled.model_copy(update={"version": inv.version + 1})),
                 invoice_event("invoice.created", note)])
        return InvoiceOut.of(note)
    raise Conflict("The credit note could not be numbered; try again.")


# ---- overdue sweep ---------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    today: date
    examined: int = 0
    marked: int = 0


def sweep_overdue(moment: datetime) -> SweepResult:
    """Sent, unpaid invoices due before the schedule's day become overdue, once (the transition removes them from
    the sparse index and is conditioned on the version). ``invoice.overdue`` events go out 10 per PutEvents."""
    from urbaneta.store.keys import DUE_SHARDS

    result = SweepResult(today=moment.date())
    pending: list[DomainEvent] = []
    for shard in range(DUE_SHARDS):
        for tenant_id, invoice_id in store.due_before(shard, result.today):
            result.examined += 1
            try:
                inv = store.get_invoice(tenant_id, invoice_id)
            except NotFound:
                continue
            if not invoice_state.becomes_overdue(inv, result.today):
                continue
            try:
                after = store.save_transition(inv, inv.model_copy(update={"status": "overdue",
                                                                         "overdue_at": now_iso()}))
            except Conflict:
                continue  # changed meanwhile (e.g. paid): judged again tomorrow if still watched
            result.marked += 1
            pending.append(invoice_event("invoice.overdue", after))
            if len(pending) == 10:
                publish(pending)
                pending = []
    publish(pending)
    if result.marked:
        metrics.add_metric(name="InvoicesOverdue", unit="Count", value=result.marked)
    return result
