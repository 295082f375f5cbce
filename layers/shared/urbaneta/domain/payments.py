"""Payments, bank statements and their entries: the entities and literals (money as integer cents)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import Entity
from urbaneta.domain.jobs import ImportTally

Provider = Literal["paysera", "maksekeskus"]


ManualMethod = Literal["bank_transfer", "cash", "card", "other"]


PaymentMethod = Literal["bank_transfer", "cash", "card", "other", "banklink", "bank_statement", "credit"]


PaymentStatus = Literal["pending", "received", "reversed", "failed"]


EntryStatus = Literal["matched", "suggested", "unmatched", "ignored", "reversed", "pending", "unusable"]


class AllocationItem(Entity):
    invoice_id: str = Field(alias="invoiceId")
    amount_cents: int = Field(alias="amountCents")
    interest_cents: int = Field(default=0, alias="interestCents")
    principal_cents: int = Field(default=0, alias="principalCents")


class Payment(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    invoice_id: str | None = Field(default=None, alias="invoiceId")  # the invoice named (or first allocated)
    apartment_id: str = Field(alias="apartmentId")
    amount_cents: int = Field(alias="amountCents")
    currency: str = "EUR"
    paid_date: date = Field(alias="paidDate")
    method: PaymentMethod
    status: PaymentStatus = "received"
    reference: str | None = None
    provider: Provider | None = None
    provider_transaction_id: str | None = Field(default=None, alias="providerTransactionId")
    allocations: list[AllocationItem] = Field(default_factory=list)
    credit_cents: int = Field(default=0, alias="creditCents")
    payer_name: str | None = Field(default=None, alias="payerName")
    payer_iban: str | None = Field(default=None, alias="payerIban")
    statement_id: str | None = Field(default=None, alias="statementId")
    entry_id: str | None = Field(default=None, alias="entryId")
    signature: str | None = None  # what a reversal looks the payment up by
    reversed_by: str | None = Field(default=None, alias="reversedBy")  # entry id of the reversal
    recorded_by: str | None = Field(default=None, alias="recordedBy")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class BankEntry(Entity):
    id: str  # the import identity
    tenant_id: str = Field(alias="tenantId")
    statement_id: str = Field(alias="statementId")
    position: int
    tx_index: int = Field(default=0, alias="txIndex")  # within a batched entry
    # an unusable entry (``reason``) keeps what could be read of it: any of these may be missing
    booking_date: date | None = Field(default=None, alias="bookingDate")
    amount_cents: int | None = Field(default=None, alias="amountCents")
    currency: str | None = None
    direction: Literal["credit", "debit"] | None = None
    reversal: bool = False
    payer_name: str | None = Field(default=None, alias="payerName")
    payer_iban: str | None = Field(default=None, alias="payerIban")
    own_iban: str = Field(alias="ownIban")
    structured_reference: str | None = Field(default=None, alias="structuredReference")
    text: str | None = None
    bank_reference: str | None = Field(default=None, alias="bankReference")
    status: EntryStatus
    rule: str | None = None
    confidence: str | None = None
    invoice_id: str | None = Field(default=None, alias="invoiceId")
    apartment_id: str | None = Field(default=None, alias="apartmentId")
    payment_id: str | None = Field(default=None, alias="paymentId")
    signature: str | None = None
    reason: str | None = None  # why an entry cannot be used (adapters.statements.model.REASONS)
    detail: str | None = None
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class UnusableNote(Entity):
    """An entry of an imported file that could not be used, as the import result lists it."""

    position: int
    reason: str
    detail: str
    amount_cents: int | None = Field(default=None, alias="amountCents")
    currency: str | None = None
    booking_date: date | None = Field(default=None, alias="bookingDate")
    payer_name: str | None = Field(default=None, alias="payerName")
    bank_reference: str | None = Field(default=None, alias="bankReference")


class EntryCounts(ImportTally):
    """How an import's entries went: the statement keeps them; the import counts them as it goes."""

    pending: int = 0


MAX_NOTES = 200  # unusable entries listed on the statement item (all of them are entries too)


class Statement(EntryCounts):
    id: str
    tenant_id: str = Field(alias="tenantId")
    format: str
    own_iban: str | None = Field(default=None, alias="ownIban")
    file_key: str = Field(alias="fileKey")
    file_size: int = Field(alias="fileSize")
    entries: int = 0
    skipped: int = 0
    entries_read: int = Field(default=0, alias="entriesRead")
    notes: list[UnusableNote] = Field(default_factory=list)  # the first MAX_NOTES unusable entries
    job_id: str | None = Field(default=None, alias="jobId")  # an asynchronous import
    status: Literal["importing", "completed", "failed"] = "completed"
    imported_by: str | None = Field(default=None, alias="importedBy")
    created_at: str = Field(alias="createdAt")
