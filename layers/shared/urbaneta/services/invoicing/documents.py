"""Invoice PDFs: rendered on first need from the invoice, kept in the documents bucket, served from there."""


from typing import Any

from urbaneta.auth.principal import Principal
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.services.invoicing.common import visible
from urbaneta.store import invoices as store


def pdf_key(tenant_id: str, invoice_id: str) -> str:
    from urbaneta.adapters.documents import invoice_pdf_key

    return invoice_pdf_key(tenant_id, invoice_id)


def _document(inv: Invoice) -> Any:
    from urbaneta.adapters.pdf import InvoiceDocument, PdfLine
    from urbaneta.store import buildings, users

    tenant = users.get_tenant(inv.tenant_id) or {}
    building = buildings.get_building(inv.tenant_id, inv.building_id, include_archived=True)
    try:
        apartment_number = buildings.get_apartment(inv.tenant_id, inv.apartment_id).number
    except NotFound:
        apartment_number = "?"
    note = None
    if inv.credit_note_of:
        original = store.get_invoice(inv.tenant_id, inv.credit_note_of)
        note = f"Credit note for invoice {original.number}: the invoice is cancelled."
    addr = building.address
    return InvoiceDocument(
        title="Credit note" if inv.credit_note_of else "Invoice", number=inv.number,
        reference_number=inv.reference_number, issue_date=inv.issue_date, due_date=inv.due_date,
        period_start=inv.period_start, period_end=inv.period_end, currency=inv.currency,
        association=str(tenant.get("name") or building.name), iban=building.billing.iban,
        bank_name=building.billing.bank_name,
        building_address=f"{addr.street}, {addr.postal_code} {addr.city}, {addr.country}",
        apartment_number=apartment_number, recipient_name=inv.recipient.name, recipient_email=inv.recipient.email,
        subtotal_cents=inv.subtotal_cents, vat_total_cents=inv.vat_total_cents, total_cents=inv.total_cents,
        lines=[PdfLine(ln.description, ln.quantity, ln.unit, ln.unit_price, ln.amount_cents, ln.vat_rate, ln.vat_cents)
               for ln in inv.lines],
        note=note, account=_account_lines(inv),
    )


def _account_lines(inv: Invoice) -> tuple[tuple[str, int], ...]:
    """What the apartment account said when the invoice was generated (none on credit notes and older invoices)."""
    if inv.previous_balance_cents is None or inv.total_to_pay_cents is None:
        return ()
    return (("Previous balance", inv.previous_balance_cents),
            ("Payments received since the last invoice", inv.payments_received_cents or 0),
            ("Total to pay", inv.total_to_pay_cents))


def ensure_pdf(inv: Invoice) -> bytes:
    """The invoice's PDF: rendered on first need (first GET or sending), then kept in the documents bucket and
    served from there (an issued invoice never changes, so its PDF does not either)."""
    from urbaneta.adapters import documents
    from urbaneta.adapters.pdf import render_invoice

    key = inv.pdf_key or pdf_key(inv.tenant_id, inv.id)
    kept = documents.read(key)
    if kept is not None:
        return kept
    content = render_invoice(_document(inv))
    documents.put_pdf(key, content, invoice_number=inv.number)
    return content


def get_pdf(caller: Principal, invoice_id: str) -> tuple[str, bytes]:
    inv = visible(caller, invoice_id)
    return f"invoice-{inv.number}.pdf", ensure_pdf(inv)
