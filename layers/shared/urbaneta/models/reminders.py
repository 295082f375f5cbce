"""Reminders (dunning): a reminder sent by hand and the dry run of what the schedule would send (docs/accounts.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from urbaneta.models.common import Money, ResponseModel

PlanStatus = Literal["would_send", "paused", "no_address"]


class ReminderOut(ResponseModel):
    invoice_id: str
    number: str
    apartment_id: str
    level: int = Field(description="The level sent (1 for the building's first)")
    balance_due: Money
    statement_attached: bool


class PlannedReminderOut(ResponseModel):
    invoice_id: str
    number: str
    apartment_id: str
    apartment_number: str | None
    level: int
    due_date: date
    days_overdue: int
    balance_due: Money
    status: PlanStatus = Field(description="`would_send`; `paused`: the apartment's reminders are paused; "
                                           "`no_address`: the invoice has no recipient e-mail")


class ReminderPlanOut(ResponseModel):
    building_id: str
    as_of: date
    reminders: list[PlannedReminderOut]
