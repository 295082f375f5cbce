"""Bank links (Paysera, MakeCommerce): a pending payment and the provider's order, then the provider's callback,
verified, checked against the order and applied once.

Paysera's ``status``: 1 = paid; 0 = not executed (the order fails); 2 = accepted but not executed yet and 3 =
additional information — neither is final, the order stays pending and Paysera calls again.

MakeCommerce's ``status`` (adapters/providers/maksekeskus.STATUSES): COMPLETED = paid; CREATED, PENDING and
APPROVED are not final (the order stays pending); CANCELLED and EXPIRED fail the order; REFUNDED and
PART_REFUNDED of a received payment are logged and answered ``refunded`` (a person records the reversal).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from urbaneta.adapters.events import publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.money import from_cents, to_cents
from urbaneta.domain.payments import Payment
from urbaneta.errors import Conflict, NotFound, ValidationFailed
from urbaneta.models.payments import BanklinkCreate, BanklinkOut
from urbaneta.observability import logger
from urbaneta.services.payments import PAYABLE, PaymentDraft, apply_payment
from urbaneta.store import invoices as invoice_store
from urbaneta.store import payments as store
from urbaneta.store.transactions import UnitOfWork

PAYSERA_NOT_EXECUTED = "0"
PAYSERA_PAID = "1"


# ---- bank links -----------------------------------------------------------------------------------------------


def start_banklink(caller: Principal, body: BanklinkCreate, client_ip: str | None) -> BanklinkOut:
    """Create a pending payment for the invoice's open balance and the provider's order; answer the URL the
    payer's browser goes to."""
    invoice = invoice_store.get_invoice(caller.tenant_id, body.invoice_id)
    if not caller.can_pay_invoice(invoice.apartment_id, invoice.status, invoice.period_end):
        raise NotFound("Invoice not found.")
    return start_for_invoice(invoice, body.provider, return_url=str(body.return_url),
                             cancel_url=str(body.cancel_url or body.return_url), locale=body.locale,
                             client_ip=client_ip, recorded_by=caller.user_id)


def start_for_invoice(invoice: Invoice, provider: str, *, return_url: str, cancel_url: str, locale: str | None,
                      client_ip: str | None, recorded_by: str) -> BanklinkOut:
    """The bank link of an invoice the caller may pay (``start_banklink``, or the invoice's hosted page)."""
    from urbaneta.adapters.providers import config as provider_config

    if invoice.status not in PAYABLE or invoice.balance_due_cents <= 0:
        raise Conflict("This invoice has nothing left to pay." if invoice.balance_due_cents <= 0
                       else f"An invoice in status {invoice.status} takes no payments.")
    settings = provider_config.load()
    payment_id = new_id()
    now = now_iso()
    pending = Payment(
        id=payment_id, tenant_id=invoice.tenant_id, invoice_id=invoice.id, apartment_id=invoice.apartment_id,
        amount_cents=invoice.balance_due_cents, currency=invoice.currency, paid_date=today(), method="banklink",
        status="pending", provider=provider, reference=invoice.number, recorded_by=recorded_by,
        created_at=now, updated_at=now,
    )
    work = UnitOfWork().add(store.put_payment_op(pending),
                            store.order_pointer_op(provider, payment_id, invoice.tenant_id, payment_id))
    # the provider's configuration is checked before anything is written (a 409 leaves no pending payment)
    if provider == "paysera":
        settings.paysera.require()
        work.commit()
        url = _paysera_url(settings.paysera, pending, invoice, return_url, cancel_url, locale)
    else:
        settings.maksekeskus.require()
        work.commit()
        url = _maksekeskus_url(settings.maksekeskus, pending, invoice, return_url, cancel_url, locale, client_ip)
    return BanklinkOut(payment_id=payment_id, provider=provider, redirect_url=url,
                       amount=from_cents(pending.amount_cents), currency=pending.currency)


def _paysera_url(cfg: Any, pending: Payment, invoice: Invoice, return_url: str, cancel_url: str,
                 locale: str | None) -> str:
    from urbaneta.adapters.providers import config as provider_config
    from urbaneta.adapters.providers.paysera import PayseraClient
    from urbaneta.i18n import texts

    return str(PayseraClient(cfg).checkout_url(
        order_id=pending.id, amount_cents=pending.amount_cents, currency=pending.currency, accept_url=return_url,
        cancel_url=cancel_url, callback_url=f"{provider_config.callback_base()}/payments/callbacks/paysera",
        paytext=texts(locale).t("pay.paytext", number=invoice.number), locale=locale,
        email=invoice.recipient.email))


def _maksekeskus_url(cfg: Any, pending: Payment, invoice: Invoice, return_url: str, cancel_url: str,
                     locale: str | None, client_ip: str | None) -> str:
    from urbaneta.adapters.providers import config as provider_config
    from urbaneta.adapters.providers.maksekeskus import MakeCommerceClient

    try:
        created = MakeCommerceClient(cfg).create_transaction(
            order_id=pending.id, amount_cents=pending.amount_cents, currency=pending.currency, return_url=return_url,
            cancel_url=cancel_url, notification_url=f"{provider_config.callback_base()}/payments/callbacks/maksekeskus",
            client_ip=client_ip, locale=locale or "et", email=invoice.recipient.email)
    except Exception:
        store.fail_pending(pending.tenant_id, pending.id)  # the payer never got a page: nothing is pending
        raise
    store.set_provider_transaction(pending.tenant_id, pending.id, created.transaction_id)
    return str(created.redirect_url)


