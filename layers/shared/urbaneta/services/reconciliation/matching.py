"""Matching a slice of lines: batched look-ups of references, invoice numbers and payer IBANs, rules 1-3 of
domain/reconciliation, rule 4 (suggestions) for the rest, and the open invoices of the apartments about to be
paid, read per building."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from urbaneta.domain.invoices import Invoice
from urbaneta.domain.reconciliation import Candidate, Lookups, Target, match, suggest
from urbaneta.services.reconciliation.lines import Line
from urbaneta.store import invoices as invoice_store
from urbaneta.store import keys, table
from urbaneta.store import statements as store

MAX_SUGGESTION_INVOICES = 2000
MAX_SUGGESTION_PAGES = 10  # of 500 invoices: rule 4 looks at the first 5,000 open invoices at most
BILLING_CURRENCY = "EUR"  # invoices are in euros (Baltic states); other currencies are matched by hand
BUILDING_QUERY_MIN = 3  # apartments of one building in an import: read their open invoices together


def resolve(tenant_id: str, lines: list[Line]) -> tuple[Lookups, dict[str, str]]:
    """Batched look-ups of every reference and payer IBAN the lines carry (BatchGetItem), and of invoice numbers
    (one GSI2 Query per distinct number, which free text rarely holds). Also answers apartment → building."""
    refs = {r for ln in lines for r in (*ln.named.certain_references, *ln.named.text_references)}
    numbers = {n for ln in lines for n in ln.named.invoice_numbers}
    payers = {ln.tx.payer_iban for ln in lines if ln.tx.payer_iban}
    ref_apts, payer_apts = store.resolve_pointers(tenant_id, refs, payers)
    number_invoices = invoice_store.invoice_ids_by_number(tenant_id, numbers) if numbers else {}
    invoices = {i.id: i for i in invoice_store.get_invoices(tenant_id, sorted(set(number_invoices.values())))}
    lookups = Lookups(
        references={r: Target(apt) for r, (apt, _b) in ref_apts.items()},
        invoice_numbers={n: Target(invoices[i].apartment_id, i) for n, i in number_invoices.items() if i in invoices},
        payers=payer_apts,
    )
    buildings = {apt: b for apt, b in ref_apts.values() if b}
    buildings.update({i.apartment_id: i.building_id for i in invoices.values()})
    return lookups, buildings


@dataclass
class Prefetched:
    """Open invoices read per building, kept across the chunks of one worker run so that a building is read
    once, not once per chunk: the buildings read, and each apartment's invoices as the last payment left them.
    A stale list is safe: a payment conditions every invoice on its version and re-reads on a conflict."""

    buildings: dict[str, dict[str, list[Invoice]]] = field(default_factory=dict)
    apartments: dict[str, list[Invoice]] = field(default_factory=dict)
    candidates: list[Candidate] | None = None  # open invoices for rule 4

    def keep(self, cache: dict[str, list[Invoice]]) -> None:
        self.apartments.update(cache)

    def forget(self) -> None:
        self.buildings.clear()
        self.apartments.clear()


def prefetch(tenant_id: str, lines: list[Line], buildings: dict[str, str], known: Prefetched | None = None
             ) -> dict[str, list[Invoice]]:
    """Open invoices of the apartments about to be paid: one paged Query per building that has at least
    BUILDING_QUERY_MIN of them in this slice (unless ``known`` has read it already); the others are read per
    apartment when paid."""
    known = known or Prefetched()
    by_building: dict[str, set[str]] = {}
    for ln in lines:
        apt = ln.result.target.apartment_id if ln.result else None
        if apt and apt in buildings:
            by_building.setdefault(buildings[apt], set()).add(apt)
    cache: dict[str, list[Invoice]] = {}
    for building_id, apartments in by_building.items():
        if building_id not in known.buildings:
            if len(apartments) < BUILDING_QUERY_MIN:
                continue
            known.buildings[building_id] = store.open_invoices_of_building(tenant_id, building_id)
        found = known.buildings[building_id]
        for apt in apartments:
            cache[apt] = known.apartments[apt] if apt in known.apartments else found.get(apt, [])
    return cache


def _open_candidates(tenant_id: str) -> list[Candidate]:
    """Open (sent, overdue) invoices with a balance: at most MAX_SUGGESTION_PAGES pages of 500."""
    out: list[Candidate] = []
    start: dict[str, Any] | None = None
    for _page in range(MAX_SUGGESTION_PAGES):
        items, start = table.query_page(
            keys.invoices_partition(tenant_id), index="GSI1", limit=500, start_key=start,
            filter_expression="balanceDueCents > :zero AND #st IN (:s, :o)", filter_names={"#st": "status"},
            filter_values={":zero": 0, ":s": "sent", ":o": "overdue"})
        out.extend(Candidate(str(i["id"]), str(i["apartmentId"]), int(i["balanceDueCents"]),
                             (i.get("recipient") or {}).get("name")) for i in items)
        if not start:
            break
    return out


def suggestions(tenant_id: str, lines: list[Line], known: Prefetched | None = None) -> None:
    """Rule 4 for lines nothing else matched: an open invoice with exactly the amount and a close name. The
    open invoices are read once per run (``known``): a suggestion is only a proposal a manager confirms, and
    matching by hand checks the invoice again."""
    if not lines:
        return
    if known is not None and known.candidates is not None:
        everything = known.candidates
    else:
        everything = _open_candidates(tenant_id)
        if known is not None:
            known.candidates = everything
    amounts = {ln.tx.amount_cents for ln in lines}
    candidates = [c for c in everything if c.balance_cents in amounts][:MAX_SUGGESTION_INVOICES]
    for ln in lines:
        ln.result = suggest(ln.tx.amount_cents, ln.tx.payer_name, candidates)


def match_all(tenant_id: str, payments_in: list[Line], known: Prefetched | None = None) -> dict[str, str]:
    """Rules 1-4 for the money received in a slice; answers apartment → building for the invoice read-ahead."""
    lookups, buildings = resolve(tenant_id, payments_in)
    for ln in payments_in:  # a line in another currency is left for a person
        ln.result = match(ln.named, ln.tx.payer_iban, lookups) if ln.tx.currency == BILLING_CURRENCY else None
    suggestions(tenant_id, [ln for ln in payments_in if ln.result is None and ln.tx.currency == BILLING_CURRENCY],
                known)
    return buildings
