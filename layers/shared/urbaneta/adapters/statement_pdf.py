"""Account statement PDFs (fpdf2, the invoice renderer's embedded font): the apartment, the period, the opening
balance, one row per entry with its running balance, the closing balance. Kept apart from ``adapters.pdf`` (the
invoice renderer), whose page setup and money format it reuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from urbaneta.adapters.pdf import FAMILY, _new_document, money


@dataclass(frozen=True)
class StatementRow:
    day: date
    kind: str
    description: str
    amount_cents: int
    balance_cents: int


@dataclass(frozen=True)
class StatementDocument:
    association: str
    apartment: str  # "<address>, apt <number>"
    period: str  # "2025-01-01 to 2025-12-31" or "all entries"
    currency: str
    opening_cents: int
    closing_cents: int
    rows: list[StatementRow] = field(default_factory=list)


COLUMNS = (("Date", 0.14, "L"), ("Type", 0.16, "L"), ("Description", 0.40, "L"), ("Amount", 0.15, "R"),
           ("Balance", 0.15, "R"))


def render_statement(doc: StatementDocument) -> bytes:
    pdf = _new_document()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(FAMILY, "", 16)
    pdf.cell(width, 9, doc.association, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    for text in ("Account statement", doc.apartment, f"Period: {doc.period}"):
        pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_fill_color(235, 235, 235)
    for title, share, align in COLUMNS:
        pdf.cell(width * share, 7, title, border="B", align=align, fill=True, new_x="RIGHT", new_y="TOP")
    pdf.ln(7)
    rows = [("", "", "Opening balance", "", money(doc.opening_cents))]
    rows += [(r.day.isoformat(), r.kind, r.description, money(r.amount_cents), money(r.balance_cents))
             for r in doc.rows]
    rows.append(("", "", f"Closing balance ({doc.currency})", "", money(doc.closing_cents)))
    for values in rows:
        for (_title, share, align), value in zip(COLUMNS, values, strict=True):
            pdf.cell(width * share, 6, value[:60], align=align, new_x="RIGHT", new_y="TOP")
        pdf.ln(6)
    return bytes(pdf.output())
