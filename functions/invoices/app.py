"""Invoices and jobs: /invoices (list, generate-bulk, send-bulk), /invoices/{id} (read, PATCH life cycle),
/invoices/{id}/pdf, /invoices/{id}/credit-note, /jobs/{id}."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import ValidationError

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import EVERYONE, FINANCE, READERS
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
from urbaneta.http.errors import from_validation_errors
from urbaneta.http.responses import accepted, created, doc, no_content, ok, page
from urbaneta.models.invoices import (
    DraftLines,
    GenerateBulk,
    InvoiceCreate,
    InvoiceOut,
    InvoicePatch,
    JobAccepted,
    JobOut,
    SendBulk,
)
from urbaneta.models.reminders import ReminderOut
from urbaneta.services.invoicing import queries  # the common first request; the rarer routes load their own

start("invoices")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query(description="1..100, default 25")]
Cursor = Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")]
Filter = Annotated[str | None, Query(max_length=64)]
Day = Annotated[str | None, Query(max_length=10, description="issue date YYYY-MM-DD (inclusive)")]


@app.post("/invoices/generate-bulk", responses=doc(202, JobAccepted, description="The generation job"))
@allow(FINANCE)
def generate_bulk(body: Annotated[GenerateBulk, Body()]):
    """Generate a building's invoices for a period

    Bills every apartment of `buildingId` for `periodStart`..`periodEnd` from the building's
    charges, as drafts dated `issueDate` (default today) and due `dueDate` (default: the building's `dueDays` later).
    Answers 202 with a job to follow at GET /jobs/{id}. An apartment that already has an invoice for the period is
    skipped, so generating again creates no duplicates. 422 when the period or the dates are reversed or the building
    has no charges; 409 while another job generates the same building and period.
    """
    from urbaneta.services.invoicing import starting

    return accepted(starting.start_generation(principal(), body).wire())


@app.post("/invoices/send-bulk", responses=doc(202, JobAccepted, description="The sending job"))
@allow(FINANCE)
def send_bulk(body: Annotated[SendBulk, Body()]):
    """E-mail invoices with their PDFs

    Sends the drafts of `buildingId`, or the given `invoiceIds` (up to 1,000), one e-mail per
    invoice with its PDF; each sent invoice becomes `sent`. Answers 202 with a job to follow at GET /jobs/{id}: invoices
    that are not drafts are skipped, and unknown ones or ones without an e-mail address are reported in its `errors`.
    Neither `buildingId` nor `invoiceIds` is 422.
    """
    from urbaneta.services.invoicing import sending

    return accepted(sending.start_sending(principal(), body).wire())


@app.get("/invoices", responses=doc(200, InvoiceOut, many=True))
@allow(EVERYONE)
def list_invoices(building_id: Annotated[str | None, Query(alias="buildingId", max_length=64)] = None,
                  apartment_id: Annotated[str | None, Query(alias="apartmentId", max_length=64)] = None,
                  status: Filter = None, issued_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                  to: Day = None, limit: Limit = None, cursor: Cursor = None):
    """List invoices

    Staff see the organisation's invoices; residents see their apartments' issued invoices,
    never drafts (with several apartments, `apartmentId` is required: 422; another apartment is 404). Filters:
    `buildingId`, `apartmentId`, `status`, and the issue-date range `from`/`to` (YYYY-MM-DD, inclusive). Paged with
    `limit` (1..100, default 25) and `cursor` (the previous page's `nextCursor`).
    """
    items, next_cursor = queries.list_invoices(principal(), building_id=building_id, apartment_id=apartment_id,
                                               status=status, issued_from=issued_from, issued_to=to, limit=limit,
                                               cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/invoices/<invoice_id>", responses=doc(200, InvoiceOut))
@allow(EVERYONE)
def get_invoice(invoice_id: Id):
    """Get an invoice with its lines

    Everyone; residents may read their apartments' issued invoices only. Another organisation's invoice, another
    resident's, or a draft asked for by a resident, is 404. The answer carries an `ETag` for PATCH.
    """
    return ok(queries.get_invoice(principal(), invoice_id).wire())


@app.patch("/invoices/<invoice_id>", responses=doc(200, InvoiceOut))
@allow(FINANCE)
def patch_invoice(invoice_id: Id, body: Annotated[InvoicePatch, Body()]):
    """Move an invoice along its life cycle

    `status` moves a draft to `sent`, or a sent or overdue invoice to `paid` (the whole balance, on
    `paidDate` or today); `paidDate` alone corrects a paid invoice's date, and `reference` is stored. Any other
    transition, a cancelled invoice, or paying a credit note is 409; with `If-Match` a stale change is 412. Publishes
    `invoice.sent` or `invoice.paid`.
    """
    from urbaneta.services.invoicing import lifecycle

    return ok(lifecycle.patch_invoice(principal(), invoice_id, body, if_match()).wire())


@app.post("/invoices", responses=doc(201, InvoiceOut), summary="Create a one-off invoice",
          description="Free lines for one apartment (a key replacement, a repair charged to one owner): a draft with "
                      "the next number of the building's series, the apartment's reference, the same PDF, e-mail "
                      "(send-bulk with `invoiceIds`) and events as monthly invoices. Posted to the apartment account.")
@allow(FINANCE)
def create_invoice(body: Annotated[InvoiceCreate, Body()]):
    from urbaneta.services.invoicing import oneoff

    out = oneoff.create_invoice(principal(), body)
    return created(out.wire(), location=f"/api/invoices/{out.id}")


@app.put("/invoices/<invoice_id>/lines", responses=doc(200, InvoiceOut), summary="Replace a draft's lines",
         description="Until it is issued (sent), a draft's lines can be replaced; the account gets an adjustment of "
                     "the difference. 409 for an issued invoice or a draft that has received money.")
@allow(FINANCE)
def replace_lines(invoice_id: Id, body: Annotated[DraftLines, Body()]):
    from urbaneta.services.invoicing import oneoff

    return ok(oneoff.replace_lines(principal(), invoice_id, body).wire())


@app.delete("/invoices/<invoice_id>", responses=doc(204), summary="Delete a draft",
            description="A draft is deleted by cancelling it: its number stays used (the series has no gap) and its "
                        "total is taken back from the account. 409 for an issued invoice.")
@allow(FINANCE)
def delete_draft(invoice_id: Id):
    from urbaneta.services.invoicing import oneoff

    oneoff.delete_draft(principal(), invoice_id)
    return no_content()


@app.get("/invoices/<invoice_id>/pdf", responses=doc(200, description="The invoice as a PDF",
                                                            media_type="application/pdf"))
@allow(EVERYONE)
def get_pdf(invoice_id: Id):
    """Download an invoice as a PDF

    Everyone; residents for their apartments' issued invoices only (404 otherwise). The A4 PDF is rendered once, on
    first need, then kept and served as it is (`application/pdf`, named after the invoice number).
    """
    from urbaneta.services.invoicing import documents

    filename, content = documents.get_pdf(principal(), invoice_id)
    return Response(status_code=200, content_type="application/pdf", body=content,
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@app.post("/invoices/<invoice_id>/credit-note", responses=doc(201, InvoiceOut))
@allow(FINANCE)
def credit_note(invoice_id: Id):
    """Issue a credit note for an invoice, whole or in part

    Without a body: a credit note of the whole unpaid invoice (negative amounts, its own number of the same series),
    and the invoice becomes cancelled; an invoice that is cancelled, is itself a credit note or has payments is 409.
    With a body `{lines: [positions] | amount, reason, refund?}`: a partial credit note, also on a paid or partly
    paid invoice; the invoice's balance falls, and the part already paid becomes apartment credit (or, with
    `refund`, a recorded refund). Both are entries of the apartment account; answers 201 with the note and its
    `Location`. Publishes `invoice.cancelled`/`credit_note.issued` and `invoice.created`.
    """
    raw = app.current_event.body or ""
    if raw.strip():  # the account's rules load only for a partial credit note (a rare request: cold starts stay small)
        from urbaneta.models.accounts import CreditNoteCreate
        from urbaneta.services.accounts import corrections

        try:
            body = CreditNoteCreate.model_validate_json(app.current_event.decoded_body or "{}")
        except ValidationError as exc:
            raise from_validation_errors([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
        out = corrections.partial_credit_note(principal(), invoice_id, body)
    else:
        from urbaneta.services.invoicing import lifecycle

        out = lifecycle.create_credit_note(principal(), invoice_id)
    return created(out.wire(), location=f"/api/invoices/{out.id}")


@app.post("/invoices/<invoice_id>/remind", responses=doc(200, ReminderOut))
@allow(FINANCE)
def remind(invoice_id: Id):
    """Send a payment reminder by hand

    E-mails the next reminder level of the building (`billing.reminders`) after the last one sent for this invoice,
    in the recipient's language, with the manager's message as typed (and the account statement PDF when the
    level says so). Recorded like the daily schedule's: a zero-amount `reminder` entry of the apartment account and
    `invoice.reminder_sent`. 409 when the invoice is not sent or overdue and unpaid, when every level was sent,
    when the apartment's reminders are paused, or when the invoice has no e-mail address.
    """
    from urbaneta.services.invoicing import reminders

    return ok(reminders.remind(principal(), invoice_id).wire())


@app.get("/jobs/<job_id>", responses=doc(200, JobOut))
@allow(READERS)
def get_job(job_id: Id):
    """Follow a bulk job or a statement import

    The job's `type`, `status` and progress: for invoice generation or sending `total`,
    `processed`, `created`, `skipped`, `failed` and `errors`; for a statement import `total` (entries read),
    `processed`, `matched`, `unmatched`, `ignored`, `unusable`, `duplicates` and `statementId`. Another organisation's
    job is 404.
    """
    return ok(JobOut.of(queries.get_job(principal(), job_id)).wire())


handler = make_handler(app)
