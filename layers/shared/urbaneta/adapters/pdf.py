"""Invoice and credit note PDFs with fpdf2: A4, DejaVu Sans embedded (subset) so Baltic letters (õ ä ö ü š ž ą č
ę ė į ų ū ē ī ķ ļ ņ) and Cyrillic print and extract correctly. The font file travels in the layer
(``urbaneta/assets/fonts``, Bitstream Vera licence, redistribution allowed; see LICENSE-DejaVu.txt there). Every
label comes from the message catalogue in the recipient's language (``urbaneta.i18n``); charge names, names and
addresses are printed as typed. fpdf2 is imported lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from urbaneta.i18n import Texts

if TYPE_CHECKING:
    from urbaneta.domain.organization import Organization

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
FAMILY = "DejaVu"
GREY = (96, 104, 112)


@dataclass(frozen=True)
class PdfLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_cents: int
    vat_rate: Decimal
    vat_cents: int
    kind: str = "charge"  # charge | late_interest | credit
    previous_reading: Decimal | None = None  # metered lines: the meter readings the consumption comes from
    current_reading: Decimal | None = None
    interest_through: date | None = None


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything billing.md asks the PDF to show."""

    credit_note: bool
    number: str
    reference_number: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    currency: str
    association: Organization  # printed under its display name, with its legal details
    iban: str | None
    bank_name: str | None
    building_name: str
    building_address: str
    apartment_number: str
    recipient_name: str | None
    recipient_email: str | None
    subtotal_cents: int
    vat_total_cents: int
    total_cents: int
    lines: list[PdfLine] = field(default_factory=list)
    cancels_number: str | None = None  # a credit note: the invoice it cancels
    # the apartment account (when the invoice carries them): shown between the invoice total and the total to pay
    previous_balance_cents: int | None = None
    payments_received_cents: int | None = None
    total_to_pay_cents: int | None = None

    @property
    def to_pay_cents(self) -> int:
        return self.total_cents if self.total_to_pay_cents is None else self.total_to_pay_cents


def _new_document() -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(True)
    pdf.add_font(FAMILY, "", str(REGULAR))  # one face: every embedded face costs a parse and a subset
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _width(pdf: Any) -> float:
    return float(pdf.w - pdf.l_margin - pdf.r_margin)


def _header(pdf: Any, doc: InvoiceDocument, tx: Texts) -> None:
    """The association and its legal details on the left, the document's title and number on the right."""
    width = _width(pdf)
    org = doc.association
    pdf.set_font(FAMILY, "", 15)
    top = pdf.get_y()
    pdf.multi_cell(width * 0.6, 7, org.display_name, align="L", new_x="LMARGIN", new_y="NEXT")
    details = [
        " · ".join(p for p in (org.registry_code and f"{tx.t('doc.registry_code')} {org.registry_code}",
                               org.vat_number and f"{tx.t('doc.vat_number')} {org.vat_number}") if p),
        org.address or "",
        " · ".join(p for p in (org.phone and f"{tx.t('doc.phone')} {org.phone}", org.email, org.website) if p),
        " · ".join(p for p in (doc.bank_name and f"{tx.t('doc.bank')} {doc.bank_name}",
                               doc.iban and f"IBAN {doc.iban}") if p),
    ]
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*GREY)
    for text in (d for d in details if d):
        pdf.multi_cell(width * 0.6, 4.2, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.6, top)
    pdf.set_font(FAMILY, "", 16)
    title = tx.t("doc.credit_note" if doc.credit_note else "doc.invoice")
    pdf.multi_cell(width * 0.4, 8, title, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + width * 0.6)
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(width * 0.4, 6, doc.number, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 4)
    pdf.set_draw_color(200, 200, 200)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(4)


