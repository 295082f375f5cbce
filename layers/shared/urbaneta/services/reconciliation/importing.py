"""``import_statement``: a statement file sent as the request body. A file that does not parse is refused whole
(422) with nothing recorded. A parsed one is kept in the documents bucket and imported entry by entry: in the
request when it is small, else (more than ASYNC_ENTRIES entries, or ``?async=true``) by the import worker, the
answer being 202 with a job.

Work per slice (services/reconciliation/slices.py): identities of every line are checked with BatchGetItem (100
per call), then their fallback slots; references, invoice numbers and payer IBANs are resolved with BatchGetItem
on their guard items; new entries and their slots are written in transactions of 40 lines, each conditioned on
not existing; every matched line becomes a payment in its own transaction (payment, dedupe guard, invoice
updates, credit, the entry's new status). A line is stored once per identity, so importing the same statement
again records nothing twice.

If the function's time runs short while payments are being applied, the rest of the matched entries stay
``pending`` and the answer says how many; importing the same file again finishes them.
"""

from __future__ import annotations

from collections.abc import Callable

from urbaneta.adapters import documents
from urbaneta.adapters.statements import ParsedStatement, StatementError, parse_statement
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.jobs import Job
from urbaneta.domain.payments import MAX_NOTES, EntryCounts, Statement
from urbaneta.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from urbaneta.models.payments import StatementImportAccepted, StatementImportOut, UnusableOut
from urbaneta.observability import logger, metrics
from urbaneta.services.reconciliation import lines
from urbaneta.services.reconciliation.slices import Context, run_slice
from urbaneta.store import statements as store

MAX_STATEMENT_BYTES = 5 * 1024 * 1024
ASYNC_ENTRIES = 2000  # above this many entries an import is left to the worker (API Gateway answers within 29 s)
XML_TYPES = ("application/xml", "text/xml")
CSV_TYPES = ("text/csv", "application/csv")
COUNTED = ("matched", "suggested", "unmatched", "ignored", "reversed", "duplicates", "pending", "unusable")


def kind_of(content_type: str | None) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in XML_TYPES:
        return "xml"
    if kind in CSV_TYPES:
        return "csv"
    raise UnsupportedMediaType("Send the statement as application/xml (camt.052/053/054, FiDAViSta) or text/csv "
                               "(bank export), or upload it and send its uploadKey as application/json.")


def parse(content: bytes, kind: str) -> ParsedStatement:
    """The file read whole, or ValidationFailed (422) naming what is wrong with it."""
    if not content.strip():
        raise ValidationFailed.one("file", "the file is empty")
    try:
        return parse_statement(content, "application/xml" if kind == "xml" else "text/csv")
    except StatementError as exc:
        raise ValidationFailed.one("file", str(exc)) from exc


def new_statement(tenant_id: str, actor: str | None, parsed: ParsedStatement, plan: lines.Plan, key: str, size: int,
                  statement_id: str, *, job_id: str | None = None) -> Statement:
    return Statement(id=statement_id, tenant_id=tenant_id, format=parsed.format, own_iban=parsed.own_iban,
                     file_key=key, file_size=size, entries=len(plan.lines), entries_read=plan.entries_read,
                     skipped=parsed.skipped, notes=[lines.note(u) for u in parsed.unusable[:MAX_NOTES]],
                     job_id=job_id, status="importing" if job_id else "completed", imported_by=actor,
                     created_at=now_iso())


def with_counts(statement: Statement, counts: EntryCounts | Job) -> Statement:
    return statement.model_copy(update={**{n: getattr(counts, n, 0) for n in COUNTED}, "status": "completed"})


def out(s: Statement) -> StatementImportOut:
    return StatementImportOut(id=s.id, format=s.format, entries=s.entries, matched=s.matched, suggested=s.suggested,
                              unmatched=s.unmatched, ignored=s.ignored, reversed=s.reversed,
                              duplicates=s.duplicates, pending=s.pending, entries_read=s.entries_read,
                              unusable=[UnusableOut.of(n) for n in s.notes], unusable_count=s.unusable,
                              skipped=s.skipped, status=s.status, job_id=s.job_id)


def import_statement(caller: Principal, content: bytes, content_type: str | None,
                     time_left_ms: Callable[[], int] | None = None, *, max_bytes: int = MAX_STATEMENT_BYTES,
                     asynchronous: bool = False) -> StatementImportOut | StatementImportAccepted:
    """``max_bytes``: the HTTP route keeps the 5 MB limit; the benchmark imports larger files directly."""
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"A statement file is at most {max_bytes} bytes; upload a larger one "
                              "(POST /bank-statements/uploads).")
    kind = kind_of(content_type)
    parsed = parse(content, kind)
    plan = lines.plan(parsed, lines.digest(content))
    statement_id = new_id()
    key = documents.statement_key(caller.tenant_id, statement_id, kind)
    documents.put_statement(key, content, "application/xml" if kind == "xml" else "text/csv")
    if asynchronous or plan.entries_read > ASYNC_ENTRIES:
        from urbaneta.services.reconciliation import background

        return background.start_job(caller, parsed, plan, key, len(content), statement_id)
    statement = new_statement(caller.tenant_id, caller.user_id, parsed, plan, key, len(content), statement_id)
    store.put_statement(statement)
    ctx = Context(caller.tenant_id, statement_id, parsed.own_iban, caller.user_id)
    counts = run_slice(ctx, plan.lines, plan.odd, time_left_ms)
    statement = with_counts(statement, counts)
    store.put_statement(statement)
    metrics.add_metric(name="StatementEntriesImported", unit="Count", value=plan.entries_read)
    logger.info("statement imported", extra={"statement": statement_id, "format": parsed.format,
                                             "entries": plan.entries_read, "matched": counts.matched,
                                             "unusable": len(plan.odd)})
    return out(statement)
