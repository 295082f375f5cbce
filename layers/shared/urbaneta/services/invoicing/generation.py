"""Bulk generation, the worker's side: the plan message splits the building into chunks, each chunk bills its
apartments with gapless numbers (``starting`` opens the job).

Generation, one chunk of up to 400 apartments (see docs/data-model.md, "Invoicing"):
1. the apartments that already have a live invoice for the period are found with one BatchGetItem (the invoice
   id is derived from apartment, period and revision, so the key itself is the identity);
2. lines for the others (billing.md); the building-wide split of ``shared_by_area`` charges was computed once
   when the job was planned and travels in the message, so chunks agree to the cent;
3. ONE UpdateItem on the counter reserves exactly as many numbers as there are invoices to write and records the
   reservation (conditioned on the chunk not having one yet: a retried chunk gets its earlier block back);
4. TransactWriteItems, 24 invoices per call, each with its ledger entries and its apartment's balance
   (``services.accounts.posting``: the invoice's previousBalance/paymentsReceived/totalToPay come from the
   balances read in one BatchGetItem, the account update is conditioned on them); then the job's progress (one
   UpdateItem, counted once per chunk);
5. ``invoice.created`` events, 10 per PutEvents (event ids derived from the invoice: a redelivered chunk
   re-publishes the same events, consumers deduplicate).
"""



import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from urbaneta.adapters.events import publish
from urbaneta.clock import now_iso
from urbaneta.domain import billing
from urbaneta.domain.buildings import Apartment
from urbaneta.domain.invoices import Invoice, Recipient
from urbaneta.domain.meters import Meter, Reading
from urbaneta.errors import NotFound
from urbaneta.models.messages import BilledApartment, GenerationChunk, GenerationPlan, parse_generation
from urbaneta.observability import logger, metrics
from urbaneta.services import payments
from urbaneta.services.accounts import posting
from urbaneta.services.invoicing.common import ChunkResult, enqueue, invoice_event, queued_again_if_late
from urbaneta.services.invoicing.documents import pdf_key
from urbaneta.store import invoices as store
from urbaneta.store import jobs
from urbaneta.store import payments as payments_store

GENERATION_CHUNK = 400  # 1 reservation + 4 BatchGetItem + 17 TransactWriteItems + 1 progress per 400; 40 PutEvents
MESSAGE_BUDGET = 200_000  # bytes of apartment data per chunk message (SQS takes 256 KiB)
READINGS_LOOKBACK = timedelta(days=45)  # before the period (or its length, if longer): the opening readings
CHUNK_TIME_MS = 60_000  # a chunk starts only with this much of the invocation left (half the worker's timeout)


def handle_generation_message(body: str | dict[str, Any], time_left_ms: Callable[[], int] | None = None) -> None:
    """A generation queue message (``models.messages``): the plan, or one chunk. A bad body is a ValueError.
    ``time_left_ms``: the invocation's remaining time; a chunk with less than ``CHUNK_TIME_MS`` left is queued
    again (``common.queued_again_if_late``)."""
    message = parse_generation(body)
    if isinstance(message, GenerationPlan):
        plan_generation(message.tenant_id, message.job_id)
    elif not queued_again_if_late("generation", message, time_left_ms, CHUNK_TIME_MS):
        generate_chunk(message)


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
    bodies = [GenerationChunk(
        tenant_id=tenant_id, job_id=job_id, chunk=n, chunks=len(parts), total=len(apartments),
        building_id=building.id, period_start=job.period_start, period_end=job.period_end or job.period_start,
        issue_date=issue, due_date=date.fromisoformat(job.params["dueDate"]), currency=building.currency,
        vat_rate=building.billing.vat_rate, late_interest_daily_rate=building.billing.late_interest_daily_rate or None,
        bill_readings=building.billing.bill_readings,
        prefix=billing.default_prefix(issue, building.billing.invoice_prefix), charges=charges, apartments=rows,
        shared=part_shared) for n, (rows, part_shared) in enumerate(parts)]
    if not bodies:
        jobs.complete_empty(tenant_id, job_id)
        return 0
    key = jobs.plan_key(tenant_id, job_id)
    bodies = [body.model_copy(update={"mac": chunk_mac(body, key)}) for body in bodies]
    enqueue("generation", bodies)  # each chunk carries the total; the first to finish marks the job running
    return len(bodies)


