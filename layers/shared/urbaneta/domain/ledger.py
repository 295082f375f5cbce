"""The apartment account (ledger): its entries, the balance aggregate and the pure rules over them.

Sign: an entry's ``amount_cents`` is what it adds to the money the apartment owes. An invoice, a late-interest
charge, a positive opening balance, a payment reversal and a refund are positive; a payment, a credit note and
a negative (prepaid) opening balance are negative. An ``adjustment`` (a draft's lines changed, a draft voided)
has either sign. A ``reminder`` (a reminder e-mail sent about an invoice) moves no money: its amount is 0.
A balance above zero is debt, below zero a prepayment.

Ageing is balance-forward (VÕS § 88: money pays the oldest debt first): the debt of an apartment is made of its
NEWEST charges, so a positive balance is attributed to the charges (by due date) from the newest back; each part
is aged by ``as_of - due date``. The aggregate keeps the charges summed per due date (``charges``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import Entity

EntryType = Literal["opening_balance", "invoice", "late_interest", "payment", "payment_reversal", "credit_note",
                    "refund", "adjustment", "reminder"]

ENTRY_TYPES: tuple[str, ...] = EntryType.__args__  # type: ignore[attr-defined]

DEBITS: frozenset[str] = frozenset({"invoice", "late_interest", "payment_reversal", "refund"})
"""Entry types that add to the debt (their amount is positive); the others reduce it (opening: either sign)."""


class LedgerEntry(Entity):
    """One line of an apartment account. ``id`` is derived from its cause (``invoice:<invoiceId>``,
    ``payment:<paymentId>``, ``reversal:<paymentId>``...), so writing it twice is refused by its key."""

    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
    apartment_id: str = Field(alias="apartmentId")
    date: date
    type: EntryType
    amount_cents: int = Field(alias="amountCents")
    description: str = ""
    invoice_id: str | None = Field(default=None, alias="invoiceId")
    payment_id: str | None = Field(default=None, alias="paymentId")
    reason: str | None = None
    created_at: str = Field(alias="createdAt")


class AccountBalance(Entity):
    """The balance aggregate of one apartment: updated in the transaction of every entry, read with one GetItem."""

    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
    apartment_id: str = Field(alias="apartmentId")
    balance_cents: int = Field(default=0, alias="balanceCents")
    entry_count: int = Field(default=0, alias="entryCount")
    received_cents: int = Field(default=0, alias="receivedCents")  # payments net of reversals, ever
    received_at_invoice_cents: int = Field(default=0, alias="receivedAtInvoiceCents")  # at the last invoice
    last_payment_date: date | None = Field(default=None, alias="lastPaymentDate")
    last_invoice_date: date | None = Field(default=None, alias="lastInvoiceDate")
    charges: dict[str, int] = Field(default_factory=dict)  # due date (ISO) → cents charged with that due date
    reminder_level: int | None = Field(default=None, alias="reminderLevel")  # the highest reminder level sent
    updated_at: str | None = Field(default=None, alias="updatedAt")

    @property
    def payments_since_invoice_cents(self) -> int:
        return self.received_cents - self.received_at_invoice_cents


def empty_balance(tenant_id: str, building_id: str, apartment_id: str) -> AccountBalance:
    return AccountBalance(tenant_id=tenant_id, building_id=building_id, apartment_id=apartment_id)


# ---- what an entry changes on the aggregate ----------------------------------------------------------------


@dataclass(frozen=True)
class BalanceChange:
    """The aggregate update of one or more entries written together (one UpdateItem in their transaction)."""

    balance_cents: int = 0
    entries: int = 0
    received_cents: int = 0
    charges: Mapping[str, int] | None = None  # due date → cents
    last_payment_date: date | None = None
    invoice_date: date | None = None  # set: an invoice snapshot of ``received`` (payments since the last one)
    reminder_level: int | None = None  # a reminder of this level was sent


def change_of(entries: Sequence[LedgerEntry], due: date | None = None) -> BalanceChange:
    """What ``entries`` change: the balance, the payments received and (for charges) the charges by ``due``."""
    total = sum(e.amount_cents for e in entries)
    received = -sum(e.amount_cents for e in entries if e.type in ("payment", "payment_reversal"))
    charged = sum(e.amount_cents for e in entries if e.type in ("invoice", "late_interest", "credit_note", "refund",
                                                                "adjustment")
                  or (e.type == "opening_balance" and e.amount_cents > 0))
    paid_on = [e.date for e in entries if e.type == "payment"]
    invoiced = [e.date for e in entries if e.type == "invoice"]
    charge_day = due or (entries[0].date if entries else None)
    reminded = [int(e.id.rsplit(":", 1)[1]) for e in entries if e.type == "reminder"]
    return BalanceChange(balance_cents=total, entries=len(entries), received_cents=received,
                         charges={charge_day.isoformat(): charged} if charged and charge_day else None,
                         last_payment_date=max(paid_on) if paid_on else None,
                         invoice_date=max(invoiced) if invoiced else None,
                         reminder_level=max(reminded) if reminded else None)


def check_sign(entry: LedgerEntry) -> None:
    """An entry's sign follows its type (a programming error otherwise)."""
    if entry.type == "reminder" and entry.amount_cents != 0:
        raise ValueError("a reminder moves no money")
    if entry.type in ("opening_balance", "adjustment"):
        return
    if (entry.amount_cents > 0) != (entry.type in DEBITS) and entry.amount_cents != 0:
        raise ValueError(f"a {entry.type} entry cannot be {entry.amount_cents}")


