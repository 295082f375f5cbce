"""Payments repository: payment items, their dedupe guards, provider order pointers, reversal signatures,
known payer IBANs and the apartment credit balance.

Apartment credit (for invoice generation): ``get_apartment_credit_cents(tenant, apartment)`` reads the
balance; ``consume_credit_op(tenant, apartment, cents)`` is a transaction op that takes ``cents`` from it,
conditioned on the balance covering them (put it in the same transaction as the invoice it pays).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from urbaneta.clock import now_iso
from urbaneta.domain.payments import Payment
from urbaneta.errors import NotFound
from urbaneta.store import keys
from urbaneta.store import table as t
from urbaneta.store.transactions import Op, tx_put, tx_update

ENTITY = "payment"


def payment_item(p: Payment) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.payment(p.tenant_id, p.id),
        **keys.payments_index(p.tenant_id, p.paid_date.isoformat(), p.id),
        "entity": ENTITY,
        **p.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    if p.invoice_id:
        item.update(keys.invoice_payments_index(p.tenant_id, p.invoice_id, p.paid_date.isoformat(), p.id))
    return item


def to_payment(item: dict[str, Any]) -> Payment:
    return Payment.model_validate(t.strip_keys(item))


def get_payment(tenant_id: str, payment_id: str) -> Payment:
    item = t.get(keys.payment(tenant_id, payment_id))
    if not item:
        raise NotFound("No such payment.")
    return to_payment(item)


def put_payment_op(p: Payment) -> Op:
    return tx_put(payment_item(p), label="payment")


def receive_pending_op(p: Payment) -> Op:
    """A pending (or failed) bank link payment becomes received, once: conditioned on its status."""
    return tx_put(payment_item(p), condition="#s IN (:pending, :failed)", names={"#s": "status"},
                  vals={":pending": "pending", ":failed": "failed"}, label="payment")


def dedupe_guard_op(tenant_id: str, dedupe: str, payment_id: str, fingerprint: str | None = None) -> Op:
    return tx_put({**keys.payment_dedupe(tenant_id, dedupe), "entity": "payment_dedupe",
                     "paymentId": payment_id, "fingerprint": fingerprint, "createdAt": now_iso()}, label="dedupe")


def get_dedupe(tenant_id: str, dedupe: str) -> dict[str, Any] | None:
    return t.get(keys.payment_dedupe(tenant_id, dedupe))


def signature_op(p: Payment) -> Op:
    assert p.signature
    return tx_put({**keys.payment_signature(p.tenant_id, p.signature, p.id), "entity": "payment_signature",
                     "paymentId": p.id, "amountCents": p.amount_cents}, condition=None, label="signature")


def find_by_signature(tenant_id: str, signature: str) -> list[str]:
    """Payment ids sharing a reversal signature (one Query; a handful at most)."""
    items, _ = t.query_page(keys.payment_signature_partition(tenant_id, signature), limit=25, consistent=True)
    return [str(i["paymentId"]) for i in items]


def known_payer_op(tenant_id: str, iban: str, apartment_id: str) -> Op:
    return tx_put({**keys.known_payer(tenant_id, iban), "entity": "known_payer", "apartmentId": apartment_id,
                     "iban": iban, "updatedAt": now_iso()}, condition=None, label="payer")


def reverse_op(p: Payment, entry_id: str) -> Op:
    return tx_update(keys.payment(p.tenant_id, p.id), "SET #s = :rev, reversedBy = :e, updatedAt = :now",
                       names={"#s": "status"}, vals={":rev": "reversed", ":e": entry_id, ":now": now_iso(),
                                                     ":rec": "received"}, condition="#s = :rec", label="payment")


def fail_pending(tenant_id: str, payment_id: str) -> None:
    """A bank link order the provider reports as failed or cancelled (only while still pending)."""
    from urbaneta.errors import Conflict

    try:
        t.update(keys.payment(tenant_id, payment_id), "SET #s = :failed, updatedAt = :now", names={"#s": "status"},
                 vals={":failed": "failed", ":pending": "pending", ":now": now_iso()}, condition="#s = :pending",
                 return_new=False)
    except Conflict:
        return


# ---- provider orders (global pointers: callbacks carry no tenant) ---------------------------------------------


def order_pointer_op(provider: str, order_id: str, tenant_id: str, payment_id: str) -> Op:
    return tx_put({**keys.provider_order(provider, order_id), "entity": "provider_order", "tenantId": tenant_id,
                     "paymentId": payment_id, "createdAt": now_iso()}, label="order")


def find_order(provider: str, order_id: str) -> tuple[str, str] | None:
    item = t.get(keys.provider_order(provider, order_id))
    return (str(item["tenantId"]), str(item["paymentId"])) if item else None


def set_provider_transaction(tenant_id: str, payment_id: str, transaction_id: str) -> None:
    t.update(keys.payment(tenant_id, payment_id), "SET providerTransactionId = :tx", vals={":tx": transaction_id},
             return_new=False)


# ---- apartment credit ----------------------------------------------------------------------------------------


def get_apartment_credit_cents(tenant_id: str, apartment_id: str) -> int:
    item = t.get(keys.apartment_credit(tenant_id, apartment_id))
    return int(item.get("creditCents", 0)) if item else 0


def apartment_credits(tenant_id: str, apartment_ids: Sequence[str]) -> dict[str, int]:
    """The credit of each of these apartments that has any, in one BatchGetItem per 100 apartments."""
    wanted = {(k["PK"], k["SK"]): a for a in apartment_ids for k in [keys.apartment_credit(tenant_id, a)]}
    items = t.batch_get([{"PK": pk, "SK": sk} for pk, sk in wanted])
    return {wanted[(i["PK"], i["SK"])]: int(i["creditCents"]) for i in items if int(i.get("creditCents", 0)) > 0}


def add_credit_op(tenant_id: str, apartment_id: str, cents: int) -> Op:
    """Add (or, negative, take back) credit; taking back never goes below zero."""
    vals: dict[str, Any] = {":c": cents, ":zero": 0, ":now": now_iso(), ":entity": "apartment_credit",
                            ":apt": apartment_id}
    condition = None
    if cents < 0:
        vals[":need"] = -cents
        condition = "creditCents >= :need"
    return tx_update(keys.apartment_credit(tenant_id, apartment_id),
                       "SET creditCents = if_not_exists(creditCents, :zero) + :c, updatedAt = :now, "
                       "entity = :entity, apartmentId = :apt", vals=vals, condition=condition, label="credit")


def consume_credit_op(tenant_id: str, apartment_id: str, cents: int) -> Op:
    """For invoice generation: take ``cents`` of the apartment's credit (the transaction fails if it is short)."""
    if cents <= 0:
        raise ValueError("consume a positive amount of credit")
    return add_credit_op(tenant_id, apartment_id, -cents)


# ---- lists ---------------------------------------------------------------------------------------------------


def list_payments(tenant_id: str, *, invoice_id: str | None, date_from: date | None, date_to: date | None,
                  limit: int, start_key: dict[str, Any] | None) -> tuple[list[Payment], dict[str, Any] | None]:
    lo = date_from.isoformat() if date_from else "0000"
    hi = (date_to.isoformat() if date_to else "9999") + "#~"
    if invoice_id:
        items, last = t.query_page(keys.invoice_payments_partition(tenant_id, invoice_id), index="GSI2",
                                   sk_between=(lo, hi), limit=limit, start_key=start_key)
    else:
        items, last = t.query_page(keys.payments_partition(tenant_id), index="GSI1", sk_between=(lo, hi),
                                   limit=limit, start_key=start_key)
    return [to_payment(i) for i in items], last


def get_payments(tenant_id: str, payment_ids: Sequence[str]) -> list[Payment]:
    return [to_payment(i) for i in t.batch_get([keys.payment(tenant_id, pid) for pid in payment_ids])]
