"""Recording payments against invoices: allocation, the atomic invoice update, credit, events; manual payments,
the payments list. Bank links (Paysera, MakeCommerce) and their callbacks are in ``services.banklinks``.

``apply_payment`` is the one place money reaches invoices. It plans the allocation from the open invoices,
then writes the payment, its dedupe guard, every invoice update (each conditioned on the invoice version)
and the apartment credit in ONE transaction; a version conflict re-reads the invoices and tries again, so
concurrent payments against one invoice leave exactly the right balance.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from urbaneta import backoff
from urbaneta.adapters.events import DomainEvent, domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso, today
from urbaneta.domain import invoice_state
from urbaneta.domain.events.invoicing import InvoiceEventData, PaymentReceived, PaymentReversed
from urbaneta.domain.invoice_state import OPEN_STATUSES
from urbaneta.domain.invoices import Invoice
from urbaneta.domain.money import to_cents
from urbaneta.domain.payments import AllocationItem, Payment
from urbaneta.domain.reconciliation import AllocationPlan, OpenInvoice, allocate
from urbaneta.errors import Conflict, NotFound, ServiceUnavailable
from urbaneta.models.payments import ManualPaymentCreate, PaymentOut
from urbaneta.observability import metrics
from urbaneta.services.accounts import posting
from urbaneta.store import invoices as invoice_store
from urbaneta.store import payments as store
from urbaneta.store.table import ConditionFailed
from urbaneta.store.transactions import Op, UnitOfWork

MAX_ATTEMPTS = 80
MAX_INVOICES_PER_PAYMENT = 40  # a transaction holds 100 operations: payment, guard, credit, pointers + invoices
PAYABLE = OPEN_STATUSES  # drafts have their number and reference already


class DuplicatePayment(Conflict):
    """The dedupe guard of this payment exists already: it was recorded before."""

    def __init__(self, payment_id: str) -> None:
        super().__init__("This payment was recorded before.")
        self.payment_id = payment_id


@dataclass
class PaymentDraft:
    """Everything about a payment except its allocation, which ``apply_payment`` plans."""

    tenant_id: str
    apartment_id: str
    amount_cents: int
    currency: str
    paid_date: date
    method: str
    named_invoice_id: str | None = None
    reference: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    statement_id: str | None = None
    entry_id: str | None = None
    signature: str | None = None
    recorded_by: str | None = None
    provider: str | None = None
    payment_id: str = field(default_factory=new_id)
    dedupe: str | None = None
    fingerprint: str | None = None
    pending: Payment | None = None  # a bank link payment waiting for its callback
    only_named: bool = False  # allocate to the named invoice only (credit use): never leave credit behind
    extra_ops: list[Op] = field(default_factory=list)  # more labelled writes of the same unit (e.g. the entry)


@dataclass
class Applied:
    payment: Payment
    events: list[DomainEvent]
    settled: list[Invoice]
    after: list[Invoice] = field(default_factory=list)  # the open invoices as this payment left them


def _open(invoice: Invoice) -> OpenInvoice:
    interest = sum(line.amount_cents + line.vat_cents for line in invoice.lines if line.kind == "late_interest")
    return OpenInvoice(invoice.id, invoice.due_date, invoice.balance_due_cents, interest, invoice.amount_paid_cents)


def _payable(invoice: Invoice) -> bool:
    return invoice.status in PAYABLE and invoice.balance_due_cents > 0


def _plan(draft: PaymentDraft, invoices: Sequence[Invoice]) -> tuple[AllocationPlan, dict[str, Invoice]]:
    by_id = {i.id: i for i in invoices if _payable(i) and (not draft.only_named or i.id == draft.named_invoice_id)}
    ordered = sorted(by_id.values(), key=lambda i: (i.id != draft.named_invoice_id, i.due_date, i.id))
    chosen = ordered[:MAX_INVOICES_PER_PAYMENT]
    return allocate(draft.amount_cents, [_open(i) for i in chosen], draft.named_invoice_id), by_id


def open_invoices(draft: PaymentDraft) -> list[Invoice]:
    invoices = list(invoice_store.list_open_invoices_for_apartment(draft.tenant_id, draft.apartment_id))
    if draft.named_invoice_id and all(i.id != draft.named_invoice_id for i in invoices):
        with contextlib.suppress(NotFound):
            invoices.append(invoice_store.get_invoice(draft.tenant_id, draft.named_invoice_id))
    return invoices


def _payment(draft: PaymentDraft, plan: AllocationPlan) -> Payment:
    now = now_iso()
    first = plan.allocations[0].invoice_id if plan.allocations else None
    return Payment(
        id=draft.payment_id, tenant_id=draft.tenant_id, invoice_id=draft.named_invoice_id or first,
        apartment_id=draft.apartment_id, amount_cents=draft.amount_cents, currency=draft.currency,
        paid_date=draft.paid_date, method=draft.method,  # type: ignore[arg-type]
        status="received", reference=draft.reference, provider=draft.provider,  # type: ignore[arg-type]
        provider_transaction_id=draft.pending.provider_transaction_id if draft.pending else None,
        allocations=[AllocationItem(invoice_id=a.invoice_id, amount_cents=a.amount_cents,
                                    interest_cents=a.interest_cents, principal_cents=a.principal_cents)
                     for a in plan.allocations],
        credit_cents=plan.credit_cents, payer_name=draft.payer_name, payer_iban=draft.payer_iban,
        statement_id=draft.statement_id, entry_id=draft.entry_id, signature=draft.signature,
        recorded_by=draft.recorded_by, created_at=draft.pending.created_at if draft.pending else now, updated_at=now,
    )


def _backoff(attempt: int) -> None:
    """A lost optimistic-lock race: wait a little, jittered, before reading again."""
    backoff.pause(attempt, base=0.002, cap=0.1, jitter=True)


def _payment_work(draft: PaymentDraft, payment: Payment, plan: AllocationPlan, by_id: dict[str, Invoice],
                  building_id: str) -> UnitOfWork:
    """The payment with everything it changes, as one unit: ``payment`` (new, or a pending one received once),
    ``dedupe`` (the import identity), ``invoice:<id>`` per allocation (version-checked), ``credit``,
    ``signature``, ``payer``, the ledger entry with the account (``entry:<apt>``, ``account:<apt>``) and the
    draft's own extra operations."""
    work = UnitOfWork()
    work.add(store.receive_pending_op(payment) if draft.pending else store.put_payment_op(payment))
    if draft.dedupe:
        work.add(store.dedupe_guard_op(draft.tenant_id, draft.dedupe, payment.id, draft.fingerprint))
    for a in plan.allocations:
        invoice = by_id[a.invoice_id]
        work.add(invoice_store.transition_op(invoice, invoice_state.after_payment(invoice, a.amount_cents,
                                                                                  draft.paid_date)))
    if plan.credit_cents:
        work.add(store.add_credit_op(draft.tenant_id, draft.apartment_id, plan.credit_cents))
    if payment.signature:
        work.add(store.signature_op(payment))
    if draft.payer_iban:
        work.add(store.known_payer_op(draft.tenant_id, draft.payer_iban, draft.apartment_id))
    entry = posting.payment_entry(payment, building_id)
    work.extend(posting.post_ops([entry] if entry else []))  # the apartment account, in the same unit
    return work.extend(draft.extra_ops)


