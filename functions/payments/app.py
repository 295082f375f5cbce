"""Payments: manual payments, bank links (Paysera, MakeCommerce) and their callbacks, bank statement import,
statement entries and matching by hand."""

import base64
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import ValidationError

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import EVERYONE, FINANCE, READERS
from urbaneta.errors import Conflict, ValidationFailed
from urbaneta.http.app import allow, create_app, make_handler, principal, public
from urbaneta.http.responses import created, doc, html, ok, page
from urbaneta.models.payments import (
    BanklinkCreate,
    BanklinkOut,
    EntryMatch,
    EntryOut,
    ManualPaymentCreate,
    PaymentOut,
    PaymentReverse,
    StatementImportAccepted,
    StatementImportOut,
    StatementImportRequest,
    StatementOut,
    StatementUploadCreate,
    StatementUploadOut,
)
from urbaneta.services import payment_reads as reads

# Recording a payment, bank links, the invoice's hosted page and statement import load their services on their own
# routes: the first request (a list or a payment) pays only for the reads.
start("payments")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
DATE = r"^\d{4}-\d{2}-\d{2}$"


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


@app.post("/payments", responses=doc(201, PaymentOut))
@allow(FINANCE)
def record_payment(body: Annotated[ManualPaymentCreate, Body()]):
    """Record a payment by hand

    A payment seen elsewhere (`method` bank_transfer, cash, card or other) of `amount` on
    `paidDate` (not in the future: 422) for `invoiceId`. It pays that invoice first, then the apartment's other open
    invoices, oldest due first; any rest becomes the apartment's credit. An invoice that is not draft, sent or overdue
    is 409. Answers 201 with `Location`; send an `Idempotency-Key` to retry safely.
    """
    from urbaneta.services import payments as service

    out = service.record_manual_payment(principal(), body)
    return created(out.wire(), location=f"/api/payments/{out.id}")


