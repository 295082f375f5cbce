"""Payments: manual payments, bank links (Paysera, MakeCommerce) and their callbacks, bank statement import,
statement entries and matching by hand."""

import base64
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import ValidationError

from urbaneta.auth.principal import EVERYONE, STAFF
from urbaneta.errors import ValidationFailed
from urbaneta.http.app import allow, create_app, make_handler, principal, public
from urbaneta.http.responses import created, doc, ok, page
from urbaneta.models.accounts import PaymentReverse
from urbaneta.models.payments import (
    BanklinkCreate,
    BanklinkOut,
    EntryMatch,
    EntryOut,
    ManualPaymentCreate,
    PaymentOut,
    StatementImportAccepted,
    StatementImportOut,
    StatementImportRequest,
    StatementOut,
    StatementUploadCreate,
    StatementUploadOut,
)
from urbaneta.services import banklinks, reconciliation
from urbaneta.services import payments as service
from urbaneta.services.accounts import corrections
from urbaneta.settings import require

require("payments")  # fails the cold start, naming any missing variable (settings.NEEDS)

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
DATE = r"^\d{4}-\d{2}-\d{2}$"


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


@app.post("/payments", responses=doc(201, PaymentOut))
@allow(STAFF)
def record_payment(body: Annotated[ManualPaymentCreate, Body()]):
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
    items, next_cursor = service.list_payments(principal(), invoice_id=invoice_id, date_from=date_from,
                                               date_to=date_to, limit_raw=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/payments/<payment_id>", responses=doc(200, PaymentOut))
@allow(EVERYONE)
def get_payment(payment_id: Id):
    """One payment (a resident: only their apartments' payments)."""
    return ok(service.get_payment(principal(), payment_id).wire())


@app.post("/payments/<payment_id>/reverse", responses=doc(200, PaymentOut), summary="Reverse a payment",
          description="Undo a received payment with a reason: its invoices reopen, its credit is taken back, the "
                      "apartment account shows the payment and its reversal. Publishes `payment.reversed`. A "
                      "reversed (or pending) payment is 409.")
@allow(STAFF)
def reverse_payment(payment_id: Id, body: Annotated[PaymentReverse, Body()]):
    return ok(corrections.reverse_by_hand(principal(), payment_id, body.reason).wire())


@app.post("/payments/banklink", responses=doc(201, BanklinkOut))
@allow(EVERYONE)
def start_banklink(body: Annotated[BanklinkCreate, Body()]):
    ip = app.current_event.request_context.http.source_ip
    return created(banklinks.start_banklink(principal(), body, ip).wire())


PAYSERA = ("Paysera checkout 1.6 callback (form or query: data, ss1, ss2, ss3), verified by ss3 (RSA-SHA256 with "
           "Paysera's public key), ss2 (RSA-SHA1) or ss1, or an encrypted callback (data only: AES-256-GCM with "
           "the project password); status 1 pays, 0 fails the order, 2 and 3 leave it pending; answers "
           "text/plain OK.")


@app.post("/payments/callbacks/paysera", description=PAYSERA)
@app.get("/payments/callbacks/paysera", description=PAYSERA)
@public
def paysera_callback():
    answer = banklinks.paysera_callback(_raw_body().decode("utf-8", "replace"),
                                        app.current_event.query_string_parameters)
    return Response(status_code=200, content_type="text/plain", body=answer)


@app.post("/payments/callbacks/maksekeskus",
          description="MakeCommerce notification (form: json, mac = uppercase SHA-512 of json + secret key).")
@public
def maksekeskus_callback():
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
@allow(STAFF)
def import_statement(asynchronous: Annotated[str | None, Query(alias="async", pattern="^(true|false)$")] = None):
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
@allow(STAFF)
def statement_upload(body: Annotated[StatementUploadCreate, Body()]):
    """A presigned S3 POST for one statement file (up to 100 MB), to import with ``{"uploadKey": …}``."""
    return created(reconciliation.upload(principal(), body).wire())


@app.get("/bank-statements/<statement_id>", responses=doc(200, StatementOut))
@allow(STAFF)
def get_statement(
    statement_id: Id,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    return ok(reconciliation.get_statement(principal(), statement_id, limit, cursor).wire())


@app.post("/bank-statements/<statement_id>/entries/<entry_id>/match", responses=doc(200, EntryOut))
@allow(STAFF)
def match_entry(statement_id: Id, entry_id: Id, body: Annotated[EntryMatch, Body()]):
    return ok(reconciliation.match_entry(principal(), statement_id, entry_id, body).wire())


handler = make_handler(app)
