"""The organisation gate, sharded: every authenticated request counts on one shard picked at random (one
UpdateItem), a revocation is written to every shard and refused at once whatever shard the next request lands
on, the quota still answers 429 with Retry-After, and tidying keeps every shard small."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support import call, count_calls

MINUTE_START = 1_800_000_000.0  # a minute boundary


@pytest.fixture
def settings(aws, monkeypatch):
    from urbaneta.settings import get_settings

    return get_settings()


def shards_of(tenant_id: str) -> dict[int, dict[str, Any]]:
    """Every gate item of the organisation that exists, by shard."""
    from urbaneta.store import keys, table

    out = {}
    for shard in range(keys.GATE_SHARDS):
        item = table.get(keys.tenant_gate(tenant_id, shard))
        if item is not None:
            out[shard] = item
    return out


def counted(item: dict[str, Any]) -> int:
    return sum(int(v) for k, v in item.items() if k.startswith("q:"))


def read_buildings(token: str) -> int:
    return call("buildings", "GET", "/buildings", token=token).status


def test_concurrent_requests_of_one_organisation_spread_over_the_shards(make_caller, settings, monkeypatch):
    # Given the default quota (6000 a minute), which opens every shard
    import threading

    from urbaneta.store import keys, table, throttle

    # DynamoDB applies each UpdateItem atomically; moto in-process does not when threads race (an ADD can be
    # lost), so its writes are taken one at a time here, as DynamoDB would
    lock, update = threading.Lock(), table.update

    def atomic_update(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return update(*args, **kwargs)

    monkeypatch.setattr(table, "update", atomic_update)

    assert throttle.gate_shards(settings.tenant_requests_per_minute) == keys.GATE_SHARDS
    caller = make_caller("manager")
    colleague = make_caller("accountant", tenant_id=caller.tenant_id)
    import time

    if time.time() % 60 > 50:  # keep every request in one quota minute (a new minute drops the last counter)
        time.sleep(61 - time.time() % 60)
    # When two users of the organisation make 48 requests, 4 at a time (each authenticated as the API's
    # functions do; one function instance serves one request at a time, so the threads call the gate itself)
    from urbaneta.auth.tokens import authenticate

    with ThreadPoolExecutor(max_workers=4) as pool:
        callers = list(pool.map(lambda token: authenticate(f"Bearer {token}"), [caller.token, colleague.token] * 24))
    # Then every request passed, and the items written hold them all, on several shards, none over its share
    assert {c.tenant_id for c in callers} == {caller.tenant_id} and len(callers) == 48
    items = shards_of(caller.tenant_id)
    assert sum(counted(i) for i in items.values()) == 48
    assert len([i for i in items.values() if counted(i)]) >= 3
    assert all(counted(i) <= throttle.shard_limit(settings.tenant_requests_per_minute) for i in items.values())
    # And another organisation's gate holds none of them
    assert not shards_of(make_caller("manager").tenant_id)


def test_a_first_request_of_an_organisation_costs_one_call(make_caller):
    # Given an organisation whose gate has never been written
    caller = make_caller("manager")
    assert not shards_of(caller.tenant_id)
    # When its first request is authenticated
    from urbaneta.auth.tokens import authenticate

    with count_calls("dynamodb") as counter:
        authenticate(f"Bearer {caller.token}")
    # Then it cost one conditional UpdateItem, which created the shard it landed on
    assert counter.calls == ["UpdateItem"]
    assert len(shards_of(caller.tenant_id)) == 1


def test_a_logout_is_refused_on_the_next_request_whatever_shard_it_lands_on(make_caller, settings):
    # Given a signed-in user and a colleague in the same organisation
    from urbaneta.auth.tokens import authenticate, revoke_session, verify_access_token
    from urbaneta.errors import Unauthorized
    from urbaneta.store import keys, throttle

    caller = make_caller("manager")
    colleague = make_caller("manager", tenant_id=caller.tenant_id)
    assert read_buildings(caller.token) == 200
    session_id = verify_access_token(caller.token)["sid"]
    # When the session ends
    assert revoke_session(caller.tenant_id, session_id, reason="logout")
    # Then every shard holds the revocation
    items = shards_of(caller.tenant_id)
    assert sorted(items) == list(range(keys.GATE_SHARDS))
    assert all(f"r:{session_id}" in i for i in items.values())
    # And a request pinned to each shard in turn is refused as revoked, and 16 requests over HTTP are 401
    limit = settings.tenant_requests_per_minute
    for shard in range(keys.GATE_SHARDS):
        assert throttle.admit(caller.tenant_id, session_id, limit=limit, shard=shard).revoked
    assert {read_buildings(caller.token) for _ in range(16)} == {401}
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {caller.token}")
    # While the colleague's session goes on
    assert {read_buildings(colleague.token) for _ in range(8)} == {200}


def test_ending_every_token_of_a_user_holds_on_every_shard(make_caller, settings):
    # Given a user signed in twice, and a colleague
    from urbaneta.auth.tokens import revoke_user
    from urbaneta.store import keys

    first = make_caller("manager")
    second_session = make_caller("manager", tenant_id=first.tenant_id)
    colleague = make_caller("owner", tenant_id=first.tenant_id)
    # When every token the user's sessions were issued until now is ended (a removed member)
    for session in (first, second_session):
        revoke_user(session.tenant_id, session.user_id)
    # Then each of them is refused, whichever of the shards their requests land on
    assert len(shards_of(first.tenant_id)) == keys.GATE_SHARDS
    assert {read_buildings(first.token) for _ in range(12)} == {401}
    assert {read_buildings(second_session.token) for _ in range(12)} == {401}
    assert {read_buildings(colleague.token) for _ in range(8)} == {200}


def test_a_small_quota_stays_on_one_shard_and_is_exact(make_caller, settings, monkeypatch):
    # Given a quota of 3 requests a minute (one shard: exact)
    from urbaneta.clock import new_id
    from urbaneta.store import throttle

    assert (throttle.gate_shards(3), throttle.shard_limit(3)) == (1, 3)
    tenant = new_id()
    # When 3 requests are admitted, then a 4th comes 15 s into the minute
    for _ in range(3):
        assert throttle.admit(tenant, "s", limit=3, now=MINUTE_START + 5).admitted
    over = throttle.admit(tenant, "s", limit=3, now=MINUTE_START + 15)
    # Then it is refused for quota, not revocation, until the next minute
    assert not over.admitted and not over.revoked and over.retry_after == 45
    assert throttle.admit(tenant, "s", limit=3, now=MINUTE_START + 60).admitted


def test_a_sharded_quota_refuses_with_429_and_retry_after_once_used_up(make_caller, settings, monkeypatch):
    # Given a quota of 16 requests a minute spread over 2 shards (GATE_SHARD_QUOTA = 8)
    from urbaneta.store import throttle

    monkeypatch.setattr(throttle, "GATE_SHARD_QUOTA", 8)
    monkeypatch.setattr(settings, "tenant_requests_per_minute", 16)
    assert (throttle.gate_shards(16), throttle.shard_limit(16)) == (2, 8)
    caller = make_caller("manager")
    other = make_caller("manager")
    import time

    if time.time() % 60 > 50:  # keep every request of this test in one quota minute
        time.sleep(61 - time.time() % 60)
    # When the organisation makes 20 requests
    answers = [call("buildings", "GET", "/buildings", token=caller.token) for _ in range(20)]
    # Then no more than the quota passed, at least 4 were 429 with Retry-After, and both shards filled up
    passed = [a for a in answers if a.status == 200]
    refused = [a for a in answers if a.status != 200]
    assert len(passed) <= 16 and len(refused) >= 4
    assert all(a.status == 429 and a.error["code"] == "TOO_MANY_REQUESTS" for a in refused)
    assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in refused)
    assert sorted(counted(i) for i in shards_of(caller.tenant_id).values())[-1] == 8
    # And another organisation is not affected
    assert read_buildings(other.token) == 200


def test_tidying_drops_past_counters_and_ended_revocations_on_every_shard(aws):
    # Given counters of several minutes on two shards, and revocations, one ended and one live
    from urbaneta.clock import new_id
    from urbaneta.store import keys, throttle

    tenant = new_id()
    for shard in (0, 5):
        for minute_offset in (0, 120, 600, 1200):
            assert throttle.admit(tenant, "s1", limit=6000, now=MINUTE_START + minute_offset, shard=shard).admitted
    throttle.mark_revoked(tenant, "ended", until=int(MINUTE_START + 100))
    throttle.mark_revoked(tenant, "live", until=int(MINUTE_START + 2000))
    # When a token is issued at + 1200 s (the gate is tidied)
    removed = throttle.tidy_gate(tenant, now=MINUTE_START + 1200)
    # Then the two used shards kept this minute's counter and the live revocation; the others, with one stale
    # entry each, were left as they were (not worth a write)
    items = shards_of(tenant)
    minute = str(int((MINUTE_START + 1200) // 60))
    assert removed == 2 * 4
    for shard in (0, 5):
        assert sorted(k for k in items[shard] if k[:2] in ("q:", "r:")) == [f"q:{minute}", "r:live"]
    assert all("r:ended" in items[s] for s in range(keys.GATE_SHARDS) if s not in (0, 5))
    # And the live revocation is still refused on every shard
    assert all(throttle.admit(tenant, "live", limit=6000, now=MINUTE_START + 1200, shard=s).revoked
               for s in range(keys.GATE_SHARDS))
