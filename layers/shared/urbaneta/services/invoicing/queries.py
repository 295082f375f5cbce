"""Invoice reads: one invoice, the list (PageRequest/Page), a job."""


from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.domain.invoices import INVOICE_STATUSES
from urbaneta.domain.jobs import Job
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.invoices import InvoiceOut
from urbaneta.services.invoicing.common import visible
from urbaneta.store import invoices as store
from urbaneta.store import jobs
from urbaneta.store.pages import Page, PageRequest, parse_limit


def get_invoice(caller: Principal, invoice_id: str) -> InvoiceOut:
    return InvoiceOut.of(visible(caller, invoice_id))


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
