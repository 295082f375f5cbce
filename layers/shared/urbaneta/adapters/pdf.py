"""Invoice PDFs with fpdf2: A4, DejaVu Sans embedded (subset) so Baltic letters (õ ä ö ü š ž ą č ę ė į ų ū ē ī ķ
ļ ņ) print and extract correctly. The font files travel in the layer (``urbaneta/assets/fonts``, Bitstream Vera
licence, redistribution allowed; see LICENSE-DejaVu.txt there). fpdf2 is imported lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
FAMILY = "DejaVu"


@dataclass(frozen=True)
class PdfLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_cents: int
    vat_rate: Decimal
    vat_cents: int


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything billing.md asks the PDF to show."""

    title: str  # "Invoice" or "Credit note"
    number: str
    reference_number: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    currency: str
    association: str
    iban: str | None
    bank_name: str | None
    building_address: str
    apartment_number: str
    recipient_name: str | None
    recipient_email: str | None
    subtotal_cents: int
    vat_total_cents: int
    total_cents: int
    lines: list[PdfLine] = field(default_factory=list)
    note: str | None = None  # e.g. "Cancels invoice 2025-000012"
    account: tuple[tuple[str, int], ...] = ()  # the apartment account's lines under the totals (label, cents)


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}".replace(",", " ")


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _new_document() -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_compression(True)
    pdf.add_font(FAMILY, "", str(REGULAR))  # one face: every embedded face costs a parse and a subset
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def render_invoice(doc: InvoiceDocument) -> bytes:
    pdf = _new_document()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FAMILY, "", 16)
    pdf.cell(width * 0.6, 9, doc.association, new_x="RIGHT", new_y="TOP")
    pdf.set_font(FAMILY, "", 14)
    pdf.cell(width * 0.4, 9, f"{doc.title} {doc.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    bank = " · ".join(p for p in (doc.bank_name, f"IBAN {doc.iban}" if doc.iban else None) if p)
    pdf.cell(width, 5, bank or "", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    rows = [
        ("Invoice number", doc.number),
        ("Reference number", doc.reference_number),
        ("Issue date", doc.issue_date.isoformat()),
        ("Due date", doc.due_date.isoformat()),
        ("Period", f"{doc.period_start.isoformat()} to {doc.period_end.isoformat()}"),
        ("Recipient", doc.recipient_name or ""),
        ("E-mail", doc.recipient_email or ""),
        ("Apartment", f"{doc.building_address}, apt {doc.apartment_number}"),
    ]
    for label, value in rows:
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(45, 6, label, new_x="RIGHT", new_y="TOP")
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(width - 45, 6, value, new_x="LMARGIN", new_y="NEXT")
    if doc.note:
        pdf.ln(2)
        pdf.multi_cell(width, 6, doc.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    cols = [("Description", 0.34, "L"), ("Quantity", 0.11, "R"), ("Unit", 0.08, "L"), ("Unit price", 0.12, "R"),
            ("Amount", 0.12, "R"), ("VAT %", 0.09, "R"), ("VAT", 0.14, "R")]
    pdf.set_font(FAMILY, "", 9)
    pdf.set_fill_color(235, 235, 235)
    for title, share, align in cols:
        pdf.cell(width * share, 7, title, border="B", align=align, fill=True, new_x="RIGHT", new_y="TOP")
    pdf.ln(7)
    pdf.set_font(FAMILY, "", 9)
    for line in doc.lines:
        values = [line.description, _number(line.quantity), line.unit, _number(line.unit_price),
                  money(line.amount_cents), _number(line.vat_rate), money(line.vat_cents)]
        for (_title, share, align), value in zip(cols, values, strict=True):
            pdf.cell(width * share, 6, value, align=align, new_x="RIGHT", new_y="TOP")
        pdf.ln(6)
    pdf.ln(3)

    for label, cents, size in (("Subtotal", doc.subtotal_cents, 10), ("VAT", doc.vat_total_cents, 10),
                               (f"Total ({doc.currency})", doc.total_cents, 12),
                               *((text, amount, 10) for text, amount in doc.account)):
        pdf.set_font(FAMILY, "", size)
        pdf.cell(width * 0.75, 7, label, align="R", new_x="RIGHT", new_y="TOP")
        pdf.cell(width * 0.25, 7, money(cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 9)
    if doc.total_cents > 0:
        pay = (f"Please pay {money(doc.total_cents)} {doc.currency} by {doc.due_date.isoformat()} "
               f"to {doc.iban or 'the association account'} with reference number {doc.reference_number}.")
        pdf.multi_cell(width, 5, pay, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_one_cell(text: str) -> bytes:
    """The smallest document with the same embedded font: the benchmark's baseline."""
    pdf = _new_document()
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(text=text)
    return bytes(pdf.output())
