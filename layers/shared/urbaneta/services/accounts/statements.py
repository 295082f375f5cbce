"""The account statement of one apartment (GET /apartments/{id}/account): JSON pages and CSV.

Cost: one GetItem of the apartment (tenancy and building), one GetItem of its balance aggregate, and the Query
pages of its entries dated from ``from`` on (1 MB each: a 24-month statement is one page). The opening balance
is the aggregate's balance minus those entries, so no history before ``from`` is ever read.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.domain import ledger
from urbaneta.domain.buildings import Apartment
from urbaneta.domain.money import from_cents
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.accounts import AccountEntryOut, AccountStatementOut
from urbaneta.services.params import query_date
from urbaneta.store import accounts as store
from urbaneta.store.pages import PageRequest

STATEMENT_PAGE = 100  # entries per page unless ``limit`` says otherwise
CSV_COLUMNS = ("date", "type", "description", "amount", "balance", "invoiceId", "paymentId", "reason")


def cell(text: str | None) -> str:
    """Free text in a CSV cell, never read as a formula by a spreadsheet."""
    value = text or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def period(raw_from: str | None, raw_to: str | None) -> tuple[date | None, date | None]:
    date_from, date_to = query_date(raw_from, "from"), query_date(raw_to, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.one("from", "must not be after 'to'")
    return date_from, date_to


def caller_period(caller: Principal, apartment_id: str, raw_from: str | None, raw_to: str | None
                  ) -> tuple[date | None, date | None]:
    """The period asked for; a resident who came with an ownership change reads the account from its date on
    (the former owner's entries stay theirs; the opening balance is what the apartment carried over)."""
    date_from, date_to = period(raw_from, raw_to)
    if caller.is_staff or not caller.can_see_apartment(apartment_id):
        return date_from, date_to
    start = caller.invoice_windows(apartment_id)[0][0]
    if start is not None and (date_from is None or date_from < start):
        date_from = start
    if date_from and date_to and date_to < date_from:
        date_to = date_from
    return date_from, date_to


def visible_apartment(caller: Principal, apartment_id: str) -> Apartment:
    """The caller's apartment, or 404 (another tenant's, another resident's, unknown)."""
    from urbaneta.store import buildings

    if len(apartment_id) > 64 or not caller.can_see_apartment(apartment_id):
        raise NotFound("Apartment not found.")
    return buildings.get_apartment(caller.tenant_id, apartment_id)


def _statement(caller: Principal, apartment_id: str, date_from: date | None, date_to: date | None
               ) -> tuple[Apartment, ledger.AccountBalance, ledger.Statement]:
    apt = visible_apartment(caller, apartment_id)
    balance = store.get_balance(caller.tenant_id, apt.building_id, apt.id)
    entries = store.entries_between(caller.tenant_id, apt.id, date_from)
    return apt, balance, ledger.statement(balance.balance_cents, entries, date_from, date_to)


def account_statement(caller: Principal, apartment_id: str, *, raw_from: str | None, raw_to: str | None,
                      limit: str | None, cursor: str | None) -> tuple[AccountStatementOut, str | None]:
    """The statement of the period, one page of its entries (``nextCursor`` for the rest); the opening and
    closing balances are the whole period's."""
    date_from, date_to = caller_period(caller, apartment_id, raw_from, raw_to)
    req = PageRequest.parse(caller.tenant_id, f"account|{apartment_id}|{date_from or ''}|{date_to or ''}",
                            limit=limit if limit is not None else STATEMENT_PAGE, cursor=cursor)
    apt, balance, st = _statement(caller, apartment_id, date_from, date_to)
    after = req.start.get("after") if req.start else None
    lines = [ln for ln in st.lines if after is None or ledger.order_key(ln.entry) > tuple(after)]
    shown = lines[:req.limit]
    last = {"after": list(ledger.order_key(shown[-1].entry))} if len(lines) > req.limit else None
    out = AccountStatementOut(
        apartment_id=apt.id, building_id=apt.building_id, date_from=date_from, date_to=date_to,
        opening_balance=from_cents(st.opening_cents), entries=[AccountEntryOut.of(ln) for ln in shown],
        closing_balance=from_cents(st.closing_cents), current_balance=from_cents(balance.balance_cents),
        last_payment_date=balance.last_payment_date)
    return out, req.page([out], last).next_cursor


def account_csv(caller: Principal, apartment_id: str, *, raw_from: str | None, raw_to: str | None) -> str:
    """The whole statement as CSV: an opening row, one row per entry with its running balance, a closing row."""
    date_from, date_to = caller_period(caller, apartment_id, raw_from, raw_to)
    _, _, st = _statement(caller, apartment_id, date_from, date_to)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow([date_from.isoformat() if date_from else "", "opening", "Opening balance", "",
                     from_cents(st.opening_cents), "", "", ""])
    for ln in st.lines:
        e = ln.entry
        writer.writerow([e.date.isoformat(), e.type, cell(e.description), from_cents(e.amount_cents),
                         from_cents(ln.balance_cents), e.invoice_id or "", e.payment_id or "", cell(e.reason)])
    writer.writerow([date_to.isoformat() if date_to else "", "closing", "Closing balance", "",
                     from_cents(st.closing_cents), "", "", ""])
    return out.getvalue()


def account_pdf(caller: Principal, apartment_id: str, *, raw_from: str | None, raw_to: str | None) -> bytes:
    """The whole statement as an A4 PDF in the apartment's language (rendered on each request: a statement changes
    with every entry)."""
    date_from, date_to = caller_period(caller, apartment_id, raw_from, raw_to)
    apt, _, st = _statement(caller, apartment_id, date_from, date_to)
    return render_pdf(apt, st, date_from, date_to)


def apartment_pdf(apt: Apartment) -> bytes:
    """The apartment's whole statement as a PDF, for a worker (a reminder's attachment): no caller to check."""
    balance = store.get_balance(apt.tenant_id, apt.building_id, apt.id)
    return render_pdf(apt, ledger.statement(balance.balance_cents, store.entries_between(apt.tenant_id, apt.id, None),
                                            None, None), None, None)


def render_pdf(apt: Apartment, st: ledger.Statement, date_from: date | None, date_to: date | None) -> bytes:
    from urbaneta.adapters.statement_pdf import StatementDocument, StatementRow, render_statement
    from urbaneta.i18n import texts
    from urbaneta.services.documents_context import organisation
    from urbaneta.store import buildings

    building = buildings.get_building(apt.tenant_id, apt.building_id, include_archived=True)
    org = organisation(apt.tenant_id, fallback_name=building.name)
    tx = texts(apt.language or org.default_language)
    addr = building.address
    return render_statement(StatementDocument(
        association=org.display_name, street=f"{addr.street}, {addr.postal_code} {addr.city}", apartment=apt.number,
        date_from=date_from, date_to=date_to, currency=building.currency,
        opening_cents=st.opening_cents, closing_cents=st.closing_cents,
        rows=[StatementRow(ln.entry.date, ln.entry.type, _detail(ln.entry.reason, ln.entry.description),
                           ln.entry.amount_cents, ln.balance_cents) for ln in st.lines]), tx)


def _detail(reason: str | None, description: str) -> str:
    """What identifies an entry on a page in any language: the manager's reason, else the number or reference its
    description carries (an invoice number, a payment reference, a date)."""
    if reason:
        return reason
    tokens = [t for t in description.split() if any(c.isdigit() for c in t)]
    return tokens[-1] if tokens else ""