@dataclass
class Prepared:
    """A payment planned and composed, not yet committed: its unit of work and what it will change."""

    draft: PaymentDraft
    payment: Payment
    plan: AllocationPlan
    by_id: dict[str, Invoice]
    work: UnitOfWork


def prepare_payment(draft: PaymentDraft, current: Sequence[Invoice], building_id: str) -> Prepared:
    """Plan the allocation over ``current`` and compose the payment's unit of work (not committed)."""
    plan, by_id = _plan(draft, current)
    if draft.only_named and plan.credit_cents:
        raise ConditionFailed("The invoice's balance changed.", ())
    payment = _payment(draft, plan)
    return Prepared(draft, payment, plan, by_id, _payment_work(draft, payment, plan, by_id, building_id))


def committed(p: Prepared) -> Applied:
    """What a committed payment did: the invoices it settled, the open invoices after it, its events."""
    draft, payment, plan, by_id = p.draft, p.payment, p.plan, p.by_id
    settled = [by_id[a.invoice_id] for a in plan.allocations
               if invoice_state.payment_settles(by_id[a.invoice_id], a.amount_cents)]
    metrics.add_metric(name="PaymentsReceived", unit="Count", value=1)
    paid = {a.invoice_id: a.amount_cents for a in plan.allocations}
    after = [invoice_state.after_payment(i, paid[i.id], draft.paid_date).model_copy(
        update={"version": i.version + 1}) if i.id in paid else i for i in by_id.values()]
    events = [domain_event("payment.received", draft.tenant_id, PaymentReceived.of(payment))]
    paid_now = {i.id: i for i in after}
    events += [domain_event("invoice.paid", draft.tenant_id,
                            InvoiceEventData.of(paid_now[i.id], payment_id=payment.id)) for i in settled]
    return Applied(payment, events, settled, after)


def apply_payment(draft: PaymentDraft, *, invoices: Sequence[Invoice] | None = None) -> Applied:
    """Record a payment and its effect on invoices and credit atomically; retried on invoice version conflicts.
    Raises DuplicatePayment when the dedupe guard exists, Conflict when a pending payment was received before."""
    current = list(invoices) if invoices is not None else open_invoices(draft)
    building_id = posting.building_of(draft.tenant_id, draft.apartment_id, current)
    for attempt in range(MAX_ATTEMPTS):
        prepared = prepare_payment(draft, current, building_id)
        try:
            prepared.work.commit()
        except ConditionFailed as exc:
            if "dedupe" in exc.labels:
                guard = store.get_dedupe(draft.tenant_id, draft.dedupe or "")
                raise DuplicatePayment(str(guard["paymentId"]) if guard else prepared.payment.id) from exc
            if "payment" in exc.labels:
                raise Conflict("The payment was recorded before.") from exc
            if not any(label.startswith("invoice:") for label in exc.labels):
                raise
            _backoff(attempt)
            current = open_invoices(draft)  # someone else paid one of them: re-read and plan again
            continue
        return committed(prepared)
    raise ServiceUnavailable("The invoice is being paid by many payments at once; try again.")


