"""The invoice's hosted page (``/pay/{token}``, like a hosted invoice URL): the invoice in its recipient's
language, its PDF, what is left to pay, and a "pay by bank link" button per configured provider. The token is
signed and expires (``services.links``); anything else gets the 404 page and no data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from urbaneta.domain.invoices import Invoice
from urbaneta.errors import NotFound
from urbaneta.i18n import Texts
from urbaneta.services.hosted.common import HostedPage, not_found

PROVIDER_NAMES = {"paysera": "Paysera", "maksekeskus": "MakeCommerce"}


def _invoice(token: str) -> Invoice | None:
    """The token's invoice; None for a bad token, and for a link to an invoice from an ownership change that was
    made before the change (it went to the former owner, whose invoice it no longer is)."""
    from urbaneta.domain.ownership import belongs_before
    from urbaneta.services.links import read_pay_link
    from urbaneta.store import buildings, invoices

    found = read_pay_link(token)
    if found is None:
        return None
    tenant_id, invoice_id, since = found
    try:
        inv = invoices.get_invoice(tenant_id, invoice_id)
        owner_since = buildings.get_apartment(tenant_id, inv.apartment_id).owner_since
    except NotFound:
        return None
    if owner_since and not belongs_before(inv.period_end, owner_since) and since != owner_since:
        return None
    return inv


def configured_providers() -> list[str]:
    from urbaneta.adapters.providers import config

    settings = config.load()
    return [name for name, cfg in (("paysera", settings.paysera), ("maksekeskus", settings.maksekeskus))
            if cfg.configured()]


def _lines_table(tx: Texts, inv: Invoice, doc: Any) -> str:
    from urbaneta.adapters.html import table
    from urbaneta.adapters.pdf import line_text

    rows = [[line_text(ln, tx), tx.number(ln.quantity), tx.unit(ln.unit), tx.money(ln.amount_cents, inv.currency)]
            for ln in doc.lines]
    rows += [["", "", tx.t("doc.vat_total"), tx.money(inv.vat_total_cents, inv.currency)],
             ["", "", tx.t("doc.invoice_total"), tx.money(inv.total_cents, inv.currency)]]
    header = [tx.t("doc.col.description"), tx.t("doc.col.quantity"), tx.t("doc.col.unit"), tx.t("doc.col.amount")]
    return table(rows, header, numeric=(1, 3))


def _payment(tx: Texts, inv: Invoice, token: str, iban: str | None) -> str:
    from urbaneta.adapters.html import paragraphs, post_button
    from urbaneta.services.payments import PAYABLE

    if inv.status == "paid" or (inv.balance_due_cents <= 0 and inv.status != "cancelled"):
        return paragraphs([tx.t("page.pay.paid")], "ok")
    if inv.status not in PAYABLE:
        return paragraphs([tx.t("page.pay.closed")])
    buttons = "".join(post_button(f"{token}/banklink", tx.t("page.pay.banklink", provider=PROVIDER_NAMES[name]),
                                  {"provider": name}) for name in configured_providers())
    transfer = [tx.t("page.pay.transfer", iban=iban, reference=inv.reference_number)] if iban else []
    return (buttons or paragraphs([tx.t("page.pay.unavailable")])) + paragraphs(transfer)


def invoice_page(token: str, accept_language: str | None) -> HostedPage:
    from urbaneta.adapters.html import e, page, paragraphs
    from urbaneta.services.invoicing.documents import document

    inv = _invoice(token)
    if inv is None:
        return not_found(accept_language)
    doc, tx = document(inv)
    facts = [f"{tx.t('doc.period')}: {tx.date(inv.period_start)} – {tx.date(inv.period_end)}",
             f"{tx.t('doc.apartment')}: {doc.building_name}, {doc.apartment_number}",
             f"{tx.t('doc.due_date')}: {tx.date(inv.due_date)}", f"{tx.t('doc.reference')}: {inv.reference_number}",
             f"{tx.t('doc.status')}: {tx.t(f'status.{inv.status}')}"]
    balance = (f'<p class="total">{e(tx.t("page.pay.balance"))}: '
               f"{e(tx.money(max(inv.balance_due_cents, 0), inv.currency))}</p>")
    pdf = f'<p><a href="{e(token)}/pdf">{e(tx.t("page.pay.pdf"))}</a></p>'
    body = (paragraphs([tx.t("page.pay.from", association=doc.association.display_name)]) + paragraphs(facts)
            + _lines_table(tx, inv, doc) + balance + _payment(tx, inv, token, doc.iban) + pdf)
    title = tx.t("page.pay.title", number=inv.number)
    return HostedPage(200, page(tx.language, title, body))


@dataclass(frozen=True)
class HostedPdf:
    filename: str
    content: bytes


def invoice_pdf(token: str) -> HostedPdf | None:
    """The PDF in the recipient's current language (the page's link)."""
    from urbaneta.services.invoicing.documents import document, ensure_pdf

    inv = _invoice(token)
    if inv is None:
        return None
    rendered = document(inv)
    title = "-".join(rendered[1].t("doc.credit_note" if rendered[0].credit_note else "doc.invoice").split())
    return HostedPdf(f"{title}-{inv.number}.pdf", ensure_pdf(inv, rendered))


def start_banklink(token: str, provider: str, client_ip: str | None) -> str | None:
    """The provider's payment page for the invoice's open balance (a pending payment and the provider's order,
    as ``POST /payments/banklink`` makes them); the payer comes back to the hosted page. None: no such link."""
    from urbaneta.services.banklinks import start_for_invoice
    from urbaneta.services.invoicing.documents import document
    inv = _invoice(token)
    if inv is None:
        return None
    _doc, tx = document(inv)
    back = page_url(token)  # the page the payer came from
    out = start_for_invoice(inv, provider, return_url=back, cancel_url=back, locale=tx.language,
                            client_ip=client_ip, recorded_by="hosted-invoice-page")
    return str(out.redirect_url)



def page_url(token: str) -> str:
    """The API's own hosted page of this token."""
    from urbaneta.services.links import api_base

    return f"{api_base()}/pay/{token}"
