"""Asynchronous statement imports: a file uploaded through a presigned S3 POST, a file above ASYNC_ENTRIES
entries, or ``?async=true`` → a job (GET /jobs/{id}: entries read, processed, matched, unmatched, ignored …) and
SQS messages for the import worker.

Messages: ``plan`` (an uploaded file: read and parse it, keep it in the documents bucket with each chunk's lines
as JSON beside it, make the statement), then ``chunk`` n (CHUNK lines and CHUNK unusable entries, read from
their own object: no chunk reads or parses the whole file again). A worker goes on to the next chunk while its time
allows, else it queues it: one chunk at a time per job, in file order. Each chunk is idempotent: entries are
written conditionally under their identity, payments are guarded per entry, and the job counts a chunk once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from urbaneta.adapters import documents, uploads
from urbaneta.adapters.statements import ParsedStatement
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.jobs import Job
from urbaneta.domain.payments import Statement
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.payments import StatementImportAccepted, StatementUploadCreate, StatementUploadOut
from urbaneta.observability import logger
from urbaneta.services.reconciliation import importing, lines
from urbaneta.services.reconciliation.matching import Prefetched
from urbaneta.services.reconciliation.slices import Context, run_slice
from urbaneta.settings import get_settings
from urbaneta.store import jobs
from urbaneta.store import statements as store

CHUNK = 500
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
NEXT_CHUNK_MS = 60_000  # go on to the next chunk in the same invocation while at least this much time is left


def _enqueue(bodies: list[dict[str, Any]]) -> None:
    from urbaneta.adapters.queues import send_all

    send_all(get_settings().need("statement_import_queue_url"), bodies)


def _new_job(caller: Principal, statement_id: str | None, params: dict[str, str]) -> Job:
    now = now_iso()
    job = Job(id=new_id(), tenant_id=caller.tenant_id, type="statement_import", status="queued",
              statement_id=statement_id, params=params, created_at=now, updated_at=now)
    jobs.create_job(job)
    return job


def start_job(caller: Principal, parsed: ParsedStatement, plan: lines.Plan, key: str, size: int,
              statement_id: str) -> StatementImportAccepted:
    """A file already parsed in the request: the statement now, the entries by the worker."""
    job = _new_job(caller, statement_id, {"fileKey": key, "actor": caller.user_id or ""})
    _write_chunks(caller.tenant_id, statement_id, plan)
    store.put_statement(importing.new_statement(caller.tenant_id, caller.user_id, parsed, plan, key, size,
                                                statement_id, job_id=job.id))
    jobs.start_import(caller.tenant_id, job.id, plan.entries_read, statement_id)
    _queue_chunk(caller.tenant_id, job.id, statement_id, 0)
    return StatementImportAccepted(job_id=job.id, status="running", statement_id=statement_id,
                                   entries_read=plan.entries_read)


def upload(caller: Principal, body: StatementUploadCreate) -> StatementUploadOut:
    kind = "csv" if body.content_type == "text/csv" else "xml"
    key = documents.statement_upload_key(caller.tenant_id, new_id(), kind)
    url, fields = uploads.presigned_post(key, body.content_type, max_bytes=MAX_UPLOAD_BYTES)
    return StatementUploadOut(upload_key=key, upload_url=url, fields=fields, expires_in=uploads.UPLOAD_SECONDS,
                              max_bytes=MAX_UPLOAD_BYTES)


def import_upload(caller: Principal, upload_key: str) -> StatementImportAccepted:
    """An uploaded file: checked to be this tenant's upload, then read, parsed and imported by the worker."""
    if documents.statement_upload_kind(caller.tenant_id, upload_key) is None:
        raise ValidationFailed.one("uploadKey", "is not a statement uploaded through POST /bank-statements/uploads")
    size = documents.upload_size(upload_key)
    if size is None:
        raise ValidationFailed.one("uploadKey", "nothing was uploaded there (or the upload expired)")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationFailed.one("uploadKey", f"the upload is larger than {MAX_UPLOAD_BYTES} bytes")
    job = _new_job(caller, None, {"uploadKey": upload_key, "actor": caller.user_id or ""})
    try:
        _enqueue([{"kind": "plan", "tenantId": caller.tenant_id, "jobId": job.id}])
    except Exception:
        jobs.fail(caller.tenant_id, job.id, "The import could not be queued.")
        raise
    return StatementImportAccepted(job_id=job.id, status=job.status)


def _queue_chunk(tenant_id: str, job_id: str, statement_id: str, chunk: int) -> None:
    _enqueue([{"kind": "chunk", "tenantId": tenant_id, "jobId": job_id, "statementId": statement_id,
               "chunk": chunk}])


def handle_message(message: dict[str, Any], time_left_ms: Callable[[], int]) -> None:
    tenant_id, job_id = str(message["tenantId"]), str(message["jobId"])
    job = jobs.get_job(tenant_id, job_id)
    if job.status in ("completed", "failed"):
        return  # e.g. a message redriven from the DLQ after the job ended
    if message.get("kind") == "plan":
        statement_id = job.statement_id or _plan_upload(job)
        if statement_id:
            _queue_chunk(tenant_id, job_id, statement_id, 0)
        return
    _run_chunks(job, str(message["statementId"]), int(message["chunk"]), time_left_ms)


