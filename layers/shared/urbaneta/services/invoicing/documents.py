"""Invoice PDFs: rendered on first need from the invoice, in the apartment's language (else the organisation's),
kept in the documents bucket, served from there."""


from typing import Any

from urbaneta.auth.principal import Principal
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.i18n import Texts, texts
from urbaneta.services.invoicing.common import visible
from urbaneta.store import invoices as store

LEDGER_FIELDS = ("previous_balance_cents", "payments_received_cents", "total_to_pay_cents")
"""The apartment account's figures an invoice may carry (issue 14); the PDF shows those it has."""


def pdf_key(tenant_id: str, invoice_id: str) -> str:
    from urbaneta.adapters.documents import invoice_pdf_key

    return invoice_pdf_key(tenant_id, invoice_id)


def _lines(inv: Invoice) -> list[Any]:
    from urbaneta.adapters.pdf import PdfLine

    return [PdfLine(ln.description, ln.quantity, ln.unit, ln.unit_price, ln.amount_cents, ln.vat_rate, ln.vat_cents,
                    kind=ln.kind, previous_reading=ln.previous_reading, current_reading=ln.current_reading,
                    interest_through=ln.interest_through) for ln in inv.lines]


def document(inv: Invoice) -> tuple[Any, Texts]:
    """What the PDF shows (the invoice with its association's legal details, building and apartment), and the
    texts of its recipient: the apartment's language, else the organisation's default."""
    from urbaneta.adapters.pdf import InvoiceDocument
    from urbaneta.services.documents_context import organisation
    from urbaneta.store import buildings

    building = buildings.get_building(inv.tenant_id, inv.building_id, include_archived=True)
    try:
        apartment = buildings.get_apartment(inv.tenant_id, inv.apartment_id)
        apartment_number, language = apartment.number, apartment.language
    except NotFound:
        apartment_number, language = "?", None
    org = organisation(inv.tenant_id, fallback_name=building.name)
    cancels = store.get_invoice(inv.tenant_id, inv.credit_note_of).number if inv.credit_note_of else None
    addr = building.address
    return InvoiceDocument(
        credit_note=bool(inv.credit_note_of), number=inv.number, reference_number=inv.reference_number,
        issue_date=inv.issue_date, due_date=inv.due_date, period_start=inv.period_start, period_end=inv.period_end,
        currency=inv.currency,
        association=org.on_documents(),
        iban=building.billing.iban, bank_name=building.billing.bank_name, building_name=building.name,
        building_address=f"{addr.street}, {addr.postal_code} {addr.city}, {addr.country}",
        apartment_number=apartment_number, recipient_name=inv.recipient.name, recipient_email=inv.recipient.email,
        subtotal_cents=inv.subtotal_cents, vat_total_cents=inv.vat_total_cents, total_cents=inv.total_cents,
        lines=_lines(inv), cancels_number=cancels,
        **{name: getattr(inv, name, None) for name in LEDGER_FIELDS},
    ), texts(language, org.default_language)


def ensure_pdf(inv: Invoice, rendered: tuple[Any, Texts] | None = None) -> bytes:
    """The invoice's PDF: rendered on first need (first GET or sending), then kept in the documents bucket and
    served from there (an issued invoice never changes). ``rendered``: the invoice's ``document`` with its
    recipient's texts, which sending always has: a kept PDF in another language (the apartment chose one after
    it was made) is then made again, so the e-mailed PDF and every later download are in the current one."""
    from urbaneta.adapters import documents
    from urbaneta.adapters.pdf import render_invoice

    key = inv.pdf_key or pdf_key(inv.tenant_id, inv.id)
    kept = documents.read_with_metadata(key)
    if kept is not None and (rendered is None or kept[1].get("language", "en") == rendered[1].language):
        return kept[0]
    doc, tx = rendered or document(inv)
    content = render_invoice(doc, tx)
    documents.put_pdf(key, content, invoice_number=inv.number, language=tx.language)
    return content


def get_pdf(caller: Principal, invoice_id: str) -> tuple[str, bytes]:
    inv = visible(caller, invoice_id)
    return f"invoice-{inv.number}.pdf", ensure_pdf(inv)
