"""Account statement PDFs (fpdf2, the invoice renderer's embedded font): the apartment, the period, the opening
balance, one row per entry with its running balance, the closing balance. Kept apart from ``adapters.pdf`` (the
invoice renderer), whose page setup it reuses; every word from the message catalogue (``urbaneta.i18n``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from urbaneta.adapters.pdf import FAMILY, _new_document

if TYPE_CHECKING:
    from urbaneta.i18n import Texts


@dataclass(frozen=True)
class StatementRow:
    day: date
    kind: str  # an entry type (domain.ledger.EntryType): named in the reader's language
    detail: str  # what identifies the entry (an invoice number, a payment reference, a reason): data, as it is
    amount_cents: int
    balance_cents: int


@dataclass(frozen=True)
class StatementDocument:
    association: str
    street: str
    apartment: str
    date_from: date | None  # None: from the first entry
    date_to: date | None  # None: until today
    currency: str
    opening_cents: int
    closing_cents: int
    rows: list[StatementRow] = field(default_factory=list)


COLUMNS = (("statement.col.date", 0.14, "L"), ("statement.col.type", 0.18, "L"), ("doc.col.description", 0.36, "L"),
           ("doc.col.amount", 0.16, "R"), ("statement.col.balance", 0.16, "R"))


def _heading(pdf: Any, doc: StatementDocument, tx: Texts, width: float) -> None:
    pdf.set_font(FAMILY, "", 16)
    pdf.cell(width, 9, doc.association, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    start = tx.date(doc.date_from) if doc.date_from else tx.t("statement.first_entry")
    end = tx.date(doc.date_to) if doc.date_to else tx.t("statement.today")
    for text in (tx.t("statement.title"), tx.t("statement.apartment", street=doc.street, apartment=doc.apartment),
                 tx.t("statement.period", start=start, end=end)):
        pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def render_statement(doc: StatementDocument, tx: Texts) -> bytes:
    """The statement in the reader's language: entry types, dates and money by its locale; details as data."""
    pdf = _new_document()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    _heading(pdf, doc, tx, width)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_fill_color(235, 235, 235)
    for title, share, align in COLUMNS:
        pdf.cell(width * share, 7, tx.t(title), border="B", align=align, fill=True, new_x="RIGHT", new_y="TOP")
    pdf.ln(7)
    money = lambda cents: tx.money(cents, doc.currency)  # noqa: E731
    rows = [("", "", tx.t("statement.opening"), "", money(doc.opening_cents))]
    rows += [(tx.date(r.day), tx.t(f"entry.{r.kind}"), r.detail, money(r.amount_cents), money(r.balance_cents))
             for r in doc.rows]
    rows.append(("", "", tx.t("statement.closing"), "", money(doc.closing_cents)))
    for values in rows:
        for (_title, share, align), value in zip(COLUMNS, values, strict=True):
            pdf.cell(width * share, 6, value[:48], align=align, new_x="RIGHT", new_y="TOP")
        pdf.ln(6)
    return bytes(pdf.output())