def _plan_upload(job: Job) -> str | None:
    """Read and parse the upload; a file that does not parse fails the job with nothing recorded."""
    key = job.params["uploadKey"]
    kind = documents.statement_upload_kind(job.tenant_id, key) or "xml"
    content = documents.read_upload(key)
    if content is None:
        jobs.fail(job.tenant_id, job.id, "The upload is gone (uploads expire after 7 days).")
        return None
    try:
        parsed = importing.parse(content, kind)
    except ValidationFailed as exc:
        detail = "; ".join(e.message for e in exc.errors or []) or str(exc)
        jobs.fail(job.tenant_id, job.id, f"The file is not a statement: {detail}"[:500])
        return None
    plan = lines.plan(parsed, lines.digest(content))
    statement_id = new_id()
    file_key = documents.statement_key(job.tenant_id, statement_id, kind)
    documents.put_statement(file_key, content, "application/xml" if kind == "xml" else "text/csv")
    statement = importing.new_statement(job.tenant_id, job.params.get("actor") or None, parsed, plan, file_key,
                                        len(content), statement_id, job_id=job.id)
    _write_chunks(job.tenant_id, statement_id, plan)
    store.put_statement(statement)
    jobs.start_import(job.tenant_id, job.id, plan.entries_read, statement_id)
    return statement_id


def chunk_count(lines_count: int, odd_count: int) -> int:
    return max(1, -(-lines_count // CHUNK), -(-odd_count // CHUNK))


def _write_chunks(tenant_id: str, statement_id: str, plan: lines.Plan) -> None:
    """Each chunk's lines as JSON beside the file: a chunk's work never includes reading the whole file."""
    for n in range(chunk_count(len(plan.lines), len(plan.odd))):
        part = slice(n * CHUNK, (n + 1) * CHUNK)
        documents.put_statement(documents.statement_chunk_key(tenant_id, statement_id, n),
                                lines.chunk_json(plan.lines[part], plan.odd[part]), "application/json")


def _chunk(statement: Statement, n: int) -> tuple[list[lines.Line], list[lines.Odd]]:
    content = documents.read(documents.statement_chunk_key(statement.tenant_id, statement.id, n))
    if content is None:
        raise NotFound("The statement's planned chunk is gone.")
    return lines.chunk_of(content)


_KNOWN: dict[tuple[str, str], Prefetched] = {}  # open invoices read for one statement, kept by a warm container


def _known(tenant_id: str, statement_id: str) -> Prefetched:
    """What earlier chunks of this statement read in this container (one statement at a time: bounded), so a
    building's open invoices are read once per container, not once per invocation. Stale lists are safe: every
    payment is conditioned on the invoices' versions and re-reads them on a conflict."""
    key = (tenant_id, statement_id)  # the organisation's own reads only, whatever the ids
    if key not in _KNOWN:
        _KNOWN.clear()
        _KNOWN[key] = Prefetched()
    return _KNOWN[key]


def _run_chunks(job: Job, statement_id: str, chunk: int, time_left_ms: Callable[[], int]) -> None:
    """Chunks in file order while the function's time allows. A chunk is counted once it is whole: one that the
    time cut short (its rest left ``pending``) is queued again and finished by the next delivery, which counts
    what the first one recorded (idempotent). The next chunk starts only with twice the last chunk's time left."""
    statement = store.get_statement(job.tenant_id, statement_id)
    chunks = chunk_count(statement.entries, statement.entries_read - statement.entries)
    ctx = Context(job.tenant_id, statement_id, statement.own_iban, statement.imported_by)
    known = _known(job.tenant_id, statement_id)
    while chunk < chunks:
        started = time.monotonic()
        chunk_lines, chunk_odd = _chunk(statement, chunk)
        counts = run_slice(ctx, chunk_lines, chunk_odd, time_left_ms, known)
        if counts.pending:
            _queue_chunk(job.tenant_id, job.id, statement_id, chunk)
            return
        processed = len(chunk_lines) + len(chunk_odd)
        jobs.import_progress(job.tenant_id, job.id, chunk, processed=processed,
                             counts=counts.model_dump(exclude={"events"}))
        chunk += 1
        took_ms = (time.monotonic() - started) * 1000
        if chunk < chunks and time_left_ms() < max(NEXT_CHUNK_MS, 2 * took_ms):
            _queue_chunk(job.tenant_id, job.id, statement_id, chunk)
            return
    _finish(job.tenant_id, job.id, statement)


def _finish(tenant_id: str, job_id: str, statement: Statement) -> None:
    job = jobs.get_job(tenant_id, job_id)
    if job.processed < job.total or not jobs.complete(tenant_id, job_id):
        return
    store.put_statement(importing.with_counts(statement, job))
    logger.info("statement imported", extra={"statement": statement.id, "job": job_id, "entries": job.total,
                                             "matched": job.matched})
