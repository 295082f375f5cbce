"""Opening balances (POST /apartments/opening-balances): an association moving from other software brings each
apartment's balance as of a date. JSON (``{"balances": [...]}``) or CSV (``apartmentId,date,balance[,reason]``).

Each row is one transaction: an ``opening_balance`` entry (id ``opening:<date>``: once per apartment and date, a
repeated import is reported as ``duplicate``) with the account update, and for a negative balance (prepaid) the
apartment credit, so that the next invoice uses it as it uses any overpayment. Every row is validated first;
one bad row refuses the whole request (422 naming ``balances.<i>.<field>``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.domain.events.accounts import OpeningBalanceRecorded
from urbaneta.domain.money import to_cents
from urbaneta.errors import FieldError, ValidationFailed
from urbaneta.models.accounts import (
    MAX_OPENING_ROWS,
    OpeningBalanceImport,
    OpeningBalanceRow,
    OpeningImportOut,
    OpeningRowResult,
)
from urbaneta.services.accounts import posting
from urbaneta.store import payments as payments_store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import UnitOfWork

CSV_FIELDS = {"apartmentid": "apartmentId", "date": "date", "balance": "balance", "reason": "reason"}


def _csv_rows(text: str) -> list[dict[str, Any]]:
    """The CSV's rows as JSON rows: header names as in JSON (any case), ``;`` or ``,``, decimal comma accepted."""
    text = text.lstrip("\ufeff")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [CSV_FIELDS.get((h or "").strip().lower()) for h in reader.fieldnames or []]
    if "apartmentId" not in header or "date" not in header or "balance" not in header:
        raise ValidationFailed.one("body", "the CSV needs the columns apartmentId, date and balance")
    rows: list[dict[str, Any]] = []
    for raw in reader:
        row = {CSV_FIELDS[k.strip().lower()]: (v or "").strip() for k, v in raw.items()
               if k and k.strip().lower() in CSV_FIELDS}
        row["balance"] = _decimal(row.get("balance", ""))
        if not row.get("reason"):
            row.pop("reason", None)
        rows.append(row)
        if len(rows) > MAX_OPENING_ROWS:
            raise ValidationFailed.one("body", f"at most {MAX_OPENING_ROWS} rows per import")
    return rows


def _decimal(raw: str) -> Decimal | str:
    try:
        return Decimal(raw.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return raw  # the model refuses it, naming the row


def parse_csv(text: str) -> OpeningBalanceImport:
    rows = _csv_rows(text)
    try:
        return OpeningBalanceImport.model_validate({"balances": rows})
    except ValidationError as exc:
        raise ValidationFailed("The import has invalid rows.", errors=[
            FieldError(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()]) from exc


def _check(caller: Principal, rows: list[OpeningBalanceRow]) -> dict[str, str]:
    """Every row's apartment exists in the organisation (one BatchGetItem per 100); no apartment and date twice.
    Returns apartment → building."""
    from urbaneta.store import keys, table

    wanted = list({r.apartment_id for r in rows})
    items = table.batch_get([keys.apartment(caller.tenant_id, a) for a in wanted])
    found = {str(i["id"]): str(i["buildingId"]) for i in items if i.get("entity") == "apartment"}
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for n, r in enumerate(rows):
        if r.apartment_id not in found:
            errors.append(FieldError(f"balances.{n}.apartmentId", "no such apartment"))
        if (r.apartment_id, r.date.isoformat()) in seen:
            errors.append(FieldError(f"balances.{n}.date", "the same apartment and date twice"))
        seen.add((r.apartment_id, r.date.isoformat()))
    if errors:
        raise ValidationFailed("The import has invalid rows.", errors=errors)
    return found


def _record(tenant_id: str, building_id: str, row: OpeningBalanceRow) -> bool:
    cents = to_cents(row.balance)
    entry = posting.opening_entry(tenant_id, building_id, row.apartment_id, row.date, cents, row.reason)
    work = UnitOfWork().extend(posting.post_ops([entry], due=row.date))
    if cents < 0:
        work.add(payments_store.add_credit_op(tenant_id, row.apartment_id, -cents))
    try:
        work.commit()
    except ConditionFailed as exc:
        if any(label.startswith("entry:") for label in exc.labels):
            return False
        raise
    return True


def import_opening_balances(caller: Principal, body: OpeningBalanceImport) -> OpeningImportOut:
    buildings = _check(caller, body.balances)
    results: list[OpeningRowResult] = []
    events = []
    for row in body.balances:
        created = _record(caller.tenant_id, buildings[row.apartment_id], row)
        results.append(OpeningRowResult(apartment_id=row.apartment_id, date=row.date, balance=row.balance,
                                        status="created" if created else "duplicate"))
        if created:
            events.append(domain_event("account.opening_balance_recorded", caller.tenant_id, OpeningBalanceRecorded(
                apartment_id=row.apartment_id, building_id=buildings[row.apartment_id], date=row.date,
                balance=row.balance)))
    publish(events)
    count = sum(r.status == "created" for r in results)
    return OpeningImportOut(created=count, duplicates=len(results) - count, rows=results)
