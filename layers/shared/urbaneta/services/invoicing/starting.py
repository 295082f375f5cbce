"""Starting a generation job (the request side of ``POST /invoices/generate-bulk``): checks, the building and
period lock, the job and the plan message. The worker's side, which imports the payment rules to apply apartment
credit, is ``generation``; keeping them apart keeps the API function's cold start small."""

from __future__ import annotations

import time

from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import billing
from urbaneta.domain.jobs import Job
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.invoices import GenerateBulk, JobAccepted
from urbaneta.models.messages import GenerationPlan
from urbaneta.services.invoicing.common import enqueue
from urbaneta.store import invoices as store
from urbaneta.store import jobs

LOCK_SECONDS = 3600  # a generation lock outlives a stuck job by at most this


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
        enqueue("generation", [GenerationPlan(tenant_id=job.tenant_id, job_id=job.id)])
    except Exception:
        jobs.fail(job.tenant_id, job.id, "The job could not be queued.")  # frees the building and period
        raise
    return JobAccepted(job_id=job.id, status=job.status)
