"""Payment reads: one payment and the list (GET /payments/{id}, GET /payments), with what a resident may see."""

from __future__ import annotations

from datetime import date

from urbaneta.auth.principal import Principal
from urbaneta.domain.payments import Payment
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.payments import PaymentOut
from urbaneta.store import invoices as invoice_store
from urbaneta.store import payments as store
from urbaneta.store.pages import PageRequest


def _date(raw: str | date | None, field_name: str) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.one(field_name, "must be a date (YYYY-MM-DD)") from exc


def get_payment(caller: Principal, payment_id: str) -> PaymentOut:
    """One payment: staff any of their organisation's; a resident only one of their apartments' (404 otherwise)."""
    payment = store.get_payment(caller.tenant_id, payment_id) if len(payment_id) <= 64 else None
    if payment is None or not _payment_visible(caller, payment):
        raise NotFound("No such payment.")
    return PaymentOut.of(payment)


def _payment_visible(caller: Principal, payment: Payment) -> bool:
    """Staff: any. A resident: a payment of an invoice they see (after an ownership change, of their own
    invoices only); one named for no invoice, of an apartment they live in and never changed owners."""
    if caller.is_staff:
        return True
    if payment.invoice_id is None:
        return caller.can_see_apartment(payment.apartment_id) and \
            caller.invoice_windows(payment.apartment_id) == [(None, None)]
    try:
        invoice = invoice_store.get_invoice(caller.tenant_id, payment.invoice_id)
    except NotFound:
        return False
    return invoice.apartment_id == payment.apartment_id and \
        caller.can_see_invoice(invoice.apartment_id, invoice.status, invoice.period_end)


def list_payments(caller: Principal, *, invoice_id: str | None, date_from: str | date | None,
                  date_to: str | date | None, limit_raw: str | None, cursor: str | None
                  ) -> tuple[list[PaymentOut], str | None]:
    """Staff: every payment (or one invoice's). Residents: one of their invoices' payments only."""
    date_from, date_to = _date(date_from, "from"), _date(date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.one("from", "must not be after 'to'")
    if not caller.is_staff and not invoice_id:
        raise ValidationFailed.one("invoiceId", "is required for residents")
    if invoice_id:
        invoice = invoice_store.get_invoice(caller.tenant_id, invoice_id)
        if not caller.can_see_invoice(invoice.apartment_id, invoice.status, invoice.period_end):
            raise NotFound("Invoice not found.")
    req = PageRequest.parse(caller.tenant_id, f"payments|{invoice_id or ''}|{date_from or ''}|{date_to or ''}",
                            limit=limit_raw, cursor=cursor)
    items, last = store.list_payments(caller.tenant_id, invoice_id=invoice_id, date_from=date_from, date_to=date_to,
                                      limit=req.limit, start_key=req.start)
    return req.page([PaymentOut.of(p) for p in items], last)
