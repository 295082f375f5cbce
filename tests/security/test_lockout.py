"""Throttles stop guessing without handing strangers a lock-out (issue 17, finding 2): limits per address
and per (account, address); per account only a progressive delay, never for an address that has signed
in to the account before; magic-link requests never refuse the owner."""

from __future__ import annotations

import pytest

from tests.integration.test_auth import PASSWORD, fresh_ip, login, new_email, send, sent_mail
from tests.support import unique

WRONG = "Wrong-Password-123"


@pytest.fixture
def settings(aws, monkeypatch):
    from urbaneta.settings import get_settings

    return get_settings()


def _account() -> str:
    from urbaneta.services import auth as service

    email = new_email()
    service.create_user(unique("t"), email=email, name="Mari Maasikas", password=PASSWORD, role="owner")
    return email


def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_owner_out(aws):
    # Given a victim's e-mail and five wrong passwords sent from five addresses
    email = _account()
    for _ in range(5):
        assert login(email, WRONG).status == 401
    # When the owner signs in with the right password from a fresh address
    res = login(email)
    # Then they are in
    assert res.status == 200, res


def test_many_failures_give_unknown_addresses_a_short_delay_and_known_ones_none(aws, settings, monkeypatch):
    # Given an owner who signed in from home, and an account-wide delay after 3 failures, at most 60 s
    monkeypatch.setattr(settings, "login_account_free_failures", 3)
    monkeypatch.setattr(settings, "login_account_max_delay_seconds", 60)
    import time
    from types import SimpleNamespace

    from urbaneta.store import throttle

    frozen = time.time()  # the throttle's clock stands still: a slow machine must not let the delay run out
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: frozen))
    email, home = _account(), fresh_ip()
    assert login(email, ip=home).status == 200
    # When strangers fail 6 times from 6 addresses
    for _ in range(6):
        assert login(email, WRONG).status in (401, 429)
    # Then a fresh address waits a short, bounded time (a delay, not a 15-minute lock)
    res = login(email)
    assert res.status == 429 and 1 <= int(res.headers["retry-after"]) <= 60, res
    # And the owner's home address is never delayed
    assert login(email, ip=home).status == 200


def test_a_known_address_is_still_limited_for_guessing(aws, settings, monkeypatch):
    # Given an address that signed in to the account before, and a limit of 3 per account and address
    monkeypatch.setattr(settings, "login_max_failures_per_account", 3)
    email, ip = _account(), fresh_ip()
    assert login(email, ip=ip).status == 200
    # When it fails 3 times / Then its next attempt is 429: being known lifts the delay, not the pair limit
    for _ in range(3):
        assert login(email, WRONG, ip=ip).status == 401
    assert login(email, ip=ip).status == 429


def test_magic_link_requests_by_strangers_never_refuse_the_owner(aws, settings, monkeypatch):
    # Given an owner who signed in from home, and six magic-link requests for their e-mail from six addresses
    monkeypatch.setattr(settings, "magic_links_per_email", 5)
    email, home = _account(), fresh_ip()
    assert login(email, ip=home).status == 200
    for _ in range(6):
        assert send("POST", "/auth/magic-link", body={"email": email}).status == 202
    before = len(sent_mail(email, "sign-in"))
    assert before == 5
    # When the owner asks from a fresh address / Then 202, not 429 (the links already sent are valid)
    assert send("POST", "/auth/magic-link", body={"email": email}).status == 202
    # When the owner asks from home / Then a new link is sent
    assert send("POST", "/auth/magic-link", body={"email": email}, ip=home).status == 202
    assert len(sent_mail(email, "sign-in")) == before + 1
