"""Ownership changes of an apartment: who an invoice belongs to, and who is e-mailed about it (pure rules).

The change date is the new owner's first day. An invoice belongs to the owner of the day its billing period
ends: a period that ended before the change date is the former owner's ("their own past invoices"); a period
that ends on the change date or later (one that straddles the date included) stays with the apartment and its
current owner.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from urbaneta.domain.buildings import Apartment
from urbaneta.domain.invoices import Invoice, Recipient

FormerOwnersAccess = Literal["ownInvoices", "none"]
"""What the former residents keep: read access to their own past invoices (``ownInvoices``), or nothing."""

MAX_PAST_DAYS = 366
"""How far back a change may be dated: a year and a day (a sale recorded late, never a rewrite of history)."""


def date_problem(when: date, today: date, owner_since: date | None) -> str | None:
    """Why a change cannot take effect on ``when`` (None: it can). Today or up to a year back; later than the
    apartment's last change."""
    if when > today:
        return f"must be today or earlier (today is {today.isoformat()}); record the change once it happened"
    if when < today - timedelta(days=MAX_PAST_DAYS):
        return f"must be at most {MAX_PAST_DAYS} days ago"
    if owner_since is not None and when <= owner_since:
        return f"must be after the apartment's last ownership change ({owner_since.isoformat()})"
    return None


def belongs_before(period_end: date, change_date: date) -> bool:
    """True: the invoice of a period ending on ``period_end`` is the former owner's (ended before the change)."""
    return period_end < change_date


def in_window(period_end: date, start: date | None, until: date | None) -> bool:
    """An invoice inside a resident's window: from an ownership change (``start``) and before one (``until``)."""
    return (start is None or not belongs_before(period_end, start)) and \
        (until is None or belongs_before(period_end, until))


Window = tuple[str, date | None, date | None]
"""An invoice window of a resident: (apartment, from, until), stored and carried in tokens as
``apartment|from|until`` (either date may be empty)."""


def window_entry(apartment_id: str, start: date | None, until: date | None) -> str:
    return f"{apartment_id}|{start.isoformat() if start else ''}|{until.isoformat() if until else ''}"


def parse_window(entry: str) -> Window | None:
    """``apartment|from|until`` → (apartment, from, until); None when malformed."""
    parts = entry.split("|")
    if len(parts) != 3 or not parts[0]:
        return None
    try:
        return parts[0], (date.fromisoformat(parts[1]) if parts[1] else None), \
            (date.fromisoformat(parts[2]) if parts[2] else None)
    except ValueError:
        return None


def windows_after_leaving(windows: set[str], apartment_id: str, keep_until: date | None) -> set[str]:
    """A resident's windows once they leave an apartment: its open window (from its last change) closes; with
    ``keep_until`` (an ownership change with ``ownInvoices``) it becomes a past residence reading the invoices
    of periods ending before that date (and on or after the start of their own ownership, if any)."""
    parsed = {entry: parse_window(entry) for entry in windows}
    open_ = {e: w for e, w in parsed.items() if w is not None and w[0] == apartment_id and w[2] is None}
    after = set(windows) - set(open_)
    if keep_until is not None:
        starts = [w[1] for w in open_.values() if w[1] is not None]
        after.add(window_entry(apartment_id, max(starts) if starts else None, keep_until))
    return after


def addressee(printed: Recipient, period_end: date, owner_since: date | None, owner_name: str | None,
              owner_email: str | None) -> Recipient:
    """Who is e-mailed about an invoice (sending, reminders): its printed recipient, unless the apartment changed
    owners and the invoice is the current owner's (its period ends on or after the change): then the current
    owner. So a former owner is never e-mailed about an invoice from the change date on."""
    if owner_since is None or belongs_before(period_end, owner_since):
        return printed
    return Recipient(name=owner_name, email=owner_email)


def addressed(inv: Invoice, apartment: Apartment | None) -> Invoice:
    """The invoice as it is e-mailed: with its ``addressee`` as the recipient (the stored invoice is unchanged)."""
    if apartment is None:
        return inv
    to = addressee(inv.recipient, inv.period_end, apartment.owner_since, apartment.owner_name, apartment.email)
    return inv if to == inv.recipient else inv.model_copy(update={"recipient": to})
