"""Session-wide AWS emulation: moto in-process, every resource created from template.yaml once.
Tests stay independent by using unique ids (a fresh tenant per test), never by resetting the world."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support import default_environment, emulated_aws, reset_emulated_data

default_environment()


_emulated: list[dict[str, str]] = []


@pytest.fixture(scope="session")
def aws() -> Iterator[dict[str, str]]:
    """moto for the whole session; returns the environment the functions see (as the template sets it)."""
    with emulated_aws() as env:
        _emulated.append(env)
        yield env
        _emulated.clear()


@pytest.fixture(scope="module", autouse=True)
def _fresh_emulated_data() -> None:
    """Each test module starts with empty emulated tables, buckets, queues and mailbox (see
    tests.support.reset_emulated_data); module fixtures that build data run after this."""
    if _emulated:
        reset_emulated_data()


@dataclass(frozen=True)
class Caller:
    """A signed-in caller of some role in some tenant, with its bearer token."""

    tenant_id: str
    user_id: str
    role: str
    token: str
    apartment_ids: frozenset[str] = frozenset()


def new_caller(role: str = "manager", tenant_id: str | None = None, apartment_ids: tuple[str, ...] = ()) -> Caller:
    """A caller with a live session (needs the ``aws`` fixture active)."""
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token
    from urbaneta.clock import new_id

    tenant = tenant_id or new_id()
    principal = create_session(tenant, new_id(), Role(role), apartment_ids=frozenset(apartment_ids))
    return Caller(tenant, principal.user_id, role, issue_access_token(principal), frozenset(apartment_ids))


@pytest.fixture
def make_caller(aws):
    """make_caller(role="manager", tenant_id=None, apartment_ids=()) → Caller with a live session."""
    return new_caller
