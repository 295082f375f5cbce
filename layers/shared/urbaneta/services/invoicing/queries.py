"""Invoice reads: one invoice, the list (PageRequest/Page), a job."""


from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.domain.invoices import INVOICE_STATUSES
from urbaneta.domain.jobs import Job
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.invoices import InvoiceOut
from urbaneta.services.invoicing.common import visible
from urbaneta.services.params import query_date
from urbaneta.store import invoices as store
from urbaneta.store import jobs
from urbaneta.store.pages import Page, PageRequest, parse_limit


def get_invoice(caller: Principal, invoice_id: str) -> InvoiceOut:
    return InvoiceOut.of(visible(caller, invoice_id))


def list_invoices(caller: Principal, *, building_id: str | None, apartment_id: str | None, status: str | None,
                  issued_from: str | None, issued_to: str | None, limit: str | None, cursor: str | None
                  ) -> Page[InvoiceOut]:
    size = parse_limit(limit)
    if status and status not in INVOICE_STATUSES:
        raise ValidationFailed.one("status", f"must be one of {', '.join(INVOICE_STATUSES)}")
    lo, hi = query_date(issued_from, "from"), query_date(issued_to, "to")
    if lo and hi and lo > hi:
        raise ValidationFailed.one("to", "must not be before from")
    window: tuple[date | None, date | None] = (None, None)
    if not caller.is_staff:
        apartment_id = _residents_apartment(caller, apartment_id)
        if apartment_id is None or status == "draft":
            return Page([])
        windows = caller.invoice_windows(apartment_id)
        if len(windows) == 1:  # several past residences of one apartment: each invoice is checked below
            window = windows[0]
    scope = (f"invoices|b={building_id}|a={apartment_id}|s={status}|f={lo}|t={hi}|staff={caller.is_staff}"
             f"|w={window[0]}-{window[1]}")
    req = PageRequest.parse(caller.tenant_id, scope, limit=size, cursor=cursor)
    items, last = store.list_invoices_page(caller.tenant_id, building_id=building_id, apartment_id=apartment_id,
                                           status=status, issued_from=lo, issued_to=hi, limit=req.limit,
                                           start_key=req.start, hide_drafts=not caller.is_staff,
                                           period_end_from=window[0], period_end_before=window[1])
    # the filter narrows the query; this check decides (whatever the query or a cursor returned)
    seen = [i for i in items if caller.can_see_invoice(i.apartment_id, i.status, i.period_end)]
    return req.page([InvoiceOut.of(i) for i in seen], last)


def _residents_apartment(caller: Principal, apartment_id: str | None) -> str | None:
    """The apartment a resident lists: the one named (404 unless they read its invoices: one they live in, or
    a former one kept with its past invoices), else their only one (422 when they have several)."""
    mine = caller.invoice_apartments()
    if apartment_id is not None:
        if apartment_id not in mine:
            raise NotFound("Apartment not found.")
        return apartment_id
    if len(mine) > 1:
        raise ValidationFailed.one("apartmentId", "is required when you have several apartments")
    return next(iter(mine), None)


def get_job(caller: Principal, job_id: str) -> Job:
    return jobs.get_job(caller.tenant_id, job_id)