def _chunks(apartments: Sequence[Apartment], shared: dict[str, dict[str, int]]
            ) -> list[tuple[list[BilledApartment], dict[str, dict[str, int]]]]:
    """Up to GENERATION_CHUNK apartments per message, fewer when their data would not fit an SQS message."""
    import json

    out: list[tuple[list[BilledApartment], dict[str, dict[str, int]]]] = []
    rows: list[BilledApartment] = []
    part: dict[str, dict[str, int]] = {}
    size = 0
    for a in apartments:
        row = BilledApartment.of(a)
        mine = {cid: split[a.id] for cid, split in shared.items()}
        weight = len(row.model_dump_json(by_alias=True, exclude_none=True).encode()) + len(json.dumps(mine)) + 48
        if rows and (len(rows) >= GENERATION_CHUNK or size + weight > MESSAGE_BUDGET):
            out.append((rows, part))
            rows, part, size = [], {}, 0
        rows.append(row)
        part[a.id] = mine
        size += weight
    if rows:
        out.append((rows, part))
    return out


def _consumption(message: GenerationChunk, apartments: Sequence[Apartment]) -> dict[str, billing.Consumption]:
    tenant_id, building_id, charges = message.tenant_id, message.building_id, message.charges
    start, end = message.period_start, message.period_end
    types = {c.meter_type for c in charges if c.type == "metered" and c.meter_type}
    if not types or not apartments:
        return {}
    from urbaneta.store import meters as meter_store

    ids = {a.id for a in apartments}
    wanted: list[Meter] = [m for m in meter_store.list_meters(tenant_id, building_id)
                           if m.apartment_id in ids and m.type in types]
    readings = _period_readings(message, wanted) if wanted else {}
    by_apartment: dict[str, list[Meter]] = {}
    for m in wanted:
        by_apartment.setdefault(str(m.apartment_id), []).append(m)
    return {a.id: billing.apartment_consumption(by_apartment.get(a.id, []), readings, start, end, message.bill_readings)
            for a in apartments}


def _period_readings(message: GenerationChunk, meters: Sequence[Meter]) -> dict[str, list[Reading]]:
    """The meters' readings the period bills from: the building's readings of a window around the period in one
    paged Query; a meter whose opening reading is older than the window (or that has none) reads its own whole
    history, so the result is what every meter's whole history would give."""
    from urbaneta.store import meters as meter_store

    start, end, rule = message.period_start, message.period_end, message.bill_readings
    lookback = max(READINGS_LOOKBACK, end - start)
    since = start - lookback if start - date.min > lookback else date.min  # a period near year 1 still bills
    found = meter_store.building_readings(message.tenant_id, message.building_id, since, end)
    out = {m.id: found.get(m.id, []) for m in meters}
    for m in meters:
        if billing.needs_earlier_readings(out[m.id], start, end, rule):
            out[m.id] = meter_store.list_readings(message.tenant_id, m.id)
    return out


def _new_invoice(message: GenerationChunk, a: Apartment, invoice_id: str, number: str, lines: list[Any],
                 now: str) -> Invoice:
    tenant_id = message.tenant_id
    totals = billing.totals(lines)
    return Invoice(
        id=invoice_id, tenant_id=tenant_id, number=number, reference_number=a.reference_number,
        building_id=message.building_id, apartment_id=a.id, period_start=message.period_start,
        period_end=message.period_end, issue_date=message.issue_date, due_date=message.due_date,
        status="draft", currency=message.currency, lines=lines, subtotal_cents=totals.subtotal_cents,
        vat_total_cents=totals.vat_total_cents, total_cents=totals.total_cents, amount_paid_cents=0,
        balance_due_cents=totals.total_cents, recipient=Recipient(name=a.owner_name, email=a.email),
        pdf_key=pdf_key(tenant_id, invoice_id), job_id=message.job_id, version=0, created_at=now,
        updated_at=now,
    )


def _apply_credit(tenant_id: str, invoices: Sequence[Invoice]) -> None:
    """Apartment credit (earlier overpayments) pays the chunk's new invoices: one read of every apartment's
    credit for the chunk, then a credit payment only where there is credit (once per invoice, so a redelivered
    chunk applies nothing twice)."""
    due = [inv for inv in invoices if inv.balance_due_cents > 0 and inv.credit_note_of is None]
    credits = payments_store.apartment_credits(tenant_id, [inv.apartment_id for inv in due])
    for inv in due:
        if credits.get(inv.apartment_id, 0) > 0:
            payments.apply_credit_to_invoice(tenant_id, inv.id)


