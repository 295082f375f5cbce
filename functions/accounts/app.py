"""Apartment accounts: /apartments/{id}/account (statement, JSON or CSV), /apartments/opening-balances (import),
/reports/debtors (debtor report with ageing, JSON or CSV) and /reports/account-check (consistency check)."""

import base64
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ValidationError

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import EVERYONE, FINANCE, READERS
from urbaneta.errors import UnsupportedMediaType
from urbaneta.http.app import allow, create_app, make_handler, principal
from urbaneta.http.errors import from_validation_errors
from urbaneta.http.responses import csv_file, doc, ok, paged
from urbaneta.models.accounts import (
    AccountStatementOut,
    ConsistencyOut,
    DebtorReportOut,
    OpeningBalanceImport,
    OpeningImportOut,
)
from urbaneta.models.reminders import ReminderPlanOut
from urbaneta.services.accounts import debtors, statements

# The opening-balance import, the consistency check and the reminder dry run load their services on their own
# routes: the first request (a statement or the debtor report) does not pay for them.
start("accounts")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
DATE = r"^\d{4}-\d{2}-\d{2}$"
Format = Annotated[str | None, Query(pattern="^(json|csv)$", description="json (default) or csv")]
StatementFormat = Annotated[str | None, Query(pattern="^(json|csv|pdf)$", description="json (default), csv or pdf")]


def _or_csv(model: Any, pdf: bool = False) -> dict[int, Any]:
    """The JSON document, or with ``?format=csv`` the same as text/csv (``pdf``: also ``?format=pdf``)."""
    answer = doc(200, model, paged=True, description="The document (its entries page with `limit` and "
                 "`cursor`); `?format=csv`: text/csv" + ("; `?format=pdf`: a PDF" if pdf else ""))
    answer[200]["content"]["text/csv"] = {"schema": {"type": "string"}}
    if pdf:
        answer[200]["content"]["application/pdf"] = {"schema": {"type": "string", "format": "binary"}}
    return answer


def _raw_body() -> str:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body).decode("utf-8", "replace") if event.is_base64_encoded else body


@app.get("/apartments/<apartment_id>/account", responses=_or_csv(AccountStatementOut, pdf=True),
         summary="An apartment's account statement",
         description="Opening balance, the entries of the period with their running balance, closing balance "
                     "(positive: owed; negative: prepaid). `from`/`to` are entry dates, both optional. Entries are "
                     "paged (`limit` up to 100, default 100; `nextCursor`); the balances are the whole period's. "
                     "Residents: their own apartments only (404 otherwise).")
@allow(EVERYONE)
def get_account(
    apartment_id: Id,
    date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
    format: StatementFormat = None,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    if format == "pdf":
        content = statements.account_pdf(principal(), apartment_id, raw_from=date_from, raw_to=date_to)
        return Response(status_code=200, content_type="application/pdf", body=content,
                        headers={"Content-Disposition": f'inline; filename="account-{apartment_id}.pdf"'})
    if format == "csv":
        body = statements.account_csv(principal(), apartment_id, raw_from=date_from, raw_to=date_to)
        return csv_file(body, f"account-{apartment_id}.csv")
    out, next_cursor = statements.account_statement(principal(), apartment_id, raw_from=date_from, raw_to=date_to,
                                                    limit=limit, cursor=cursor)
    return paged(out.wire(), next_cursor)


@app.post("/apartments/opening-balances", responses=doc(200, OpeningImportOut),
          summary="Import opening balances",
          description="Each apartment's balance as of a date: `application/json` `{\"balances\": [{apartmentId, "
                      "date, balance, reason?}]}` or `text/csv` with the columns apartmentId, date, balance "
                      "(reason optional; `,` or `;`). At most 1,000 rows; any invalid row refuses the request (422). "
                      "Idempotent per apartment and date: a repeated row is reported as `duplicate`.")
@allow(FINANCE)
def import_opening_balances():
    from urbaneta.services.accounts import opening

    content_type = (app.current_event.get_header_value("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type in ("text/csv", "application/csv"):
        body = opening.parse_csv(_raw_body())
    elif content_type in ("application/json", ""):
        try:
            body = OpeningBalanceImport.model_validate_json(_raw_body() or "{}")
        except ValidationError as exc:
            raise from_validation_errors([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
    else:
        raise UnsupportedMediaType("Send application/json or text/csv.")
    return ok(opening.import_opening_balances(principal(), body).wire())


@app.get("/reports/debtors", responses=_or_csv(DebtorReportOut),
         summary="Debtor report of a building",
         description="Per apartment account: balance, overdue, ageing buckets on `asOf` (default today), last payment "
                     "date, reminder level. Totals of the building on the first page. Read from the balance "
                     "aggregates only: per page one Query and one BatchGetItem (apartment numbers).")
@allow(READERS)
def debtor_report(
    building_id: Annotated[str, Query(alias="buildingId", min_length=1, max_length=64)],
    as_of: Annotated[str | None, Query(alias="asOf", pattern=DATE)] = None,
    format: Format = None,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    if format == "csv":
        return csv_file(debtors.debtor_csv(principal(), building_id=building_id, raw_as_of=as_of), "debtors.csv")
    out, next_cursor = debtors.debtor_report(principal(), building_id=building_id, raw_as_of=as_of, limit=limit,
                                             cursor=cursor)
    return paged(out.wire(), next_cursor)


@app.get("/reports/account-check", responses=doc(200, ConsistencyOut),
         summary="Recompute a building's balances from their entries",
         description="Every account of the building: the stored balance against the sum of its entries. Any "
                     "difference is listed as drift (and logged); none is corrected automatically.")
@allow(READERS)
def account_check(building_id: Annotated[str, Query(alias="buildingId", min_length=1, max_length=64)]):
    from urbaneta.services.accounts import check

    return ok(check.consistency(principal(), building_id).wire())


@app.get("/reports/reminders", responses=doc(200, ReminderPlanOut))
@allow(FINANCE)
def reminder_dry_run(
    building_id: Annotated[str, Query(alias="buildingId", min_length=1, max_length=64)],
    as_of: Annotated[str | None, Query(alias="asOf", pattern=DATE)] = None,
):
    """Reminders the schedule would send (dry run)

    For each sent or overdue, unpaid invoice of the building: the reminder level due on `asOf` (default today) and
    not sent yet, with `would_send`, `paused` (the apartment's reminders are paused) or `no_address`. Nothing is
    sent or recorded.
    """
    from urbaneta.services.invoicing import reminders

    return ok(reminders.dry_run(principal(), building_id, as_of).wire())


handler = make_handler(app)
