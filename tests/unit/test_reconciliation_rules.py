"""Reconciliation rules (pure): identities, what a line names, matching order, names, allocation."""

from __future__ import annotations

from datetime import date

import pytest

from urbaneta.domain.reconciliation import (
    Candidate,
    IdentitySource,
    Lookups,
    OpenInvoice,
    Target,
    allocate,
    entry_identities,
    match,
    names_close,
    payment_signature,
    read_names,
    suggest,
)


def src(bank_ref: str | None = "B1", index: int = 0, amount: int = 100, text: str = "x") -> IdentitySource:
    return IdentitySource("EE38", bank_ref, index, date(2024, 3, 5), amount, True, "payer", "", text)


def test_identity_uses_bank_reference_and_index():
    # Given two transactions of one batched entry and the same entry again / Then distinct, stable identities
    a, b, a2 = entry_identities([src(index=0), src(index=1), src(index=0)])
    assert a != b and a == a2


def test_identity_without_bank_reference_counts_occurrences():
    # Given two identical lines without a bank reference / Then both survive, and a re-import gives the same ids
    first = entry_identities([src(None), src(None), src(None, text="other")])
    again = entry_identities([src(None), src(None), src(None, text="other")])
    assert len(set(first)) == 3 and first == again


def test_structured_and_rfb_references_are_certain_free_text_likely():
    named = read_names("20240001234", ["/RFB/RF712348231/TXT/arve 2025-000123 viide 10016"])
    assert named.certain_references == ("20240001234", "RF712348231")
    assert "10016" in named.text_references
    assert named.invoice_numbers == ("2025-000123",)


def test_grouped_reference_followed_by_words_in_text():
    assert read_names(None, ["makse RF71 2348 231 arve märts"]).text_references[0] == "RF712348231"


def test_invalid_references_are_ignored():
    named = read_names("20240001235", ["viide 10017 ja 12345"])
    assert named.certain_references == () and "10017" not in named.text_references


def test_spaces_in_references_are_normalised():
    assert read_names("RF71 2348 231", []).certain_references == ("RF712348231",)


def test_matching_order():
    lookups = Lookups(references={"123": Target("apt-ref"), "10016": Target("apt-text")},
                      invoice_numbers={"2025-000001": Target("apt-inv", "inv-1")}, payers={"EE1": "apt-payer"})
    # structured reference wins over everything
    assert match(read_names("123", ["10016 2025-000001"]), "EE1", lookups).target.apartment_id == "apt-ref"
    # then a reference in the text
    got = match(read_names(None, ["10016 2025-000001"]), "EE1", lookups)
    assert (got.rule, got.confidence) == ("text_reference", "likely")
    # then an invoice number
    got = match(read_names(None, ["arve 2025-000001"]), "EE1", lookups)
    assert (got.rule, got.target.invoice_id) == ("invoice_number", "inv-1")
    # then a known payer
    assert match(read_names(None, ["raha"]), "EE1", lookups).rule == "payer_iban"
    assert match(read_names(None, ["raha"]), "EE2", lookups) is None


@pytest.mark.parametrize("a,b,close", [
    ("MARI MAASIKAS", "Maasikas, Mari", True),
    ("Jüri Õunapuu", "JURI OUNAPUU", True),
    ("Mari Maasikas", "Jaan Tamm", False),
    ("Mari Tamm", "Mari Maasikas", False),
    (None, "Mari", False),
])
def test_names_close(a, b, close):
    assert names_close(a, b) is close


def test_suggestion_needs_one_invoice_with_amount_and_close_name():
    cands = [Candidate("i1", "a1", 6120, "Mari Maasikas"), Candidate("i2", "a2", 6120, "Jaan Tamm")]
    got = suggest(6120, "MAASIKAS MARI", cands)
    assert got and got.confidence == "suggestion" and got.target.invoice_id == "i1"
    assert suggest(6121, "MAASIKAS MARI", cands) is None
    assert suggest(6120, "MARI MAASIKAS", [*cands, Candidate("i3", "a3", 6120, "Mari Maasikas")]) is None


def inv(id_: str, due: str, balance: int, interest: int = 0, paid: int = 0) -> OpenInvoice:
    return OpenInvoice(id_, date.fromisoformat(due), balance, interest, paid)


def test_allocation_oldest_due_first_partial_leaves_balance():
    plan = allocate(1500, [inv("new", "2024-04-15", 1000), inv("old", "2024-03-15", 1000)])
    assert [(a.invoice_id, a.amount_cents) for a in plan.allocations] == [("old", 1000), ("new", 500)]
    assert plan.credit_cents == 0


def test_allocation_named_invoice_first_and_overpayment_is_credit():
    plan = allocate(2500, [inv("old", "2024-03-15", 1000), inv("new", "2024-04-15", 1000)], "new")
    assert [(a.invoice_id, a.amount_cents) for a in plan.allocations] == [("new", 1000), ("old", 1000)]
    assert plan.credit_cents == 500 and plan.allocated_cents == 2000


def test_allocation_within_invoice_interest_before_principal():
    plan = allocate(300, [inv("i", "2024-03-15", 1200, interest=200)])
    assert (plan.allocations[0].interest_cents, plan.allocations[0].principal_cents) == (200, 100)
    # an earlier payment already covered part of the interest
    plan = allocate(300, [inv("i", "2024-03-15", 1100, interest=200, paid=150)])
    assert (plan.allocations[0].interest_cents, plan.allocations[0].principal_cents) == (50, 250)


def test_allocation_without_open_invoices_is_all_credit_and_amount_must_be_positive():
    assert allocate(700, []).credit_cents == 700
    with pytest.raises(ValueError):
        allocate(0, [])


def test_reversal_signature_matches_its_payment():
    named = read_names("20240001234", [])
    assert payment_signature("EE38", 8450, "EE06", named) == payment_signature("EE38", 8450, "EE06", named)
    assert payment_signature("EE38", 8450, "EE06", named) != payment_signature("EE38", 8451, "EE06", named)