def reverse_payment(original: Payment, entry_id: str, extra_ops: Sequence[Op] = (), *, reason: str | None = None,
                    on: date | None = None) -> list[DomainEvent]:
    """Undo a received payment: its invoice allocations come off again (status back to sent/overdue), its
    credit is taken back, the payment is marked reversed and the account gets a ``payment_reversal`` entry
    dated ``on`` (today). Retried on invoice version conflicts."""
    building_id: str | None = None
    for attempt in range(MAX_ATTEMPTS):
        invoices = {a.invoice_id: invoice_store.get_invoice(original.tenant_id, a.invoice_id)
                    for a in original.allocations}
        building_id = building_id or posting.building_of(original.tenant_id, original.apartment_id,
                                                         invoices.values())
        entry = posting.reversal_entry(original, building_id, on or today(), reason)
        work = UnitOfWork().add(store.reverse_op(original, entry_id)).extend(posting.post_ops([entry] if entry else []))
        for a in original.allocations:
            work.add(invoice_store.transition_op(invoices[a.invoice_id], invoice_state.after_payment(
                invoices[a.invoice_id], -a.amount_cents, None)))
        if original.credit_cents:
            work.add(store.add_credit_op(original.tenant_id, original.apartment_id, -original.credit_cents))
        work.extend(extra_ops)
        try:
            work.commit()
        except ConditionFailed as exc:
            if "payment" in exc.labels:
                raise Conflict("The payment was reversed before.") from exc
            _backoff(attempt)
            continue
        return [domain_event("payment.reversed", original.tenant_id, PaymentReversed.reversal(original, entry_id))]
    raise ServiceUnavailable("The invoice is busy; try again.")


# ---- manual payments ------------------------------------------------------------------------------------------


def record_manual_payment(caller: Principal, body: ManualPaymentCreate) -> PaymentOut:
    """A payment the manager records by hand (cash, a transfer seen elsewhere). A retried request is made safe
    by the ``Idempotency-Key`` middleware (``http.idempotency``), the one mechanism for every POST."""
    invoice = invoice_store.get_invoice(caller.tenant_id, body.invoice_id)
    if invoice.status not in PAYABLE:
        raise Conflict(f"An invoice in status {invoice.status} takes no payments.")
    draft = PaymentDraft(
        tenant_id=caller.tenant_id, apartment_id=invoice.apartment_id, amount_cents=to_cents(body.amount),
        currency=invoice.currency, paid_date=body.paid_date, method=body.method, named_invoice_id=invoice.id,
        reference=body.reference, recorded_by=caller.user_id,
    )
    applied = apply_payment(draft)
    publish(applied.events)
    return PaymentOut.of(applied.payment)


# ---- apartment credit → the next invoice ---------------------------------------------------------------------


def apply_credit_to_invoice(tenant_id: str, invoice_id: str) -> str:
    """A new invoice uses the apartment's credit (earlier overpayments): a payment of method ``credit`` for
    min(credit, balance), written in one transaction with the credit taken (conditioned on it still being there)
    and the invoice update. Once per invoice (dedupe ``CREDIT#<invoice>``); retried when either changed.
    Returns 'applied', 'no_credit', 'nothing_due' or 'duplicate'."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            invoice = invoice_store.get_invoice(tenant_id, invoice_id)
        except NotFound:
            return "nothing_due"
        if not _payable(invoice) or invoice.credit_note_of is not None:
            return "nothing_due"
        credit = store.get_apartment_credit_cents(tenant_id, invoice.apartment_id)
        if credit <= 0:
            return "no_credit"
        cents = min(credit, invoice.balance_due_cents)
        draft = PaymentDraft(
            tenant_id=tenant_id, apartment_id=invoice.apartment_id, amount_cents=cents, currency=invoice.currency,
            paid_date=today(), method="credit", named_invoice_id=invoice.id, reference=invoice.number,
            dedupe=f"CREDIT#{invoice.id}", only_named=True,
            extra_ops=[store.consume_credit_op(tenant_id, invoice.apartment_id, cents)],
        )
        try:
            applied = apply_payment(draft, invoices=[invoice])
        except DuplicatePayment:
            return "duplicate"
        except ConditionFailed:
            _backoff(attempt)  # the credit changed meanwhile: read both again
            continue
        publish(applied.events)
        return "applied"
    raise ServiceUnavailable("The apartment's credit is busy; try again.")