def _facts(pdf: Any, doc: InvoiceDocument, tx: Texts) -> None:
    """Two columns: who and where on the left, the invoice's numbers and dates on the right."""
    width = _width(pdf)
    left = [(tx.t("doc.recipient"), doc.recipient_name or ""), (tx.t("doc.email"), doc.recipient_email or ""),
            (tx.t("doc.building"), f"{doc.building_name}\n{doc.building_address}"),
            (tx.t("doc.apartment"), doc.apartment_number)]
    right = [(tx.t("doc.credit_number" if doc.credit_note else "doc.number"), doc.number),
             (tx.t("doc.reference"), doc.reference_number), (tx.t("doc.issue_date"), tx.date(doc.issue_date)),
             (tx.t("doc.due_date"), tx.date(doc.due_date)),
             (tx.t("doc.period"), f"{tx.date(doc.period_start)} – {tx.date(doc.period_end)}")]
    top = pdf.get_y()
    ends = []
    for (column, label_share, value_share), rows in (((0.0, 0.14, 0.36), left), ((0.51, 0.23, 0.26), right)):
        pdf.set_y(top)
        for label, value in rows:
            if not value:
                continue
            pdf.set_x(pdf.l_margin + width * column)
            pdf.set_font(FAMILY, "", 8.5)
            pdf.set_text_color(*GREY)
            pdf.cell(width * label_share, 5, label, new_x="RIGHT", new_y="TOP")
            pdf.set_text_color(0, 0, 0)
            pdf.set_font(FAMILY, "", 9.5)
            pdf.multi_cell(width * value_share, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        ends.append(pdf.get_y())
    pdf.set_y(max(ends) + 3)
    if doc.credit_note and doc.cancels_number:
        pdf.multi_cell(width, 6, tx.t("doc.credit_note_for", number=doc.cancels_number), align="L",
                       new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


COLUMNS = (("doc.col.description", 0.36, "L"), ("doc.col.quantity", 0.11, "R"), ("doc.col.unit", 0.08, "L"),
           ("doc.col.unit_price", 0.12, "R"), ("doc.col.amount", 0.12, "R"), ("doc.col.vat_rate", 0.08, "R"),
           ("doc.col.vat", 0.13, "R"))


def line_text(line: PdfLine, tx: Texts) -> str:
    """The line's name: a charge's as the manager typed it; late interest in the recipient's language."""
    if line.kind == "late_interest" and line.interest_through is not None:
        return tx.t("doc.late_interest_line", days=tx.number(abs(line.quantity)),
                    through=tx.date(line.interest_through))
    return line.description


def _description(line: PdfLine, tx: Texts) -> tuple[str, str | None]:
    """The line's name and, for a metered line, its readings."""
    if line.previous_reading is not None and line.current_reading is not None:
        consumption = f"{tx.number(line.current_reading - line.previous_reading)} {line.unit}"
        return line_text(line, tx), tx.t("doc.readings", previous=tx.number(line.previous_reading),
                                         current=tx.number(line.current_reading), consumption=consumption)
    return line_text(line, tx), None


def _fit(pdf: Any, text: str, room: float) -> str:
    """The text in its column: a smaller font first (down to 7 pt), then cut with an ellipsis."""
    size = 9.0
    while pdf.get_string_width(text) > room and size > 7:
        size -= 0.5
        pdf.set_font(FAMILY, "", size)
    while pdf.get_string_width(text) > room and len(text) > 1:
        text = text[:-2] + "…"
    return text


def _lines(pdf: Any, doc: InvoiceDocument, tx: Texts) -> None:
    width = _width(pdf)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_fill_color(236, 239, 242)
    for key, share, align in COLUMNS:
        pdf.cell(width * share, 7, tx.t(key), align=align, fill=True, new_x="RIGHT", new_y="TOP")
    pdf.ln(7)
    for line in doc.lines:
        name, readings = _description(line, tx)
        values = [name, tx.number(line.quantity), tx.unit(line.unit), tx.number(line.unit_price, min_places=2),
                  tx.money(line.amount_cents, doc.currency), tx.number(line.vat_rate),
                  tx.money(line.vat_cents, doc.currency)]
        for (_key, share, align), value in zip(COLUMNS, values, strict=True):
            pdf.set_font(FAMILY, "", 9)
            pdf.cell(width * share, 6, _fit(pdf, value, width * share - 2), align=align, new_x="RIGHT", new_y="TOP")
        pdf.ln(6)
        if readings:
            pdf.set_font(FAMILY, "", 7.5)
            pdf.set_text_color(*GREY)
            pdf.cell(width, 4, f"    {readings}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(200, 200, 200)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(3)


def _totals(pdf: Any, doc: InvoiceDocument, tx: Texts) -> None:
    """Subtotal, VAT and this invoice's total (late interest is a line of it); then, when the invoice carries the
    apartment's account, the previous balance and the payments received; the total to pay last and largest."""
    rows: list[tuple[str, int, float]] = [(tx.t("doc.subtotal"), doc.subtotal_cents, 9.5),
                                          (tx.t("doc.vat_total"), doc.vat_total_cents, 9.5),
                                          (tx.t("doc.invoice_total"), doc.total_cents, 10)]
    if doc.previous_balance_cents is not None:
        rows.append((tx.t("doc.previous_balance"), doc.previous_balance_cents, 9.5))
    if doc.payments_received_cents is not None:
        rows.append((tx.t("doc.payments_received"), -abs(doc.payments_received_cents), 9.5))
    rows.append((tx.t("doc.total_to_pay"), doc.to_pay_cents, 13))
    width = _width(pdf)
    for label, cents, size in rows:
        pdf.set_font(FAMILY, "", size)
        pdf.cell(width * 0.72, 6.5, label, align="R", new_x="RIGHT", new_y="TOP")
        pdf.cell(width * 0.28, 6.5, tx.money(cents, doc.currency), align="R", new_x="LMARGIN", new_y="NEXT")


def _payment(pdf: Any, doc: InvoiceDocument, tx: Texts) -> None:
    if doc.to_pay_cents <= 0:
        return
    values = {"amount": tx.money(doc.to_pay_cents, doc.currency), "due": tx.date(doc.due_date),
              "reference": doc.reference_number}
    text = (tx.t("doc.pay_instruction", iban=doc.iban, **values) if doc.iban
            else tx.t("doc.pay_instruction_no_iban", **values))
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_fill_color(244, 246, 248)
    pdf.multi_cell(_width(pdf), 6, text, align="L", fill=True, padding=3, new_x="LMARGIN", new_y="NEXT")


def render_invoice(doc: InvoiceDocument, tx: Texts) -> bytes:
    pdf = _new_document()
    pdf.set_lang(tx.language)
    pdf.set_title(f"{tx.t('doc.credit_note' if doc.credit_note else 'doc.invoice')} {doc.number}")
    for part in (_header, _facts, _lines, _totals, _payment):
        part(pdf, doc, tx)
    return bytes(pdf.output())


def render_one_cell(text: str) -> bytes:
    """The smallest document with the same embedded font: the benchmark's baseline."""
    pdf = _new_document()
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(text=text)
    return bytes(pdf.output())
