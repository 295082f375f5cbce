"""Reminders (dunning): a building's levels, a reminder sent by hand and the dry run (docs/accounts.md)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StringConstraints

from urbaneta.domain.buildings import ReminderLevel
from urbaneta.models.common import ApiModel, Money, ResponseModel

REMINDERS = ("The reminder levels, at most 5, in increasing `daysAfterDue` (level 1 is the first). The daily "
             "schedule e-mails each unpaid invoice the highest level reached, once per invoice and level.")


class ReminderLevelIn(ApiModel):
    days_after_due: Annotated[StrictInt, Field(ge=1, le=365)] = Field(
        description="Days after the invoice's due date when this level goes out")
    message: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="The manager's text, sent as typed (in every recipient's e-mail, whatever its language)")
    attach_statement: StrictBool = Field(default=False, description="Attach the apartment's account statement (PDF)")


def _increasing(levels: list[ReminderLevelIn] | None) -> list[ReminderLevelIn] | None:
    days = [lv.days_after_due for lv in levels or []]
    if any(b <= a for a, b in pairwise(days)):
        raise ValueError("levels must have strictly increasing daysAfterDue")
    return levels


Reminders = Annotated[list[ReminderLevelIn], Field(max_length=5, description=REMINDERS), AfterValidator(_increasing)]


class ReminderLevelOut(ResponseModel):
    level: int = Field(description="1 for the first level")
    days_after_due: int
    message: str
    attach_statement: bool

    @classmethod
    def all(cls, levels: list[ReminderLevel]) -> list[ReminderLevelOut]:
        return [cls(level=i + 1, days_after_due=lv.days_after_due, message=lv.message,
                    attach_statement=lv.attach_statement) for i, lv in enumerate(levels)]


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