def _bill(message: GenerationChunk, apartments: Sequence[Apartment], todo: set[str],
          result: ChunkResult) -> tuple[dict[int, list[Any]], set[int]]:
    """The lines of every apartment in ``todo`` by its position in the chunk, and the positions with nothing to
    bill; problems go to ``result.errors``."""
    tenant_id, building_id = message.tenant_id, message.building_id
    usage = _consumption(message, [a for a in apartments if a.id in todo])
    rate = message.late_interest_daily_rate
    history = store.building_invoice_history(tenant_id, building_id, sorted(todo)) if rate and todo else {}
    lines_of: dict[int, list[Any]] = {}
    no_lines: set[int] = set()
    for idx, a in enumerate(apartments):
        if a.id not in todo:
            continue
        lines, problems = billing.build_lines(
            a, message.charges, default_vat_rate=message.vat_rate, shared=message.shared.get(a.id, {}),
            consumption=usage.get(a.id, billing.Consumption()))
        if rate:
            lines += billing.late_interest_lines(history.get(a.id, []), message.issue_date, rate)
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
    return lines_of, no_lines


def _number(message: GenerationChunk, apartments: Sequence[Apartment], state: dict[str, tuple[int, Invoice | None]],
            lines_of: dict[int, list[Any]], result: ChunkResult
            ) -> tuple[tuple[int, ...], list[Invoice], list[Invoice]]:
    """Reserve numbers (or find this chunk's earlier reservation) and build the invoices not yet written.
    Returns (the reserved positions, the invoices an earlier delivery wrote, the new ones)."""
    tenant_id, prefix, job_id, chunk = message.tenant_id, message.prefix, message.job_id, message.chunk
    candidates = sorted(lines_of)
    if candidates:
        reservation: store.Reservation | None = store.reserve_numbers(tenant_id, prefix, job_id, chunk, candidates)
    else:
        reservation = store.find_reservation(tenant_id, prefix, job_id, chunk)
    reserved = tuple(reservation.positions) if reservation else ()
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
        invoice_id = store.invoice_id_for(tenant_id, a.id, message.period_start, message.period_end, revision)
        fresh.append(_new_invoice(message, a, invoice_id, number, lines_of[idx], now))
    return reserved, mine, fresh


def chunk_mac(message: GenerationChunk, key: str) -> str:
    """HMAC-SHA256 of a chunk message (all but its ``mac``) with the job's plan key."""
    body = json.dumps(message.model_dump(mode="json", exclude={"mac"}), sort_keys=True, separators=(",", ":"))
    return hmac.new(bytes.fromhex(key), body.encode(), hashlib.sha256).hexdigest()


def generate_chunk(message: GenerationChunk) -> ChunkResult:
    """One chunk of a generation job, idempotent: a redelivered chunk creates, numbers and counts nothing twice."""
    tenant_id, job_id, chunk = message.tenant_id, message.job_id, message.chunk
    item = jobs.get_job_item(tenant_id, job_id)
    if item.get("status") in ("completed", "failed"):
        return ChunkResult(already_counted=True)  # e.g. a message redriven from the DLQ after the job ended
    key = item.get("planKey")
    if not key or not hmac.compare_digest(message.mac or "", chunk_mac(message, str(key))):
        # not made by this job's plan (forged, or for a job not planned yet): never counted, not retried
        logger.error("generation chunk refused: not signed by the job's plan", extra={"jobId": job_id,
                                                                                      "chunk": chunk})
        metrics.add_metric(name="RefusedChunks", unit="Count", value=1)
        return ChunkResult(already_counted=True)
    apartments = [row.apartment(tenant_id, message.building_id) for row in message.apartments]
    state = store.current_invoices(tenant_id, [a.id for a in apartments], message.period_start, message.period_end)
    result = ChunkResult()
    lines_of, no_lines = _bill(message, apartments, {a.id for a in apartments if state[a.id][1] is None}, result)
    reserved, mine, fresh = _number(message, apartments, state, lines_of, result)
    fresh = posting.write_invoices(fresh)  # each with its ledger entries and account, in one transaction
    result.created = mine + fresh
    result.failed = len(no_lines - set(reserved))
    result.skipped = len(apartments) - len(reserved) - result.failed

    publish([invoice_event("invoice.created", inv) for inv in result.created])
    _apply_credit(tenant_id, result.created)
    if fresh:
        metrics.add_metric(name="InvoicesGenerated", unit="Count", value=len(fresh))
    job = jobs.progress(tenant_id, job_id, chunk, total=message.total, processed=len(apartments),
                        created=len(reserved), skipped=result.skipped, failed=result.failed, errors=result.errors)
    result.already_counted = job is None
    if job is not None and job.processed >= job.total and jobs.complete(tenant_id, job_id):
        result.completed_job = True
        store.release_reservations(tenant_id, message.prefix, job_id, message.chunks)
    return result
