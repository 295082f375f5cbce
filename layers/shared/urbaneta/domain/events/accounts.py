"""Event data: apartment accounts (opening balances, credit notes after payment)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from urbaneta.domain.events import EventData
from urbaneta.domain.money import Amount


class OpeningBalanceRecorded(EventData):
    apartment_id: str
    building_id: str
    date: date
    balance: Amount = Field(description="positive: owed; negative: prepaid")


class CreditNoteIssued(EventData):
    credit_note_id: str
    invoice_id: str = Field(description="the invoice credited")
    apartment_id: str
    building_id: str
    amount: Amount = Field(description="the amount credited, positive")
    reason: str
    credited_to_account: Amount = Field(description="the part that became apartment credit")
    refunded: Amount = Field(description="the part recorded as refunded to the payer")