# ---- statements ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    balance_cents: int  # the running balance after this entry


@dataclass(frozen=True)
class Statement:
    opening_cents: int
    lines: tuple[StatementLine, ...]
    closing_cents: int


def order_key(entry: LedgerEntry) -> tuple[str, str]:
    """Entries are ordered by date, then by id (the sort key of the table)."""
    return entry.date.isoformat(), entry.id


def statement(current_cents: int, since_from: Iterable[LedgerEntry], date_from: date | None,
              date_to: date | None) -> Statement:
    """A statement from the current balance and every entry dated on or after ``date_from`` (or all of them):
    opening = current - those entries; then each entry up to ``date_to`` with its running balance."""
    entries = sorted(since_from, key=order_key)
    after_from = [e for e in entries if date_from is None or e.date >= date_from]
    opening = current_cents - sum(e.amount_cents for e in after_from)
    running = opening
    lines: list[StatementLine] = []
    for e in after_from:
        if date_to is not None and e.date > date_to:
            break
        running += e.amount_cents
        lines.append(StatementLine(e, running))
    return Statement(opening, tuple(lines), running)


def recompute(entries: Iterable[LedgerEntry]) -> int:
    """The balance as the sum of the entries (the consistency check's side of the comparison)."""
    return sum(e.amount_cents for e in entries)


# ---- ageing -------------------------------------------------------------------------------------------------

Bucket = Literal["notDue", "days1to30", "days31to60", "days61to90", "over90"]
BUCKETS: tuple[Bucket, ...] = ("notDue", "days1to30", "days31to60", "days61to90", "over90")


def bucket_of(due: date, as_of: date) -> Bucket:
    days = (as_of - due).days
    if days <= 0:
        return "notDue"
    if days <= 30:
        return "days1to30"
    if days <= 60:
        return "days31to60"
    return "days61to90" if days <= 90 else "over90"


def ageing(balance_cents: int, charges: Mapping[str, int], as_of: date) -> dict[Bucket, int]:
    """The positive balance attributed to the newest charges first (older debt was paid first), per bucket.
    Debt older than every kept charge (it cannot happen with complete charges) is ``over90``."""
    out: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
    left = max(0, balance_cents)
    for due in sorted(charges, reverse=True):
        if left <= 0:
            break
        part = min(left, max(0, charges[due]))
        out[bucket_of(date.fromisoformat(due), as_of)] += part
        left -= part
    out["over90"] += left
    return out


def overdue_of(buckets: Mapping[Bucket, int]) -> int:
    return sum(v for k, v in buckets.items() if k != "notDue")


# ---- balances on an invoice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceBalances:
    previous_balance_cents: int
    payments_received_cents: int
    total_to_pay_cents: int


def invoice_balances(before: AccountBalance, invoice_total_cents: int) -> InvoiceBalances:
    """What the account said when the invoice was issued: the balance before it (debt or prepayment), the
    payments received since the previous invoice, and the total to pay (previous balance + this invoice)."""
    return InvoiceBalances(before.balance_cents, before.payments_since_invoice_cents,
                           before.balance_cents + invoice_total_cents)
