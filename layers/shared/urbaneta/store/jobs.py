"""Jobs (bulk generation, bulk sending): ``PK = T#<t>#JOB#<id>``, ``SK = JOB``.

Progress moves with ``progress`` — one UpdateItem per chunk, conditioned on the chunk not having been counted yet
(``doneChunks``, a number set), so a redelivered chunk never counts twice."""

from __future__ import annotations

from collections.abc import Sequence

from urbaneta.clock import now_iso
from urbaneta.domain.jobs import Job
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys
from urbaneta.store.table import Item, get, plain_item, put_new, strip_keys, update

MAX_ERRORS = 500  # a job keeps about this many error entries (MAX_ERRORS plus one chunk's at most); counts stay exact




def create_job(job: Job) -> None:
    put_new({**keys.job(job.tenant_id, job.id), "entity": "job", **plain_item(job)})


def get_job_item(tenant_id: str, job_id: str) -> Item:
    item = get(keys.job(tenant_id, job_id))
    if not item:
        raise NotFound("Job not found.")
    return item


def plan_key(tenant_id: str, job_id: str) -> str:
    """The key the job's plan signs its chunk messages with: made by the first plan, kept by redeliveries of
    it. Only the table holds it (never a message or an API answer)."""
    import secrets

    item = update(keys.job(tenant_id, job_id), "SET planKey = if_not_exists(planKey, :k)",
                  vals={":k": secrets.token_hex(32)}, condition="attribute_exists(PK)")
    return str((item or {})["planKey"])


def get_job(tenant_id: str, job_id: str) -> Job:
    return Job.model_validate(strip_keys(get_job_item(tenant_id, job_id)))


def start(tenant_id: str, job_id: str, total: int, errors: Sequence[dict[str, str]] = (), failed: int = 0) -> None:
    """The plan is made: the total is known and the job runs (or is complete at once when there is nothing to do).
    Idempotent: a replanned job keeps its progress."""
    done = total == 0 or failed >= total
    update(keys.job(tenant_id, job_id),
           "SET #total = :total, #st = :st, updatedAt = :now, #errors = :errors, #failed = :failed",
           names={"#total": "total", "#st": "status", "#errors": "errors", "#failed": "failed"},
           vals={":total": total, ":st": "completed" if done else "running", ":now": now_iso(),
                 ":errors": list(errors)[:MAX_ERRORS], ":failed": failed, ":queued": "queued"},
           condition="#st = :queued", return_new=False)


def complete_empty(tenant_id: str, job_id: str) -> None:
    """A job with nothing to do is complete as soon as it is planned."""
    try:
        start(tenant_id, job_id, 0)
    except Conflict:
        return


def progress(tenant_id: str, job_id: str, chunk: int, *, total: int, processed: int, created: int = 0,
             skipped: int = 0, failed: int = 0, errors: Sequence[dict[str, str]] = ()) -> Job | None:
    """Count one chunk, once (``doneChunks`` remembers it), and mark the job running with its total (every chunk
    carries the plan's total): the job as it is now, or None when this chunk had been counted already (a
    redelivery) or the job failed."""
    try:
        item = update(
            keys.job(tenant_id, job_id),
            "ADD #processed :p, #created :c, #skipped :s, #failed :f, doneChunks :chunkset "
            "SET #total = :total, #st = :running, updatedAt = :now",
            names={"#processed": "processed", "#created": "created", "#skipped": "skipped", "#failed": "failed",
                   "#total": "total", "#st": "status"},
            vals={":p": processed, ":c": created, ":s": skipped, ":f": failed, ":chunkset": {chunk}, ":chunk": chunk,
                  ":now": now_iso(), ":total": total, ":running": "running", ":queued": "queued"},
            condition="attribute_exists(PK) AND #st IN (:queued, :running) "
                      "AND (attribute_not_exists(doneChunks) OR NOT contains(doneChunks, :chunk))",
        )
    except Conflict:
        return None
    if errors:
        _keep_errors(tenant_id, job_id, errors)
    return Job.model_validate(strip_keys(item or {}))


def _keep_errors(tenant_id: str, job_id: str, errors: Sequence[dict[str, str]]) -> None:
    """Append a chunk's errors while the job keeps fewer than MAX_ERRORS (so the item never grows with the job:
    at most MAX_ERRORS plus one chunk's entries); beyond, only the counts tell. One call, only for a chunk with
    errors, after the chunk was counted."""
    try:
        update(keys.job(tenant_id, job_id), "SET #errors = list_append(if_not_exists(#errors, :empty), :errs)",
               names={"#errors": "errors"}, vals={":empty": [], ":errs": list(errors)[:MAX_ERRORS], ":max": MAX_ERRORS},
               condition="attribute_exists(PK) AND (attribute_not_exists(#errors) OR size(#errors) < :max)",
               return_new=False)
    except Conflict:
        return


def complete(tenant_id: str, job_id: str) -> bool:
    """running → completed once every item is processed; True for the one caller that completed it."""
    try:
        update(keys.job(tenant_id, job_id), "SET #st = :done, updatedAt = :now",
               names={"#st": "status", "#p": "processed", "#total": "total"},
               vals={":done": "completed", ":running": "running", ":now": now_iso()},
               condition="#st = :running AND #p >= #total", return_new=False)
    except Conflict:
        return False
    return True


def fail(tenant_id: str, job_id: str, message: str) -> None:
    """The job cannot go on (e.g. its building was deleted)."""
    update(keys.job(tenant_id, job_id),
           "SET #st = :failed, #errors = list_append(if_not_exists(#errors, :empty), :errs), updatedAt = :now",
           names={"#st": "status", "#errors": "errors"},
           vals={":failed": "failed", ":empty": [], ":errs": [{"message": message}], ":now": now_iso(),
                 ":done": "completed"},
           condition="attribute_exists(PK) AND #st <> :done", return_new=False)


IMPORT_COUNTS = ("matched", "suggested", "unmatched", "ignored", "reversed", "duplicates", "unusable")


def start_import(tenant_id: str, job_id: str, total: int, statement_id: str) -> None:
    """A statement import's file is read: its entries are the total; the job runs. A replanned job is left as is."""
    try:
        update(keys.job(tenant_id, job_id), "SET #total = :total, #st = :running, statementId = :sid, updatedAt = :now",
               names={"#total": "total", "#st": "status"},
               vals={":total": total, ":running": "running", ":sid": statement_id, ":now": now_iso(),
                     ":queued": "queued"},
               condition="#st = :queued", return_new=False)
    except Conflict:
        return


def import_progress(tenant_id: str, job_id: str, chunk: int, *, processed: int, counts: dict[str, int]) -> Job | None:
    """Count one chunk of a statement import once (``doneChunks``); None when it had been counted already."""
    names = {f"#{n}": n for n in IMPORT_COUNTS}
    adds = ", ".join(f"#{n} :{n}" for n in IMPORT_COUNTS)
    try:
        item = update(
            keys.job(tenant_id, job_id), f"ADD #processed :p, {adds}, doneChunks :chunkset SET updatedAt = :now",
            names={**names, "#processed": "processed", "#st": "status"},
            vals={":p": processed, **{f":{n}": int(counts.get(n, 0)) for n in IMPORT_COUNTS},
                  ":chunkset": {chunk}, ":chunk": chunk, ":now": now_iso(), ":running": "running",
                  ":queued": "queued"},
            condition="attribute_exists(PK) AND #st IN (:queued, :running) "
                      "AND (attribute_not_exists(doneChunks) OR NOT contains(doneChunks, :chunk))",
        )
    except Conflict:
        return None
    return Job.model_validate(strip_keys(item or {}))