@app.get("/payments", responses=doc(200, PaymentOut, many=True))
@allow(EVERYONE)
def list_payments(
    invoice_id: Annotated[str | None, Query(alias="invoiceId", min_length=1, max_length=64)] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    """List payments

    Staff see every payment of the organisation, or one invoice's (`invoiceId`); residents must
    give `invoiceId` (422 otherwise) of one of their apartments' issued invoices (404 otherwise). `from`/`to` narrow the
    payment dates (YYYY-MM-DD, inclusive). Paged with `limit` (1..100, default 25) and `cursor` (the previous page's
    `nextCursor`).
    """
    items, next_cursor = reads.list_payments(principal(), invoice_id=invoice_id, date_from=date_from,
                                               date_to=date_to, limit_raw=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/payments/<payment_id>", responses=doc(200, PaymentOut))
@allow(EVERYONE)
def get_payment(payment_id: Id):
    """Get a payment

    Everyone; residents may read their apartments' payments only. Another organisation's or another resident's payment
    is 404. The answer shows how it was allocated to invoices and any credit left.
    """
    return ok(reads.get_payment(principal(), payment_id).wire())


@app.post("/payments/<payment_id>/reverse", responses=doc(200, PaymentOut), summary="Reverse a payment",
          description="Undo a received payment with a reason: its invoices reopen, its credit is taken back, the "
                      "apartment account shows the payment and its reversal. Publishes `payment.reversed`. A "
                      "reversed (or pending) payment is 409.")
@allow(FINANCE)
def reverse_payment(payment_id: Id, body: Annotated[PaymentReverse, Body()]):
    from urbaneta.services.accounts import corrections  # loaded only for a reversal (rare)
    return ok(corrections.reverse_by_hand(principal(), payment_id, body.reason).wire())


@app.post("/payments/banklink", responses=doc(201, BanklinkOut))
@allow(EVERYONE)
def start_banklink(body: Annotated[BanklinkCreate, Body()]):
    """Start a bank-link payment of an invoice

    Everyone; residents for their apartments' issued invoices (404 otherwise). Creates a pending payment of the
    invoice's open balance with the `provider` (paysera or maksekeskus) and answers 201 with the `redirectUrl` the
    payer's browser goes to; the payer comes back to `returnUrl` (or `cancelUrl`). The payment is recorded once the
    provider's callback confirms it. An invoice with nothing left to pay, or a provider not configured, is 409.
    """
    from urbaneta.services import banklinks

    ip = app.current_event.request_context.http.source_ip
    return created(banklinks.start_banklink(principal(), body, ip).wire())


# ---- the invoice's hosted page (signed, expiring link from the invoice e-mail) --------------------------------

PayToken = Annotated[str, Path(min_length=1, max_length=400)]


def _language() -> str | None:
    return app.current_event.get_header_value("accept-language")


@app.get("/pay/<token>", include_in_schema=False)
@public
def invoice_page(token: PayToken):
    from urbaneta.services.hosted import invoices as hosted

    out = hosted.invoice_page(token, _language())
    return html(out.status, out.html)


@app.get("/pay/<token>/pdf", include_in_schema=False)
@public
def invoice_page_pdf(token: PayToken):
    from urbaneta.services.hosted import invoices as hosted
    from urbaneta.services.hosted.common import not_found

    found = hosted.invoice_pdf(token)
    if found is None:
        out = not_found(_language())
        return html(out.status, out.html)
    from urllib.parse import quote

    ascii_name = found.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(200, "application/pdf", found.content, headers={
        "Content-Disposition": f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}",
        "Cache-Control": "no-store"})


@app.post("/pay/<token>/banklink", include_in_schema=False)
@public
def invoice_page_banklink(token: PayToken):
    """The page's "pay by bank link" form (provider=…): 303 to the provider's payment page; an invoice with
    nothing left to pay, or a provider not configured, goes back to the page, which says why."""
    from urllib.parse import parse_qs

    from urbaneta.services.hosted import invoices as hosted
    from urbaneta.services.hosted.common import not_found

    provider = (parse_qs(_raw_body().decode("utf-8", "replace")).get("provider") or [""])[0]
    if provider not in hosted.PROVIDER_NAMES:
        return _see_other(hosted.page_url(token))
    try:
        url = hosted.start_banklink(token, provider, app.current_event.request_context.http.source_ip)
    except Conflict:
        url = hosted.page_url(token)
    if url is None:
        out = not_found(_language())
        return html(out.status, out.html)
    return _see_other(url)


def _see_other(url: str) -> Response:
    return Response(303, "text/plain", "", headers={"Location": url, "Cache-Control": "no-store"})


PAYSERA = ("Paysera checkout 1.6 callback (form or query: data, ss1, ss2, ss3), verified by ss3 (RSA-SHA256 with "
           "Paysera's public key), ss2 (RSA-SHA1) or ss1, or an encrypted callback (data only: AES-256-GCM with "
           "the project password); status 1 pays, 0 fails the order, 2 and 3 leave it pending; answers "
           "text/plain OK.")


@app.post("/payments/callbacks/paysera", description=PAYSERA)
@app.get("/payments/callbacks/paysera", description=PAYSERA)
@public
def paysera_callback():
    """Receive a Paysera payment callback"""
    from urbaneta.services import banklinks

    answer = banklinks.paysera_callback(_raw_body().decode("utf-8", "replace"),
                                        app.current_event.query_string_parameters)
    return Response(status_code=200, content_type="text/plain", body=answer)


@app.post("/payments/callbacks/maksekeskus",
          description="MakeCommerce notification (form: json, mac = uppercase SHA-512 of json + secret key).")
@public
def maksekeskus_callback():
    """Receive a MakeCommerce payment notification"""
    from urbaneta.services import banklinks

    answer = banklinks.maksekeskus_callback(_raw_body().decode("utf-8", "replace"),
                                          app.current_event.query_string_parameters)
    return ok(answer)


IMPORT = (
    "The statement file is the body: application/xml for ISO 20022 camt.052/053/054 (.001.02 … .001.08) and "
    "FiDAViSta, text/csv for the Baltic banks' exports. At most 5 MB (413); DTDs and entities are refused (422), "
    "as is any file that does not parse (nothing is recorded). Entries that cannot be used are recorded with a "
    "reason and listed in ``unusable``; they never block the rest. A larger file is uploaded first (POST "
    "/bank-statements/uploads) and imported by sending ``{\"uploadKey\": …}`` as application/json. An uploaded "
    "file, a file of more than 2,000 entries, or ``?async=true`` is imported in the background: 202 with a job "
    "(GET /jobs/{jobId} shows entries read, processed, matched, unmatched, ignored).")


@app.post("/bank-statements/import", description=IMPORT, responses={
    **doc(201, StatementImportOut), **doc(202, StatementImportAccepted),
    415: {"description": "Not application/xml, text/csv or application/json"}})
@allow(FINANCE)
def import_statement(asynchronous: Annotated[str | None, Query(alias="async", pattern="^(true|false)$")] = None):
    """Import a bank statement"""
    from urbaneta.services import reconciliation

    event = app.current_event
    content_type = event.get_header_value("content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() == "application/json":
        try:
            body = StatementImportRequest.model_validate_json(_raw_body() or b"{}")
        except ValidationError as exc:
            raise ValidationFailed.one("uploadKey", "send {\"uploadKey\": …} from POST /bank-statements/uploads") \
                from exc
        started = reconciliation.import_upload(principal(), body.upload_key)
        return ok(started.wire(), status=202, headers={"Location": f"/api/jobs/{started.job_id}"})
    out = reconciliation.import_statement(principal(), _raw_body(), content_type,
                                          app.lambda_context.get_remaining_time_in_millis,
                                          asynchronous=asynchronous == "true")
    if isinstance(out, StatementImportAccepted):
        return ok(out.wire(), status=202, headers={"Location": f"/api/jobs/{out.job_id}"})
    return created(out.wire(), location=f"/api/bank-statements/{out.id}")


@app.post("/bank-statements/uploads", responses=doc(201, StatementUploadOut))
@allow(FINANCE)
def statement_upload(body: Annotated[StatementUploadCreate, Body()]):
    """Get an upload URL for a large bank statement

    Answers 201 with a presigned S3 POST for one statement file (`contentType` application/xml,
    text/xml or text/csv) of up to 100 MB, valid 15 minutes: send `fields` plus the file (form field `file`, last) to
    `uploadUrl`, then POST /bank-statements/import with `{"uploadKey": ...}` as application/json. That import runs in
    the background: 202 with a job to follow at GET /jobs/{id}.
    """
    from urbaneta.services import reconciliation

    return created(reconciliation.upload(principal(), body).wire())


@app.get("/bank-statements/<statement_id>", responses=doc(200, StatementOut))
@allow(READERS)
def get_statement(
    statement_id: Id,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    """Get an imported bank statement with its entries

    The statement's format, own IBAN and counts (matched, suggested, unmatched, ignored, unusable
    and more), and its entries with what each was matched to. The entries are paged with `limit` (1..100, default 25)
    and `cursor` (the previous page's `nextCursor`). Unknown id 404.
    """
    from urbaneta.services import reconciliation

    return ok(reconciliation.get_statement(principal(), statement_id, limit, cursor).wire())


@app.post("/bank-statements/<statement_id>/entries/<entry_id>/match", responses=doc(200, EntryOut))
@allow(FINANCE)
def match_entry(statement_id: Id, entry_id: Id, body: Annotated[EntryMatch, Body()]):
    """Match a statement entry to an invoice

    Match an unmatched entry by hand, or confirm a suggestion: it becomes a bank-statement payment
    of `invoiceId`, allocated like any payment. Only money received can be matched; an entry matched or ignored before,
    an invoice that takes no payments, or another currency is 409. An unknown statement, entry or invoice is 404.
    """
    from urbaneta.services import reconciliation

    return ok(reconciliation.match_entry(principal(), statement_id, entry_id, body).wire())


handler = make_handler(app)
