"""The rules of an ownership change (domain.ownership) and the invoice windows a principal carries."""

from __future__ import annotations

from datetime import date

import pytest

from urbaneta.auth.principal import Principal, Role
from urbaneta.auth.tokens import access_claims, principal_from_claims
from urbaneta.domain.invoices import Recipient
from urbaneta.domain.ownership import (
    addressee,
    date_problem,
    parse_window,
    window_entry,
    windows_after_leaving,
)
from urbaneta.errors import Unauthorized

D = date(2026, 2, 1)
TODAY = date(2026, 3, 10)


def resident(*windows: str, apartments: tuple[str, ...] = ()) -> Principal:
    return Principal("t", "u", Role.RESIDENT, "s", frozenset(apartments), "user", frozenset(windows))


def test_own_u01_the_date_is_today_or_up_to_a_year_back_and_after_the_last_change():
    assert date_problem(TODAY, TODAY, None) is None
    assert date_problem(date(2025, 3, 9), TODAY, None) is None
    assert "today or earlier" in str(date_problem(date(2026, 3, 11), TODAY, None))
    assert "366 days" in str(date_problem(date(2025, 3, 8), TODAY, None))
    assert "after the apartment's last" in str(date_problem(D, TODAY, D))
    assert date_problem(date(2026, 2, 2), TODAY, D) is None


def test_own_u02_a_former_owner_reads_periods_ending_before_the_date_only_and_pays_nothing():
    former = resident(window_entry("a1", None, D))
    assert former.can_see_invoice("a1", "sent", date(2026, 1, 31))
    assert not former.can_see_invoice("a1", "sent", D)
    assert not former.can_see_invoice("a1", "draft", date(2026, 1, 31))
    assert not former.can_see_invoice("a2", "sent", date(2026, 1, 31))
    assert not former.can_see_apartment("a1") and not former.can_pay_invoice("a1", "sent", date(2026, 1, 31))
    assert former.invoice_apartments() == {"a1"}


def test_own_u03_the_new_owner_reads_periods_ending_on_or_after_the_date_and_a_later_change_wins():
    new = resident(window_entry("a1", D, None), apartments=("a1",))
    assert new.can_see_invoice("a1", "sent", D) and new.can_pay_invoice("a1", "sent", D)
    assert not new.can_see_invoice("a1", "sent", date(2026, 1, 31))
    later = resident(window_entry("a1", D, None), window_entry("a1", date(2026, 4, 1), None), apartments=("a1",))
    assert later.invoice_windows("a1") == [(date(2026, 4, 1), None)]
    # a tenant of an apartment that never changed owners reads every issued invoice
    assert resident(apartments=("a1",)).can_see_invoice("a1", "sent", date(2000, 1, 31))


def test_own_u04_leaving_closes_the_open_window_or_keeps_it_as_a_past_residence():
    held = {window_entry("a1", D, None), window_entry("a2", None, D)}
    assert windows_after_leaving(held, "a1", None) == {window_entry("a2", None, D)}
    kept = windows_after_leaving(held, "a1", date(2026, 6, 1))
    assert window_entry("a1", D, date(2026, 6, 1)) in kept
    both = resident(*kept)
    assert both.can_see_invoice("a1", "sent", date(2026, 5, 31))
    assert not both.can_see_invoice("a1", "sent", date(2026, 1, 31))


@pytest.mark.parametrize("entry", ["", "a1", "a1||", "|2026-01-01|", "a1|x|", "a1|2026-01-01|2026-13-01"])
def test_own_u05_malformed_windows_grant_nothing(entry):
    assert parse_window(entry) is None or parse_window(entry) == ("a1", None, None)
    assert not resident(entry).can_see_invoice("a1", "sent", date(2026, 1, 31))


def test_own_u06_windows_travel_in_the_access_token_and_bad_ones_are_refused():
    p = resident(window_entry("a1", None, D))
    claims = access_claims(p, 1_700_000_000)
    assert principal_from_claims(claims).windows == p.windows
    with pytest.raises(Unauthorized):
        principal_from_claims({**claims, "win": "a1||2026-02-01"})
    assert "win" not in access_claims(resident(apartments=("a1",)), 1_700_000_000)


def test_own_u07_the_former_owner_is_never_addressed_about_an_invoice_from_the_date():
    printed = Recipient(name="Mari", email="mari@example.ee")
    assert addressee(printed, date(2026, 1, 31), D, "Uus", "uus@example.ee") == printed
    assert addressee(printed, D, D, "Uus", "uus@example.ee") == Recipient(name="Uus", email="uus@example.ee")
    assert addressee(printed, D, None, "Uus", "uus@example.ee") == printed