@dataclass(frozen=True)
class ProviderPaid:
    """A verified provider notification: which order, what was paid."""

    provider: str
    order_id: str
    paid: bool
    amount_cents: int
    currency: str
    transaction_id: str | None
    test: bool
    project: str
    final: bool = True  # False: the provider will call again (Paysera status 2 "accepted, not executed yet", 3)
    refunded: bool = False  # the provider returned the money (MakeCommerce REFUNDED, PART_REFUNDED)


def settle_provider_payment(note: ProviderPaid, expect_project: Callable[[], str]) -> str:
    """Apply a verified provider notification: checked against the order (project, amount, currency),
    idempotent per order. Returns what happened: 'received', 'duplicate', 'not_paid', 'waiting' (a state that
    is not final: the order stays pending)."""
    found = store.find_order(note.provider, note.order_id)
    if not found:
        raise NotFound("Unknown order.")
    tenant_id, payment_id = found
    pending = store.get_payment(tenant_id, payment_id)
    if note.project != expect_project():
        raise ValidationFailed.one("projectid", "does not belong to this shop")
    if note.amount_cents != pending.amount_cents or note.currency.upper() != pending.currency:
        raise ValidationFailed.one("amount", "does not match the order's amount and currency")
    if pending.status in ("received", "reversed"):
        if note.refunded:  # money returned through the provider: a person records the reversal (documented)
            logger.warning("provider refund of a received payment", extra={"order": note.order_id})
            return "refunded"
        return "duplicate"
    if not note.paid:
        if not note.final:
            return "waiting"
        if pending.status == "pending":
            store.fail_pending(tenant_id, payment_id)
        return "not_paid"
    if note.transaction_id and not pending.provider_transaction_id:
        pending = pending.model_copy(update={"provider_transaction_id": note.transaction_id})
    draft = PaymentDraft(
        tenant_id=tenant_id, apartment_id=pending.apartment_id, amount_cents=pending.amount_cents,
        currency=pending.currency, paid_date=today(), method="banklink", named_invoice_id=pending.invoice_id,
        reference=pending.reference, provider=pending.provider, payment_id=pending.id,
        recorded_by=pending.recorded_by, pending=pending,
    )
    try:
        applied = apply_payment(draft)
    except Conflict:
        logger.info("provider notification for an order received before", extra={"order": note.order_id})
        return "duplicate"
    publish(applied.events)
    return "received"



# ---- provider callbacks -----------------------------------------------------------------------------------------


def _form(raw_body: str, query: dict[str, str] | None) -> dict[str, str]:
    from urllib.parse import parse_qsl

    fields = dict(query or {})
    if raw_body.lstrip().startswith("{"):
        try:
            fields.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(raw_body).items()})
        except (ValueError, AttributeError) as exc:
            raise ValidationFailed.one("body", "is not a form or JSON object") from exc
    else:
        fields.update(dict(parse_qsl(raw_body, keep_blank_values=True)))
    return fields


def _int(value: str | None, field_name: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise ValidationFailed.one(field_name, "is not an integer") from exc


def paysera_callback(raw_body: str, query: dict[str, str] | None) -> str:
    """Verify and apply a Paysera callback; the answer body starts with ``OK`` (Paysera retries otherwise)."""
    from urbaneta.adapters.providers import config as provider_config
    from urbaneta.adapters.providers.paysera import PayseraClient

    form = _form(raw_body, query)
    cfg = provider_config.load().paysera
    verified = PayseraClient(cfg).verify_callback(form.get("data", ""), form.get("ss1"), form.get("ss2"),
                                                  form.get("ss3"))
    f = verified.fields
    status = f.get("status", "")
    test = f.get("test", "0") == "1"
    if test and not cfg.test:
        raise ValidationFailed.one("test", "a test payment is refused in production")
    note = ProviderPaid(
        provider="paysera", order_id=f.get("orderid", ""), paid=status == PAYSERA_PAID,
        final=status in (PAYSERA_PAID, PAYSERA_NOT_EXECUTED),
        amount_cents=_int(f.get("amount"), "amount"), currency=f.get("currency", ""),
        transaction_id=f.get("requestid"), test=test, project=f.get("projectid", ""),
    )
    outcome = settle_provider_payment(note, lambda: cfg.project_id)
    logger.info("paysera callback", extra={"order": note.order_id, "status": status, "outcome": outcome,
                                           "by": verified.verified_by})
    return "OK"


def maksekeskus_callback(raw_body: str, query: dict[str, str] | None) -> dict[str, str]:
    """Verify and apply a MakeCommerce notification (duplicates expected); answered 200 quickly."""
    from decimal import Decimal, InvalidOperation

    from urbaneta.adapters.providers import config as provider_config
    from urbaneta.adapters.providers import maksekeskus

    form = _form(raw_body, query)
    cfg = provider_config.load().maksekeskus
    data = maksekeskus.MakeCommerceClient(cfg).verify_notification(form.get("json", ""), form.get("mac"))
    try:
        amount = Decimal(str(data.get("amount", "")))
    except InvalidOperation as exc:
        raise ValidationFailed.one("amount", "is not a number") from exc
    status = str(data.get("status", ""))
    means = maksekeskus.meaning(status)
    note = ProviderPaid(
        provider="maksekeskus", order_id=str(data.get("reference", "")), paid=means == "paid",
        final=means != "waiting", refunded=means == "refunded", amount_cents=to_cents(amount),
        currency=str(data.get("currency", "")), transaction_id=str(data.get("transaction") or "") or None,
        test=cfg.test, project=str(data.get("shop", "")),
    )
    outcome = settle_provider_payment(note, lambda: cfg.keys.shop_id)
    logger.info("maksekeskus notification", extra={"order": note.order_id, "status": status, "outcome": outcome})
    return {"status": outcome}
