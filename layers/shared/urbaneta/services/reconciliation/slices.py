"""One slice of a statement's lines, imported: which lines are new (their identity, then their fallback slot),
which were recorded before (by this import: counted as they went; by another: duplicates), which were left
``pending`` (finished now), how the new ones match, the conditional writes, and the payments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from urbaneta.clock import now_iso
from urbaneta.domain.payments import BankEntry
from urbaneta.domain.reconciliation import MatchResult, Target, accounts_agree, is_duplicate_by_slot
from urbaneta.services.reconciliation.applying import apply_all
from urbaneta.services.reconciliation.lines import Counts, Line, Odd, entry_of, odd_entry, refs_comparable
from urbaneta.services.reconciliation.matching import Prefetched, match_all, prefetch
from urbaneta.store import statements as store

STATUS_COUNTS = {"matched": "matched", "suggested": "suggested", "unmatched": "unmatched", "ignored": "ignored",
                 "reversed": "reversed", "unusable": "unusable"}


@dataclass(frozen=True)
class Context:
    tenant_id: str
    statement_id: str
    own_iban: str | None
    actor: str | None


def _count(counts: Counts, status: str) -> None:
    name = STATUS_COUNTS.get(status)
    if name:
        setattr(counts, name, getattr(counts, name) + 1)


def _known(ctx: Context, lines: list[Line], existing: dict[str, BankEntry], counts: Counts
           ) -> tuple[list[Line], list[tuple[Line, BankEntry]]]:
    """Lines whose identity is not stored yet, and stored lines left ``pending`` (to finish)."""
    seen: set[str] = set()
    unknown: list[Line] = []
    resumed: list[tuple[Line, BankEntry]] = []
    for ln in lines:
        if ln.entry_id in seen:  # a bank reference repeated inside one file is the same line again
            counts.duplicates += 1
            continue
        seen.add(ln.entry_id)
        previous = existing.get(ln.entry_id)
        if previous is None:
            unknown.append(ln)
        elif previous.status == "pending":
            target = Target(previous.apartment_id or "", previous.invoice_id)
            ln.result = MatchResult(previous.rule or "reference", previous.confidence or "certain",  # type: ignore[arg-type]
                                    target) if previous.apartment_id else None
            resumed.append((ln, previous))
        elif previous.statement_id == ctx.statement_id:
            _count(counts, previous.status)  # recorded by an earlier delivery of this very chunk
        else:
            counts.duplicates += 1
    return unknown, resumed


def _fresh(ctx: Context, unknown: list[Line], counts: Counts) -> list[tuple[Line, tuple[str, ...]]]:
    """New lines, with the fallback slots still free for them; a line one of whose slots another file's line
    holds is that line again when the dedupe rule says so (``is_duplicate_by_slot``) and their payer accounts do
    not disagree (``accounts_agree``)."""
    held = store.existing_slots(ctx.tenant_id, [s for ln in unknown for s in ln.slots]) if unknown else {}
    out: list[tuple[Line, tuple[str, ...]]] = []
    for ln in unknown:
        holders = [held[s] for s in ln.slots if s in held]
        accounts = ln.tx.account_forms
        if any(is_duplicate_by_slot(ln.ref_key, h.ref_key, refs_comparable(ln.tx))
               and accounts_agree(accounts, h.accounts) for h in holders):
            counts.duplicates += 1
        else:
            out.append((ln, tuple(s for s in ln.slots if s not in held)))
    return out


def _status(ln: Line, counts: Counts) -> str:
    if ln.tx.reversal and not ln.tx.credit:
        return "pending"  # a reversal: undone below
    if not ln.tx.credit or ln.tx.reversal:
        counts.ignored += 1  # money out is not a resident payment
        return "ignored"
    if ln.result is None:
        counts.unmatched += 1
        return "unmatched"
    if ln.result.confidence == "suggestion":
        counts.suggested += 1
        return "suggested"
    return "pending"


def _odd(ctx: Context, odd: list[Odd], existing: dict[str, BankEntry], counts: Counts, now: str
         ) -> list[store.Claim]:
    claims: list[store.Claim] = []
    for o in odd:
        previous = existing.get(o.entry_id)
        if previous is not None and previous.statement_id != ctx.statement_id:
            counts.duplicates += 1
            continue
        _count(counts, o.status)
        if previous is None:
            claims.append(store.Claim(odd_entry(ctx.tenant_id, ctx.statement_id, ctx.own_iban, o, now), (), ""))
    return claims


def run_slice(ctx: Context, lines: list[Line], odd: list[Odd], time_left_ms: Callable[[], int] | None,
              known: Prefetched | None = None) -> Counts:
    """Import these lines and unusable entries: every new one is written once (conditional writes), every
    matched credit becomes a payment once. Safe to run again on the same slice. ``known``: open invoices
    already read by earlier slices of the same run."""
    counts = Counts()
    existing = store.existing_entries(ctx.tenant_id, [ln.entry_id for ln in lines] + [o.entry_id for o in odd])
    unknown, resumed = _known(ctx, lines, existing, counts)
    fresh = _fresh(ctx, unknown, counts)
    buildings = match_all(ctx.tenant_id, [ln for ln, _free in fresh if ln.tx.credit and not ln.tx.reversal], known)
    now = now_iso()
    claims = _odd(ctx, odd, existing, counts, now)
    todo: list[tuple[Line, BankEntry]] = []
    statuses: dict[str, str] = {o.entry_id: o.status for o in odd}
    for ln, free in fresh:
        status = statuses[ln.entry_id] = _status(ln, counts)
        entry = entry_of(ctx.tenant_id, ctx.statement_id, ln, status, now)
        claims.append(store.Claim(entry, free, ln.ref_key, ln.tx.account_forms))
        if status == "pending":
            todo.append((ln, entry))
    lost = store.claim_entries(claims)
    for entry_id in lost:  # recorded by a concurrent import in the meantime
        counts.duplicates += 1
        was = statuses.get(entry_id)
        if was and was != "pending":
            setattr(counts, STATUS_COUNTS[was], getattr(counts, STATUS_COUNTS[was]) - 1)
    todo = [(ln, e) for ln, e in todo if ln.entry_id not in lost] + resumed
    cache = prefetch(ctx.tenant_id, [ln for ln, _e in todo], buildings, known)
    apply_all(ctx.tenant_id, ctx.statement_id, todo, cache, counts, ctx.actor, time_left_ms)
    if known is not None:
        if any(e.reversal for _ln, e in todo):
            known.forget()  # a reversal changed invoices the lists do not show
        else:
            known.keep(cache)
    return counts
