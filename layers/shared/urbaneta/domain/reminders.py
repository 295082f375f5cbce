"""Reminders (dunning): a building's reminder levels and which level an unpaid invoice is due on a day.

Level ``n`` (1-based, the position in the building's ``billing.reminders``, ordered by ``daysAfterDue``) is due
for an invoice that is sent or overdue, unpaid and ``daysAfterDue`` days past its due date. When the schedule
missed days, only the highest level reached goes out (never a burst of the lower ones), and never a level at or
below the one already sent for that invoice (``Invoice.reminder_level``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from urbaneta.domain.buildings import ReminderLevel
from urbaneta.domain.invoices import Invoice

__all__ = ["ReminderLevel", "due_level", "next_level", "reached", "remindable"]


def remindable(inv: Invoice) -> bool:
    """An invoice a reminder can be about: sent or overdue, unpaid, not a credit note."""
    return inv.status in ("sent", "overdue") and inv.balance_due_cents > 0 and inv.credit_note_of is None


def reached(levels: Sequence[ReminderLevel], due: date, today: date) -> int:
    """The highest level (1-based; 0: none) whose day has come for an invoice due on ``due``."""
    return max((i + 1 for i, lv in enumerate(levels) if today >= due + timedelta(days=lv.days_after_due)),
               default=0)


def due_level(levels: Sequence[ReminderLevel], inv: Invoice, today: date) -> int:
    """The level to send today for ``inv`` (0: nothing is due)."""
    if not remindable(inv):
        return 0
    level = reached(levels, inv.due_date, today)
    return level if level > inv.reminder_level else 0


def next_level(levels: Sequence[ReminderLevel], inv: Invoice) -> int:
    """The level a manager's reminder by hand sends: the next one after the last sent; 0 when every level was sent
    (or the building has none)."""
    level = inv.reminder_level + 1
    return level if level <= len(levels) else 0
