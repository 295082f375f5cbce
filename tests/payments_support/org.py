"""An organisation to pay: a building and apartments made through the buildings API, with open invoices.

Invoices: made by the invoicing capability's repository (``store.invoices.create_ops``) with the numbering
and shape it uses, because bulk generation is asynchronous (job + worker) and these tests are about what
happens when money arrives, not about generation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.support import call, unique


@dataclass
class Apt:
    id: str
    number: str
    reference: str
    invoices: list[dict[str, Any]] = field(default_factory=list)


def new_building(caller: Any) -> str:
    res = call("buildings", "POST", "/buildings", token=caller.token, body={
        "name": "Pikk 1 KÜ", "address": {"street": "Pikk 1", "city": "Tallinn", "postalCode": "10123",
                                          "country": "EE"}})
    assert res.status == 201, res
    return str(res.data["id"])


def new_apartment(caller: Any, building_id: str, number: str, owner: str = "Mari Maasikas") -> Apt:
    res = call("buildings", "POST", f"/buildings/{building_id}/apartments", token=caller.token,
               body={"number": number, "area": 50.5, "ownerName": owner, "email": f"{unique('r')}@example.com"})
    assert res.status == 201, res
    return Apt(res.data["id"], number, res.data["referenceNumber"])


def new_invoice(caller: Any, building_id: str, apt: Apt, total_cents: int, *, due: date | None = None,
                status: str = "sent", owner: str = "Mari Maasikas", interest_cents: int = 0) -> dict[str, Any]:
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.invoices import Invoice, InvoiceLine, Recipient
    from urbaneta.store import invoices as invoice_store
    from urbaneta.store.transactions import transact

    due = due or date(2024, 3, 15) + timedelta(days=len(apt.invoices) * 30)
    lines = [InvoiceLine(description="Haldus", quantity=1, unit="pc", unit_price=Decimal(0),
                         amount_cents=total_cents - interest_cents, vat_rate=0, vat_cents=0)]
    if interest_cents:
        lines.append(InvoiceLine(description="Viivis", quantity=1, unit="pc", unit_price=Decimal(0),
                                 amount_cents=interest_cents, vat_rate=0, vat_cents=0, kind="late_interest"))
    now = now_iso()
    number = f"2024-{unique()[:6].upper()}"
    inv = Invoice(id=new_id(), tenant_id=caller.tenant_id, number=number, reference_number=apt.reference,
                  building_id=building_id, apartment_id=apt.id, period_start=due - timedelta(days=45),
                  period_end=due - timedelta(days=15), issue_date=due - timedelta(days=14), due_date=due,
                  status=status, lines=lines, subtotal_cents=total_cents, vat_total_cents=0,
                  total_cents=total_cents, balance_due_cents=total_cents, recipient=Recipient(name=owner),
                  sent_at=now if status in ("sent", "overdue") else None, created_at=now, updated_at=now)
    transact(invoice_store.create_ops(inv))
    out = {"id": inv.id, "number": number, "totalCents": total_cents}
    apt.invoices.append(out)
    return out


def invoice_state(caller: Any, invoice_id: str) -> dict[str, Any]:
    from urbaneta.store import invoices as invoice_store

    inv = invoice_store.get_invoice(caller.tenant_id, invoice_id)
    return {"status": inv.status, "amountPaidCents": inv.amount_paid_cents, "balanceDueCents": inv.balance_due_cents,
            "paidDate": inv.paid_date}


def credit_cents(caller: Any, apartment_id: str) -> int:
    from urbaneta.store.payments import get_apartment_credit_cents

    return get_apartment_credit_cents(caller.tenant_id, apartment_id)
