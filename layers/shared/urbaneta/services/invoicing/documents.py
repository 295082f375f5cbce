"""Invoice PDFs: rendered on first need from the invoice, in the apartment's language (else the organisation's),
kept in the documents bucket, served from there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from urbaneta.auth.principal import Principal
from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.i18n import Texts, texts
from urbaneta.services.invoicing.common import visible
from urbaneta.store import invoices as store

if TYPE_CHECKING:
    from urbaneta.domain.buildings import Apartment, Building
    from urbaneta.domain.organization import Organization

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


class Lookups:
    """What documents of one organisation read besides the invoice: its buildings, apartments and profile, each
    read once. Sending gives one to a whole chunk (the building, the apartments in one BatchGetItem, the profile
    once), a single PDF makes its own."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._buildings: dict[str, Building] = {}
        self._apartments: dict[str, Apartment | None] = {}
        self._org: Organization | None = None

    def prefetch(self, invoices: Sequence[Invoice]) -> None:
        """The buildings and apartments of these invoices, one BatchGetItem per building."""
        from urbaneta.domain.buildings import Building as BuildingEntity
        from urbaneta.store import buildings

        for building_id in sorted({i.building_id for i in invoices} - set(self._buildings)):
            wanted = sorted({i.apartment_id for i in invoices if i.building_id == building_id})
            item, apartments = buildings.get_building_and_apartments(self.tenant_id, building_id, wanted)
            if item is not None:
                self._buildings[building_id] = BuildingEntity.model_validate(item)
            found = {a.id: a for a in apartments}
            self._apartments.update({a: found.get(a) for a in wanted})

    def building(self, building_id: str) -> Building:
        from urbaneta.store import buildings

        if building_id not in self._buildings:
            self._buildings[building_id] = buildings.get_building(self.tenant_id, building_id, include_archived=True)
        return self._buildings[building_id]

    def apartment(self, apartment_id: str) -> Apartment | None:
        from urbaneta.store import buildings

        if apartment_id not in self._apartments:
            try:
                self._apartments[apartment_id] = buildings.get_apartment(self.tenant_id, apartment_id)
            except NotFound:
                self._apartments[apartment_id] = None
        return self._apartments[apartment_id]

    def organisation(self, fallback_name: str) -> Organization:
        from urbaneta.services.documents_context import organisation

        if self._org is None:
            self._org = organisation(self.tenant_id, fallback_name=fallback_name)
        return self._org


def document(inv: Invoice, look: Lookups | None = None) -> tuple[Any, Texts]:
    """What the PDF shows (the invoice with its association's legal details, building and apartment), and the
    texts of its recipient: the apartment's language, else the organisation's default."""
    from urbaneta.adapters.pdf import InvoiceDocument

    look = look or Lookups(inv.tenant_id)
    building = look.building(inv.building_id)
    apartment = look.apartment(inv.apartment_id)
    apartment_number, language = (apartment.number, apartment.language) if apartment else ("?", None)
    org = look.organisation(building.name)
    cancels = store.get_invoice(inv.tenant_id, inv.credit_note_of).number if inv.credit_note_of else None
    addr = building.address
    return InvoiceDocument(
        credit_note=bool(inv.credit_note_of), number=inv.number, reference_number=inv.reference_number,
        issue_date=inv.issue_date, due_date=inv.due_date, period_start=inv.period_start, period_end=inv.period_end,
        currency=inv.currency,
        association=org,
        iban=building.billing.iban, bank_name=building.billing.bank_name, building_name=building.name,
        building_address=f"{addr.street}, {addr.postal_code} {addr.city}, {addr.country}",
        apartment_number=apartment_number, recipient_name=inv.recipient.name, recipient_email=inv.recipient.email,
        subtotal_cents=inv.subtotal_cents, vat_total_cents=inv.vat_total_cents, total_cents=inv.total_cents,
        lines=_lines(inv), cancels_number=cancels,
        **{name: getattr(inv, name, None) for name in LEDGER_FIELDS},
    ), texts(language, org.default_language)


def ensure_pdf(inv: Invoice, rendered: tuple[Any, Texts] | None = None) -> bytes:
    """The invoice's PDF: rendered on first need (first download), then kept in the documents bucket and served
    from there (an issued invoice never changes). ``rendered``: the invoice's ``document`` with its recipient's
    texts (the hosted page has it): a kept PDF in another language (the apartment chose one after it was made) is
    then made again, so every later download is in the current one."""
    from urbaneta.adapters import documents

    key = inv.pdf_key or pdf_key(inv.tenant_id, inv.id)
    kept = documents.read_with_metadata(key)
    if kept is not None and (rendered is None or kept[1].get("language", "en") == rendered[1].language):
        return kept[0]
    return keep_pdf(inv, rendered or document(inv))


def keep_pdf(inv: Invoice, rendered: tuple[Any, Texts]) -> bytes:
    """Render the invoice's PDF in the recipient's texts and keep it, replacing a kept one, without reading the
    bucket first: sending, which always has the document it mails (a draft's PDF is almost never kept yet, so a
    read first would be one S3 GET per invoice for nothing). The e-mailed PDF is then the one later downloads get."""
    from urbaneta.adapters import documents
    from urbaneta.adapters.pdf import render_invoice

    doc, tx = rendered
    content = render_invoice(doc, tx)
    documents.put_pdf(inv.pdf_key or pdf_key(inv.tenant_id, inv.id), content, invoice_number=inv.number,
                      language=tx.language)
    return content


def get_pdf(caller: Principal, invoice_id: str) -> tuple[str, bytes]:
    inv = visible(caller, invoice_id)
    return f"invoice-{inv.number}.pdf", ensure_pdf(inv)
