"""Payments: manual payments, bank links (Paysera, MakeCommerce) and their callbacks, bank statement import,
statement entries and matching by hand."""

import base64
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.auth.principal import EVERYONE, STAFF
from urbaneta.http.app import allow, create_app, make_handler, principal, public
from urbaneta.http.responses import created, doc, ok, page
from urbaneta.models.payments import (
    BanklinkCreate,
    BanklinkOut,
    EntryMatch,
    EntryOut,
    ManualPaymentCreate,
    PaymentOut,
    StatementImportOut,
    StatementOut,
)
from urbaneta.services import payments as service
from urbaneta.services import reconciliation
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


@app.post("/payments/banklink", responses=doc(201, BanklinkOut))
@allow(EVERYONE)
def start_banklink(body: Annotated[BanklinkCreate, Body()]):
    ip = app.current_event.request_context.http.source_ip
    return created(service.start_banklink(principal(), body, ip).wire())


PAYSERA = ("Paysera checkout 1.6 callback (form or query: data, ss1, ss2), verified by ss2 (RSA-SHA1 with "
           "Paysera's public key) or ss1; answers text/plain OK.")


@app.post("/payments/callbacks/paysera", description=PAYSERA)
@app.get("/payments/callbacks/paysera", description=PAYSERA)
@public
def paysera_callback():
    answer = service.paysera_callback(_raw_body().decode("utf-8", "replace"), app.current_event.query_string_parameters)
    return Response(status_code=200, content_type="text/plain", body=answer)


@app.post("/payments/callbacks/maksekeskus",
          description="MakeCommerce notification (form: json, mac = uppercase SHA-512 of json + secret key).")
@public
def maksekeskus_callback():
    answer = service.maksekeskus_callback(_raw_body().decode("utf-8", "replace"),
                                          app.current_event.query_string_parameters)
    return ok(answer)


@app.post("/bank-statements/import", responses={**doc(201, StatementImportOut),
                                                415: {"description": "Not application/xml or text/csv"}}, description=(
    "The statement file is the body: application/xml for ISO 20022 camt.053/camt.054 (.001.02 … .001.08), "
    "text/csv for Swedbank, SEB and LHV exports. At most 5 MB (413); DTDs and entities are refused (422)."))
@allow(STAFF)
def import_statement():
    context = app.lambda_context
    out = reconciliation.import_statement(principal(), _raw_body(), app.current_event.get_header_value("content-type"),
                                          context.get_remaining_time_in_millis)
    return created(out.wire(), location=f"/api/bank-statements/{out.id}")


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
