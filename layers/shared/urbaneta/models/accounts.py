"""Apartment accounts: statement, debtor report and opening-balance import models (docs/accounts.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StrictBool, model_validator

from urbaneta.domain.ledger import BUCKETS, AccountBalance, Bucket, EntryType, StatementLine
from urbaneta.domain.money import from_cents
from urbaneta.models.common import MAX_AMOUNT, Amount, ApiModel, Money, ResponseModel

Id = Annotated[str, Field(min_length=1, max_length=64)]
MAX_OPENING_ROWS = 1000


class AccountEntryOut(ResponseModel):
    id: str = Field(description="Derived from the entry's cause, e.g. invoice:<invoiceId>, payment:<paymentId>")
    date: date
    type: EntryType
    description: str
    amount: Money = Field(description="What the entry adds to the debt: positive charges, negative payments")
    balance: Money = Field(description="The running balance after this entry (positive: owed)")
    invoice_id: str | None = None
    payment_id: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, line: StatementLine) -> AccountEntryOut:
        e = line.entry
        return cls(id=e.id, date=e.date, type=e.type, description=e.description, amount=from_cents(e.amount_cents),
                   balance=from_cents(line.balance_cents), invoice_id=e.invoice_id, payment_id=e.payment_id,
                   reason=e.reason)


class AccountStatementOut(ResponseModel):
    apartment_id: str
    building_id: str
    date_from: date | None = Field(default=None, alias="from")
    date_to: date | None = Field(default=None, alias="to")
    opening_balance: Money = Field(description="The balance before the first entry of the period")
    entries: list[AccountEntryOut] = Field(description="This page's entries, oldest first")
    closing_balance: Money = Field(description="The balance after the last entry of the period")
    current_balance: Money = Field(description="The balance now (the account's aggregate)")
    last_payment_date: date | None = None


class AgeingOut(ResponseModel):
    not_due: Money
    days1to30: Money = Field(alias="days1to30")
    days31to60: Money = Field(alias="days31to60")
    days61to90: Money = Field(alias="days61to90")
    over90: Money

    @classmethod
    def of(cls, buckets: dict[Bucket, int]) -> AgeingOut:
        return cls.model_validate({k: from_cents(buckets[k]) for k in BUCKETS})


class DebtorOut(ResponseModel):
    apartment_id: str
    apartment_number: str | None = None
    balance: Money = Field(description="The whole balance (negative: prepaid)")
    overdue: Money = Field(description="The part of the balance past its due date on asOf")
    ageing: AgeingOut
    last_payment_date: date | None = None
    reminder_level: int | None = Field(default=None, description="The highest reminder level the apartment was "
                                                                   "sent (null: none)")

    @classmethod
    def of(cls, account: AccountBalance, number: str | None, buckets: dict[Bucket, int], overdue: int) -> DebtorOut:
        return cls(apartment_id=account.apartment_id, apartment_number=number,
                   balance=from_cents(account.balance_cents), overdue=from_cents(overdue), ageing=AgeingOut.of(buckets),
                   last_payment_date=account.last_payment_date, reminder_level=account.reminder_level)


class DebtorTotalsOut(ResponseModel):
    accounts: int
    debtors: int = Field(description="Accounts with an overdue balance")
    balance: Money
    prepaid: Money = Field(description="The sum of negative balances, as a positive amount")
    overdue: Money
    ageing: AgeingOut


class DebtorReportOut(ResponseModel):
    building_id: str
    as_of: date
    apartments: list[DebtorOut]
    totals: DebtorTotalsOut | None = Field(default=None, description="The whole building's (on the first page)")


class OpeningBalanceRow(ApiModel):
    apartment_id: Id
    date: date
    balance: Annotated[Money, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)] = Field(
        description="Positive: the apartment owes it; negative: prepaid")
    reason: Annotated[str, Field(max_length=200)] | None = None


class OpeningBalanceImport(ApiModel):
    balances: list[OpeningBalanceRow] = Field(min_length=1, max_length=MAX_OPENING_ROWS)


class OpeningRowResult(ResponseModel):
    apartment_id: str
    date: date
    balance: Money
    status: str = Field(description="created, or duplicate (an opening balance of that apartment and date exists)")


class OpeningImportOut(ResponseModel):
    created: int
    duplicates: int
    rows: list[OpeningRowResult]


class DriftOut(ResponseModel):
    apartment_id: str
    stored: Money
    recomputed: Money
    difference: Money


class ConsistencyOut(ResponseModel):
    checked: int
    drift: list[DriftOut]


def money(cents: int) -> Decimal:
    return from_cents(cents)


class CreditNoteCreate(ApiModel):
    """A partial credit note: chosen lines of the invoice (0-based positions) or an amount, with a reason."""

    lines: list[Annotated[int, Field(ge=0, le=500)]] | None = Field(default=None, min_length=1, max_length=500)
    amount: Amount | None = Field(default=None, gt=0)
    reason: Annotated[str, Field(min_length=1, max_length=200)]
    refund: StrictBool = Field(default=False, description="The part already paid is refunded (recorded on the account) "
                                                    "instead of becoming apartment credit")

    @model_validator(mode="after")
    def _one_way(self) -> CreditNoteCreate:
        if (self.lines is None) == (self.amount is None):
            raise ValueError("give either lines or amount")
        if self.lines is not None and len(set(self.lines)) != len(self.lines):
            raise ValueError("a line is credited once")
        return self
