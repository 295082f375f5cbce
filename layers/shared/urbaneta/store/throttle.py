"""Counters that protect the API: the per-organisation request gate and the attempt throttles.

Gate (one item per organisation, ``keys.tenant_gate``)::

    {"q": {"<minute>": <requests>}, "rev": {"<session or API key id>": <epoch until which it is revoked>}}

Every authenticated request makes ONE conditional UpdateItem on it: it counts the request in the current
minute and, in the same condition, refuses a session or API key revoked within the last access-token
lifetime. Revocations older than that need no entry: every access token they could have issued has expired,
and refresh tokens are checked against the session item itself. Entries that no longer matter are tidied
whenever a token is issued, so the item stays small (its size is what each request's write costs).

Attempt throttles (``keys.throttle``): one item per purpose, subject and fixed window, counted with ADD under a
condition *before* the guarded work is done, so parallel attempts cannot overshoot the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from urbaneta.store import keys, table

_EMPTY: dict[str, Any] = {}


@dataclass(frozen=True)
class Admission:
    admitted: bool
    revoked: bool = False
    retry_after: int = 0


def _window(now: float, seconds: int) -> int:
    return int(now // seconds)


def _retry_after(now: float, seconds: int) -> int:
    return max(1, int(seconds - (now % seconds)) or 1)


# --- the organisation gate --------------------------------------------------------------------------------


def ensure_gate(tenant_id: str) -> None:
    """Create the gate's maps if they are missing (idempotent, no condition)."""
    table.update(keys.tenant_gate(tenant_id), "SET q = if_not_exists(q, :m), rev = if_not_exists(rev, :m), entity = :e",
                 vals={":m": _EMPTY, ":e": "gate"}, return_new=False)


def admit(tenant_id: str, subject_id: str, *, limit: int, now: float | None = None, user_id: str | None = None,
          user_mark_before: int | Decimal = 0) -> Admission:
    """Count one request of the organisation and check that ``subject_id`` (a session or API key) is not
    revoked, nor (with ``user_id``) every token of that user issued before a mark ``user_mark_before`` does
    not exceed (see ``revoke_user``): one UpdateItem. The first request of an organisation without a gate
    costs two more calls."""
    moment = time.time() if now is None else now
    minute = _window(moment, 60)
    names = {"#w": str(minute), "#p": str(minute - 1), "#s": subject_id}
    vals: dict[str, Any] = {":zero": 0, ":one": 1, ":limit": limit}
    condition = "attribute_not_exists(rev.#s) AND (attribute_not_exists(q.#w) OR q.#w < :limit)"
    if user_id:
        names["#u"] = user_key(user_id)
        vals[":mark"] = user_mark_before
        condition += " AND (attribute_not_exists(rev.#u) OR rev.#u < :mark)"
    for attempt in range(2):
        try:
            table.update(keys.tenant_gate(tenant_id), "SET q.#w = if_not_exists(q.#w, :zero) + :one REMOVE q.#p",
                         condition=condition, names=names, vals=vals, return_new=False, old_on_failure=True)
            return Admission(True)
        except table.ConditionFailed as exc:
            revoked = (exc.item or {}).get("rev") or {}
            if subject_id in revoked or (user_id and Decimal(revoked.get(user_key(user_id), -1)) >= user_mark_before):
                return Admission(False, revoked=True)
            return Admission(False, retry_after=_retry_after(moment, 60))
        except table.InvalidPath:
            # the gate (or its maps) does not exist yet: the document path q.<minute> is invalid
            if attempt:
                raise
            ensure_gate(tenant_id)
    raise RuntimeError("unreachable")


def user_key(user_id: str) -> str:
    """The gate entry that ends every token of a user issued up to a moment (its value: that moment plus the
    hold, like any revocation, so that it is tidied once no such token can be alive)."""
    return f"user:{user_id}"


def mark_revoked(tenant_id: str, subject_id: str, *, until: int | Decimal) -> None:
    """From now until ``until`` (epoch seconds), requests of ``subject_id`` are refused at the gate."""
    for attempt in range(2):
        try:
            table.update(keys.tenant_gate(tenant_id), "SET rev.#s = :until", names={"#s": subject_id},
                         vals={":until": until}, return_new=False)
            return
        except table.InvalidPath:
            if attempt:
                raise
            ensure_gate(tenant_id)


def tidy_gate(tenant_id: str, *, now: float | None = None) -> int:
    """Drop counters of past minutes and revocations that have run out. Returns how many entries went."""
    moment = time.time() if now is None else now
    item = table.get(keys.tenant_gate(tenant_id), consistent=False)
    if item is None:
        ensure_gate(tenant_id)
        return 0
    minute = _window(moment, 60)
    stale_q = [w for w in (item.get("q") or {}) if w not in (str(minute), str(minute - 1))]
    stale_rev = [s for s, until in (item.get("rev") or {}).items() if int(until) < int(moment)]
    paths = [("q", w) for w in stale_q] + [("rev", s) for s in stale_rev]
    paths = paths[:100]
    if not paths:
        return 0
    names = {f"#n{i}": name for i, (_, name) in enumerate(paths)}
    expression = "REMOVE " + ", ".join(f"{attr}.#n{i}" for i, (attr, _) in enumerate(paths))
    # a revocation written again since the read (same id, later end) must survive: remove only ended ones
    ended = [f"(attribute_not_exists(rev.#n{i}) OR rev.#n{i} < :now)"
             for i, (attr, _) in enumerate(paths) if attr == "rev"]
    try:
        table.update(keys.tenant_gate(tenant_id), expression, names=names, return_new=False,
                     condition=" AND ".join(ended) or None, vals={":now": int(moment)} if ended else None)
    except table.ConditionFailed:
        return 0  # the next token issued tidies up
    return len(paths)


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
