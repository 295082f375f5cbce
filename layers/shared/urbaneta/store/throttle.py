"""Counters that protect the API: the per-organisation request gate and the attempt throttles.

Gate (``keys.GATE_SHARDS`` items per organisation, ``keys.tenant_gate(tenant, shard)``)::

    {"q:<minute>": <requests counted on this shard>, "r:<session, API key or user:<id>>": <epoch until revoked>}

Every authenticated request makes ONE conditional UpdateItem on one shard, picked at random among the shards the
quota opens (``gate_shards``): it counts the request in the current minute against the shard's share of the
quota and, in the same condition, refuses a session, API key or user revoked within the last access-token
lifetime. A revocation is written to EVERY shard (one UpdateItem each: revocations are rare, requests are not),
so it holds at once whatever shard the next request lands on. Revocations older than the hold need no entry:
every access token they could have issued has expired, and refresh tokens are checked against the session item
itself. Counters and revocations are top-level attributes, so a shard needs no creation step: the first request
of an organisation creates the item it lands on. Entries that no longer matter are tidied whenever a token is
issued, so each item stays small (its size is what each request's write costs).

Attempt throttles (``keys.throttle``): one item per purpose, subject and fixed window, counted with ADD under a
condition *before* the guarded work is done, so parallel attempts cannot overshoot the limit.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from urbaneta.store import keys, table

GATE_SHARD_QUOTA = 500
"""Requests per minute of quota that open one more gate shard (up to ``keys.GATE_SHARDS``): a small quota stays
on one item and is exact; a large one is spread over every shard."""
TIDY_AT = 4
"""A shard is rewritten by ``tidy_gate`` once it holds this many entries that no longer matter."""


@dataclass(frozen=True)
class Admission:
    admitted: bool
    revoked: bool = False
    retry_after: int = 0
    shard: int = 0


def _window(now: float, seconds: int) -> int:
    return int(now // seconds)


def _retry_after(now: float, seconds: int) -> int:
    return max(1, int(seconds - (now % seconds)) or 1)


# --- the organisation gate --------------------------------------------------------------------------------


def gate_shards(limit: int) -> int:
    """How many shards a quota of ``limit`` requests per minute is spread over."""
    return max(1, min(keys.GATE_SHARDS, limit // GATE_SHARD_QUOTA))


def shard_limit(limit: int) -> int:
    """Each shard's share of the quota: the quota divided by the shards, rounded up."""
    return -(-limit // gate_shards(limit))


def _counter(minute: int) -> str:
    return f"q:{minute}"


def _revoked(subject_id: str) -> str:
    return f"r:{subject_id}"


def admit(tenant_id: str, subject_id: str, *, limit: int, now: float | None = None, user_id: str | None = None,
          user_mark_before: int | Decimal = 0, shard: int | None = None) -> Admission:
    """Count one request of the organisation on one shard (random unless ``shard``) and check that
    ``subject_id`` (a session or API key) is not revoked, nor (with ``user_id``) every token of that user issued
    before a mark ``user_mark_before`` does not exceed (see ``revoke_user``): one UpdateItem."""
    moment = time.time() if now is None else now
    minute = _window(moment, 60)
    pick = random.randrange(gate_shards(limit)) if shard is None else shard
    names = {"#w": _counter(minute), "#p": _counter(minute - 1), "#s": _revoked(subject_id), "#e": "entity"}
    vals: dict[str, Any] = {":zero": 0, ":one": 1, ":limit": shard_limit(limit), ":e": "gate"}
    condition = "attribute_not_exists(#s) AND (attribute_not_exists(#w) OR #w < :limit)"
    if user_id:
        names["#u"] = _revoked(user_key(user_id))
        vals[":mark"] = user_mark_before
        condition += " AND (attribute_not_exists(#u) OR #u < :mark)"
    try:
        table.update(keys.tenant_gate(tenant_id, pick), "SET #w = if_not_exists(#w, :zero) + :one, #e = :e REMOVE #p",
                     condition=condition, names=names, vals=vals, return_new=False, old_on_failure=True)
    except table.ConditionFailed as exc:
        item = exc.item or {}
        user_mark = item.get(_revoked(user_key(user_id))) if user_id else None
        if _revoked(subject_id) in item or (user_mark is not None and Decimal(user_mark) >= user_mark_before):
            return Admission(False, revoked=True, shard=pick)
        return Admission(False, retry_after=_retry_after(moment, 60), shard=pick)
    return Admission(True, shard=pick)


def user_key(user_id: str) -> str:
    """The gate entry that ends every token of a user issued up to a moment (its value: that moment plus the
    hold, like any revocation, so that it is tidied once no such token can be alive)."""
    return f"user:{user_id}"


def mark_revoked(tenant_id: str, subject_id: str, *, until: int | Decimal) -> None:
    """From now until ``until`` (epoch seconds), requests of ``subject_id`` are refused at the gate, on every
    shard (one UpdateItem per shard; not a transaction, which would make concurrent requests of the organisation
    fail with a transaction conflict). A failure raises: the caller's revocation is not done until it returns."""
    for shard in range(keys.GATE_SHARDS):
        table.update(keys.tenant_gate(tenant_id, shard), "SET #s = :until, #e = :e",
                     names={"#s": _revoked(subject_id), "#e": "entity"}, vals={":until": until, ":e": "gate"},
                     return_new=False)


def _stale(item: dict[str, Any], moment: float) -> list[str]:
    minute = _window(moment, 60)
    live_counters = (_counter(minute), _counter(minute - 1))
    return [name for name, value in item.items()
            if (name.startswith("q:") and name not in live_counters)
            or (name.startswith("r:") and int(value) < int(moment))]


def tidy_gate(tenant_id: str, *, now: float | None = None) -> int:
    """Drop counters of past minutes and revocations that have run out, on every shard that holds ``TIDY_AT``
    such entries or more (one BatchGetItem, then one UpdateItem per such shard). Returns how many entries went."""
    moment = time.time() if now is None else now
    removed = 0
    for item in table.batch_get([keys.tenant_gate(tenant_id, s) for s in range(keys.GATE_SHARDS)]):
        stale = _stale(item, moment)[:100]
        if len(stale) < TIDY_AT:
            continue
        names = {f"#n{i}": name for i, name in enumerate(stale)}
        # a revocation written again since the read (same id, later end) must survive: remove only ended ones
        ended = [f"(attribute_not_exists(#n{i}) OR #n{i} < :now)" for i, name in enumerate(stale)
                 if name.startswith("r:")]
        try:
            table.update({"PK": item["PK"], "SK": item["SK"]}, "REMOVE " + ", ".join(names), names=names,
                         return_new=False, condition=" AND ".join(ended) or None,
                         vals={":now": int(moment)} if ended else None)
        except table.ConditionFailed:
            continue  # the next token issued tidies up
        removed += len(stale)
    return removed


# --- attempt throttles ------------------------------------------------------------------------------------


def take(purpose: str, subject: str, *, limit: int, window_seconds: int, now: float | None = None) -> int:
    """Count one attempt; returns 0 when allowed, or the seconds to wait when ``limit`` attempts were
    already counted in this window (nothing is counted then)."""
    moment = time.time() if now is None else now
    window = _window(moment, window_seconds)
    try:
        table.update(keys.throttle(purpose, subject, window),
                     "ADD n :one SET #ttl = if_not_exists(#ttl, :ttl), entity = :e",
                     condition="attribute_not_exists(n) OR n < :limit", names={"#ttl": "TTL"},
                     vals={":one": 1, ":limit": limit, ":ttl": (window + 1) * window_seconds + 60, ":e": "throttle"},
                     return_new=False)
    except table.ConditionFailed:
        return _retry_after(moment, window_seconds)
    return 0


def give_back(purpose: str, subject: str, *, window_seconds: int, now: float | None = None) -> None:
    """Un-count one attempt of this window (the attempt succeeded)."""
    moment = time.time() if now is None else now
    try:
        table.update(keys.throttle(purpose, subject, _window(moment, window_seconds)), "ADD n :minus",
                     condition="n > :zero", vals={":minus": -1, ":zero": 0}, return_new=False)
    except table.ConditionFailed:
        return


def clear(purpose: str, subject: str, *, window_seconds: int, now: float | None = None) -> None:
    """Forget the attempts of this window (e.g. an account's failures after a successful login)."""
    moment = time.time() if now is None else now
    table.delete(keys.throttle(purpose, subject, _window(moment, window_seconds)))


# --- account-wide failures with a progressive delay, and sources known to an account ------------------------


def delay_after(purpose: str, subject: str, *, free: int, max_delay: int, window_seconds: int,
                now: float | None = None) -> int:
    """0 while fewer than ``free`` failures were recorded in this window; beyond, the seconds still to wait
    since the last failure (1, 2, 4, ... up to ``max_delay`` s per failure over ``free``). Reads only."""
    moment = time.time() if now is None else now
    item = table.get(keys.throttle(purpose, subject, _window(moment, window_seconds)), consistent=False)
    over = int((item or {}).get("n") or 0) - free
    if over < 0:
        return 0
    delay = min(2 ** min(over, 20), max_delay)
    waited = moment - float((item or {}).get("last") or 0)
    return max(1, int(delay - waited + 0.999)) if waited < delay else 0


def record_failure(purpose: str, subject: str, *, window_seconds: int, now: float | None = None) -> None:
    """Count one failure of this window and when it happened (for ``delay_after``)."""
    moment = time.time() if now is None else now
    window = _window(moment, window_seconds)
    table.update(keys.throttle(purpose, subject, window),
                 "ADD n :one SET #ttl = if_not_exists(#ttl, :ttl), entity = :e, #last = :now",
                 names={"#ttl": "TTL", "#last": "last"},
                 vals={":one": 1, ":ttl": (window + 1) * window_seconds + 60, ":e": "throttle",
                       ":now": int(moment)}, return_new=False)


def remember(purpose: str, subject: str, *, seconds: int, now: float | None = None) -> None:
    """Remember ``subject`` (e.g. an account and a source that signed in together) for ``seconds``."""
    moment = time.time() if now is None else now
    table.update(keys.throttle(purpose, subject, 0), "SET #ttl = :ttl, entity = :e", names={"#ttl": "TTL"},
                 vals={":ttl": int(moment) + seconds, ":e": "throttle"}, return_new=False)


def remembered(purpose: str, subject: str, *, now: float | None = None) -> bool:
    moment = time.time() if now is None else now
    item = table.get(keys.throttle(purpose, subject, 0), consistent=False)
    return item is not None and int(item.get("TTL") or 0) > moment
