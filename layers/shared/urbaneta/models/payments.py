"""Payments and bank statements: stored shapes (integer cents) and the API's request/response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, field_validator

from urbaneta.domain.money import from_cents
from urbaneta.domain.payments import BankEntry, ManualMethod, Payment, Provider, UnusableNote
from urbaneta.models.common import ApiModel, Money, PastDate, PositiveAmount, ResponseModel

# ---- stored ---------------------------------------------------------------------------------------------------












# ---- requests -------------------------------------------------------------------------------------------------


class ManualPaymentCreate(ApiModel):
    invoice_id: str = Field(min_length=1, max_length=64)
    amount: PositiveAmount
    paid_date: PastDate
    method: ManualMethod
    reference: str | None = Field(default=None, max_length=140)


class BanklinkCreate(ApiModel):
    invoice_id: str = Field(min_length=1, max_length=64)
    provider: Provider
    return_url: HttpUrl
    cancel_url: HttpUrl | None = None
    locale: Literal["et", "en", "ru", "lt", "lv"] | None = None

    @field_validator("return_url", "cancel_url")
    @classmethod
    def _web(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and value.scheme not in ("https", "http"):
            raise ValueError("must be an http(s) URL")
        return value


class EntryMatch(ApiModel):
    invoice_id: str = Field(min_length=1, max_length=64)


class PaymentReverse(ApiModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


# ---- responses ------------------------------------------------------------------------------------------------


class AllocationOut(ResponseModel):
    invoice_id: str
    amount: Money


class PaymentOut(ResponseModel):
    id: str
    invoice_id: str | None
    apartment_id: str
    amount: Money
    currency: str
    paid_date: date
    method: str
    status: str
    reference: str | None
    provider: str | None
    allocations: list[AllocationOut]
    credit: Money
    payer_name: str | None
    statement_id: str | None
    entry_id: str | None
    created_at: str

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        return cls(
            id=p.id, invoice_id=p.invoice_id, apartment_id=p.apartment_id, amount=from_cents(p.amount_cents),
            currency=p.currency, paid_date=p.paid_date, method=p.method, status=p.status, reference=p.reference,
            provider=p.provider,
            allocations=[AllocationOut(invoice_id=a.invoice_id, amount=from_cents(a.amount_cents))
                         for a in p.allocations],
            credit=from_cents(p.credit_cents), payer_name=p.payer_name, statement_id=p.statement_id,
            entry_id=p.entry_id, created_at=p.created_at,
        )


class BanklinkOut(ResponseModel):
    payment_id: str
    provider: str
    redirect_url: str
    amount: Money
    currency: str


class UnusableOut(ResponseModel):
    """An entry of the file the import could not use, with the reason (a stable code) and what was read."""

    position: int = Field(description="The entry's place in the file (0-based).")
    reason: str = Field(description="zero_amount, missing_amount, invalid_amount, amount_too_large, "
                                    "missing_currency, unknown_currency, missing_date, invalid_date, "
                                    "missing_direction, batch_without_amounts, not_booked")
    detail: str
    amount: Money | None = None
    currency: str | None = None
    booking_date: date | None = None
    payer_name: str | None = None
    bank_reference: str | None = None

    @classmethod
    def of(cls, n: UnusableNote) -> UnusableOut:
        return cls(position=n.position, reason=n.reason, detail=n.detail,
                   amount=None if n.amount_cents is None else from_cents(n.amount_cents), currency=n.currency,
                   booking_date=n.booking_date, payer_name=n.payer_name, bank_reference=n.bank_reference)


class StatementImportOut(ResponseModel):
    id: str
    format: str
    entries: int = Field(description="Usable entries (payments in and out).")
    matched: int
    suggested: int
    unmatched: int
    ignored: int = Field(description="Money out, and zero-amount entries.")
    reversed: int
    duplicates: int
    pending: int
    entries_read: int = Field(0, description="Every entry of the file: usable and unusable.")
    unusable_count: int = Field(0, description="Entries recorded as unusable (zero amounts count as ignored).")
    skipped: int = Field(0, description="Balance rows and entries not booked yet.")
    unusable: list[UnusableOut] = Field(default_factory=list,
                                        description="Entries that could not be used, with reasons (first 200).")
    status: Literal["importing", "completed", "failed"] = "completed"
    job_id: str | None = None


class StatementImportAccepted(ResponseModel):
    """202: the import runs in the background; follow it at GET /jobs/{jobId}, then GET /bank-statements/{id}."""

    job_id: str
    status: str
    statement_id: str | None = None
    entries_read: int | None = None


class StatementImportRequest(ApiModel):
    upload_key: str = Field(min_length=1, max_length=512,
                            description="uploadKey returned by POST /bank-statements/uploads.")


class StatementUploadCreate(ApiModel):
    content_type: Literal["application/xml", "text/xml", "text/csv"] = "application/xml"


class StatementUploadOut(ResponseModel):
    """A presigned S3 POST: send ``fields`` plus the file (form field ``file``, last) to ``uploadUrl``, then
    POST /bank-statements/import with ``{"uploadKey": …}``."""

    upload_key: str
    upload_url: str
    fields: dict[str, str]
    expires_in: int = Field(description="Seconds the upload stays allowed.")
    max_bytes: int


class EntryOut(ResponseModel):
    id: str
    position: int
    booking_date: date | None
    amount: Money | None
    currency: str | None
    direction: str | None
    reversal: bool
    payer_name: str | None
    payer_iban: str | None
    reference: str | None
    text: str | None
    bank_reference: str | None
    status: str
    rule: str | None
    confidence: str | None
    invoice_id: str | None
    apartment_id: str | None
    payment_id: str | None
    reason: str | None = Field(None, description="Why an unusable (or zero-amount ignored) entry was not used.")
    detail: str | None = None

    @classmethod
    def of(cls, e: BankEntry) -> EntryOut:
        return cls(
            id=e.id, position=e.position, booking_date=e.booking_date,
            amount=None if e.amount_cents is None else from_cents(e.amount_cents),
            currency=e.currency, direction=e.direction, reversal=e.reversal, payer_name=e.payer_name,
            payer_iban=e.payer_iban, reference=e.structured_reference, text=e.text, bank_reference=e.bank_reference,
            status=e.status, rule=e.rule, confidence=e.confidence, invoice_id=e.invoice_id,
            apartment_id=e.apartment_id, payment_id=e.payment_id, reason=e.reason, detail=e.detail,
        )


class StatementOut(ResponseModel):
    id: str
    format: str
    own_iban: str | None
    created_at: str
    counts: StatementImportOut
    entries: list[EntryOut]
    next_cursor: str | None
