"""The reminder rules (domain/reminders.py): which level is due on a day, the level sent by hand, the ledger."""

from __future__ import annotations

from datetime import date

import pytest

from urbaneta.domain import ledger
from urbaneta.domain import reminders as rules
from urbaneta.domain.buildings import ReminderLevel
from urbaneta.domain.invoices import Invoice

LEVELS = [ReminderLevel(daysAfterDue=7, message="one"), ReminderLevel(daysAfterDue=21, message="two")]


def invoice(**over) -> Invoice:
    base = dict(id="i1", tenantId="t1", number="2025-000001", referenceNumber="1", buildingId="b1", apartmentId="a1",
                periodStart=date(2025, 1, 1), periodEnd=date(2025, 1, 31), issueDate=date(2025, 2, 1),
                dueDate=date(2025, 2, 15), subtotalCents=8000, vatTotalCents=0, totalCents=8000,
                balanceDueCents=8000, status="overdue", createdAt="x", updatedAt="x")
    return Invoice.model_validate({**base, **over})


@pytest.mark.parametrize(("today", "sent", "expected"), [
    (date(2025, 2, 21), 0, 0),   # 6 days late: nothing yet
    (date(2025, 2, 22), 0, 1),   # 7 days: level 1
    (date(2025, 2, 22), 1, 0),   # level 1 already sent
    (date(2025, 3, 8), 1, 2),    # 21 days: level 2
    (date(2025, 3, 20), 0, 2),   # days were missed: only the highest level reached, never a burst
    (date(2025, 4, 1), 2, 0),    # every level sent
])
def test_rem_u01_the_highest_level_reached_and_not_sent_is_due(today, sent, expected):
    assert rules.due_level(LEVELS, invoice(reminderLevel=sent), today) == expected


@pytest.mark.parametrize("over", [{"status": "paid", "balanceDueCents": 0}, {"status": "draft"},
                                  {"status": "cancelled"}, {"creditNoteOf": "i0"}, {"balanceDueCents": 0}])
def test_rem_u02_paid_draft_cancelled_and_credit_notes_are_never_reminded(over):
    assert rules.due_level(LEVELS, invoice(**over), date(2025, 6, 1)) == 0


def test_rem_u03_by_hand_the_next_level_then_none():
    assert [rules.next_level(LEVELS, invoice(reminderLevel=n)) for n in (0, 1, 2)] == [1, 2, 0]
    assert rules.next_level([], invoice()) == 0


def test_rem_u04_a_reminder_entry_moves_no_money_and_marks_its_level():
    entry = ledger.LedgerEntry(id="reminder:i1:2", tenantId="t1", buildingId="b1", apartmentId="a1",
                               date=date(2025, 3, 8), type="reminder", amountCents=0, createdAt="x")
    ledger.check_sign(entry)
    change = ledger.change_of([entry])
    assert (change.balance_cents, change.entries, change.charges, change.reminder_level) == (0, 1, None, 2)
    with pytest.raises(ValueError):
        ledger.check_sign(entry.model_copy(update={"amount_cents": 1}))
