"""The ledger's pure rules: signs, what entries change on the aggregate, statements, ageing, invoice balances."""

from __future__ import annotations

from datetime import date

import pytest

from urbaneta.domain import ledger
from urbaneta.domain.ledger import AccountBalance, LedgerEntry


def _e(entry_id: str, on: str, type_: str, cents: int) -> LedgerEntry:
    return LedgerEntry(id=entry_id, tenant_id="t", building_id="b", apartment_id="a", date=date.fromisoformat(on),
                       type=type_, amount_cents=cents, created_at="2025-01-01T00:00:00Z")  # type: ignore[arg-type]


def test_sign_follows_the_entry_type():
    # Given charges and payments with their natural signs / Then they pass; a wrong sign is refused
    ledger.check_sign(_e("i", "2025-01-01", "invoice", 100))
    ledger.check_sign(_e("p", "2025-01-01", "payment", -100))
    ledger.check_sign(_e("o", "2025-01-01", "opening_balance", -5))
    with pytest.raises(ValueError):
        ledger.check_sign(_e("p", "2025-01-01", "payment", 100))
    with pytest.raises(ValueError):
        ledger.check_sign(_e("c", "2025-01-01", "credit_note", 1))


def test_change_of_an_invoice_and_a_payment():
    # Given an invoice with late interest, due 2025-02-15
    change = ledger.change_of([_e("i", "2025-02-01", "invoice", 10000), _e("n", "2025-02-01", "late_interest", 70)],
                              date(2025, 2, 15))
    # Then the balance and the charges of that due date grow, and it marks an invoice (payments since: reset)
    assert (change.balance_cents, change.entries, change.received_cents) == (10070, 2, 0)
    assert change.charges == {"2025-02-15": 10070} and change.invoice_date == date(2025, 2, 1)
    # Given a payment / Then the balance falls, the payments received grow, no charge
    paid = ledger.change_of([_e("p", "2025-02-10", "payment", -4000)])
    assert (paid.balance_cents, paid.received_cents, paid.charges) == (-4000, 4000, None)
    assert paid.last_payment_date == date(2025, 2, 10)
    # A reversal gives the payment back; a negative opening balance is no charge
    assert ledger.change_of([_e("r", "2025-03-01", "payment_reversal", 4000)]).received_cents == -4000
    assert ledger.change_of([_e("o", "2024-12-31", "opening_balance", -2000)]).charges is None


def test_statement_opening_running_and_closing_balances():
    # Given a current balance of 60.00 and the entries since 2025-01-15
    since = [_e("p", "2025-02-10", "payment", -4000), _e("i", "2025-02-01", "invoice", 10000),
             _e("q", "2025-03-10", "payment", -1000)]
    st = ledger.statement(5000, since, date(2025, 1, 15), date(2025, 2, 28))
    # Then the opening is the balance before them, the period stops at 'to', lines run in date order
    assert st.opening_cents == 0
    assert [(ln.entry.id, ln.balance_cents) for ln in st.lines] == [("i", 10000), ("p", 6000)]
    assert st.closing_cents == 6000
    assert ledger.recompute(since) == 5000


@pytest.mark.parametrize(("due", "bucket"), [
    ("2025-04-01", "notDue"), ("2025-03-31", "days1to30"), ("2025-03-02", "days1to30"), ("2025-03-01", "days31to60"),
    ("2025-01-31", "days31to60"), ("2025-01-30", "days61to90"), ("2025-01-01", "days61to90"),
    ("2024-12-31", "over90")])
def test_bucket_edges(due, bucket):
    assert ledger.bucket_of(date.fromisoformat(due), date(2025, 4, 1)) == bucket


def test_ageing_attributes_the_debt_to_the_newest_charges():
    # Given charges of three months and a balance of 150.00 (the oldest was paid first)
    charges = {"2025-01-15": 10000, "2025-02-15": 10000, "2025-03-15": 10000}
    buckets = ledger.ageing(15000, charges, date(2025, 3, 20))
    # Then March's 100.00 is 5 days late and half of February's 33 days
    assert buckets == {"notDue": 0, "days1to30": 10000, "days31to60": 5000, "days61to90": 0, "over90": 0}
    assert ledger.overdue_of(buckets) == 15000
    # A prepayment ages nothing; debt beyond the kept charges is the oldest
    assert ledger.overdue_of(ledger.ageing(-500, charges, date(2025, 3, 20))) == 0
    assert ledger.ageing(100, {}, date(2025, 3, 20))["over90"] == 100


def test_invoice_balances_from_the_account_before_it():
    # Given an account owing 70.00 after 30.00 received since the last invoice
    before = AccountBalance(tenant_id="t", building_id="b", apartment_id="a", balance_cents=7000,
                            received_cents=13000, received_at_invoice_cents=10000)
    b = ledger.invoice_balances(before, 10000)
    # Then the new invoice shows previous 70.00, received 30.00 and 170.00 to pay
    assert (b.previous_balance_cents, b.payments_received_cents, b.total_to_pay_cents) == (7000, 3000, 17000)
    prepaid = AccountBalance(tenant_id="t", building_id="b", apartment_id="a", balance_cents=-5000)
    assert ledger.invoice_balances(prepaid, 10000).total_to_pay_cents == 5000
