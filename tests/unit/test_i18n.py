"""The message catalogue: five languages with identical keys and placeholders, money and dates by locale, and
every document and e-mail rendered in every language with no English left in a non-English one (user data
aside)."""

from __future__ import annotations

import io
import re
import string
from datetime import date
from decimal import Decimal

import pytest

from urbaneta.domain.languages import LANGUAGES, from_accept_language, pick
from urbaneta.i18n import catalogue, texts

NON_ENGLISH = [lang for lang in LANGUAGES if lang != "en"]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def english_words() -> set[str]:
    """Words of the English catalogue (4+ letters) that no other catalogue uses: any of them in a non-English
    document is English left behind."""
    def words(lang: str) -> set[str]:
        found: set[str] = set()
        for text in catalogue(lang).values():
            found |= {w.lower() for w in re.findall(r"[^\W\d_]{4,}", re.sub(r"\{\w+\}", " ", text))}
        return found

    others = set().union(*(words(lang) for lang in NON_ENGLISH))
    return words("en") - others


ENGLISH = english_words()


def visible(html: str) -> str:
    """The text a reader sees in an HTML document (no style, script or markup)."""
    import html as html_lib

    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S | re.I)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", text))


def english_left(text: str, user_data: list[str]) -> list[str]:
    """English words of the catalogue left in ``text``, once the user data and the links are taken out."""
    text = re.sub(r"https?://\S+", " ", text)
    for value in sorted(user_data, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted({w for w in re.findall(r"[^\W\d_]{4,}", text) if w.lower() in ENGLISH})


@pytest.mark.parametrize("lang", NON_ENGLISH)
def test_every_catalogue_has_the_english_keys_and_placeholders(lang):
    # Given the English catalogue and another language's
    en, other = catalogue("en"), catalogue(lang)
    # Then they have the same keys, each with the same placeholders, and no text is left empty or English
    assert set(other) == set(en)
    for key, text in en.items():
        assert placeholders(other[key]) == placeholders(text), key
        assert other[key].strip(), key
    assert not english_left(re.sub(r"\{\w+\}", " ", " ".join(other.values())), [])


def test_money_numbers_and_dates_follow_the_locale():
    et = texts("et")
    assert et.money(123456) == "1\xa0234,56\xa0€"
    assert et.date(date(2025, 1, 31)) == "31.01.2025"
    assert texts("lv").date(date(2025, 1, 31)) == "31.01.2025"
    assert texts("lt").date(date(2025, 1, 31)) == "2025-01-31"
    assert texts("ru").money(-5) == "-0,05\xa0€"
    assert texts("en").money(123456) == "€1,234.56"
    assert et.number(Decimal("1283.440")) == "1\xa0283,440" and et.number(Decimal("0.4"), min_places=2) == "0,40"


def test_a_language_falls_back_to_the_organisations_then_english():
    assert texts(None, "lv").language == "lv" and texts("xx", None).language == "en" and pick("ru") == "ru"
    assert from_accept_language("de-DE,de;q=0.9,lt;q=0.8,en;q=0.5") == "lt"
    assert from_accept_language(None) == "en" and from_accept_language("q=;;,") == "en"


# ---- every document and e-mail in every language ------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def sample_user_data(sample) -> list[str]:
    org = sample.association
    return [v for v in (org.name, org.registry_code, org.vat_number, org.address, org.email, org.phone,
                        org.website, sample.iban, sample.bank, sample.building, sample.address, sample.recipient,
                        *sample.charges, "resident@example.com", "MWh") if v]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_invoice_and_credit_note_pdfs_render_in_every_language(lang):
    from dataclasses import replace

    from local.render_samples import SAMPLES, document
    from urbaneta.adapters.pdf import render_invoice

    # Given the sample invoice of this language (every kind of line, readings, the apartment account)
    sample = next(s for s in SAMPLES if s.language == lang)
    doc = document(sample)
    for rendered in (doc, replace(doc, credit_note=True, cancels_number="2025-000141")):
        # When it is rendered as an invoice and as a credit note
        text = pdf_text(render_invoice(rendered, texts(lang)))
        # Then the language's own labels are there, the charge names as typed, and no English
        tx = texts(lang)
        assert tx.t("doc.total_to_pay") in " ".join(text.split()) or tx.t("doc.total_to_pay").split()[0] in text
        assert sample.charges[0] in text
        if lang != "en":
            assert english_left(text, sample_user_data(sample)) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_account_statement_pdf_renders_in_every_language(lang):
    from datetime import date as day

    from urbaneta.adapters.statement_pdf import StatementDocument, StatementRow, render_statement
    from urbaneta.domain.ledger import ENTRY_TYPES

    # Given a statement with one entry of every type
    rows = [StatementRow(day(2025, 1, n + 1), kind, f"2025-00014{n}", 1234 * (n + 1), 5678) for n, kind in
            enumerate(ENTRY_TYPES)]
    doc = StatementDocument(association="KÜ Tamme 12", street="Tamme 12, 10111 Tallinn", apartment="14",
                            date_from=day(2025, 1, 1), date_to=None, currency="EUR", opening_cents=-1050,
                            closing_cents=123456, rows=rows)
    # When it is rendered in this language
    text = pdf_text(render_statement(doc, texts(lang)))
    flat = " ".join(text.split())
    # Then every entry type and the title are in the language, money by its locale, and no English is left
    tx = texts(lang)
    assert tx.t("statement.title") in flat and tx.t("entry.late_interest") in flat
    assert " ".join(tx.money(123456).split()) in flat
    if lang != "en":
        assert english_left(text, ["KÜ Tamme 12", "Tamme 12", "Tallinn"]) == []


def all_mails(lang: str):
    from datetime import date as day

    from urbaneta.domain.invoices import Invoice, Recipient
    from urbaneta.services import mails

    tx = texts(lang)
    inv = Invoice(id="i1", tenantId="t1", number="2025-000142", referenceNumber="1234561", buildingId="b1",
                  apartmentId="a1", periodStart=day(2025, 1, 1), periodEnd=day(2025, 1, 31), issueDate=day(2025, 2, 1),
                  dueDate=day(2025, 2, 15), subtotalCents=15041, vatTotalCents=2818, totalCents=17859,
                  balanceDueCents=17859, recipient=Recipient(name="Mari Mägi", email="mari@example.ee"),
                  createdAt="2025-02-01T00:00:00Z", updatedAt="2025-02-01T00:00:00Z")
    credit = inv.model_copy(update={"credit_note_of": "i0", "total_cents": -17859})
    url = "https://api.example.ee/api/x?token=abc"
    return {
        "invoice": mails.invoice_mail(tx, inv, association="KÜ Tamme 12", iban="EE382200221020145685", pay_url=url),
        "credit note": mails.invoice_mail(tx, credit, association="KÜ Tamme 12", iban=None, pay_url=url,
                                          original_number="2025-000141"),
        "invitation": mails.invitation_mail(tx, building="Tamme 12", apartment="14", role="owner",
                                            expires=day(2025, 2, 8), url=url, association="KÜ Tamme 12"),
        "staff invitation": mails.member_invitation_mail(tx, organization="KÜ Tamme 12", role="accountant",
                                                         expires=day(2025, 2, 8), url=url),
        "magic link": mails.magic_link_mail(tx, url=url, token="abc"),
        "registration": mails.registration_mail(tx, url=url, token="abc"),
        "registration (known address)": mails.registration_mail(tx, url=url, token=None),
        "reminder": mails.reminder_mail(tx, inv, level=1, message=REMINDER_TEXT, association="KÜ Tamme 12",
                                        iban="EE382200221020145685", pay_url=url),
        "reminder with statement": mails.reminder_mail(tx, inv, level=2, message=REMINDER_TEXT,
                                                       association="KÜ Tamme 12", iban=None, pay_url=url,
                                                       statement=True),
    }


REMINDER_TEXT = "Palun tasuge võlg 7 päeva jooksul."  # the manager's text: user data, sent as typed
USER_DATA = ["KÜ Tamme 12", "Tamme 12", "Mari Mägi", "EE382200221020145685", "Urbaneta", REMINDER_TEXT]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_email_renders_in_every_language_with_text_and_html(lang):
    # When every e-mail the product sends is composed in this language
    for kind, mail in all_mails(lang).items():
        # Then it has a subject, a plain part and an HTML part saying the same, in the language
        assert mail.subject and mail.text.strip(), kind
        assert f'<html lang="{lang}">' in mail.html, kind
        if lang != "en":
            assert english_left(f"{mail.subject} {mail.text} {visible(mail.html)}", USER_DATA) == [], kind
    invoice = all_mails(lang)["invoice"]
    assert texts(lang).money(17859) in invoice.text and "https://api.example.ee/api/x?token=abc" in invoice.html
    reminder = all_mails(lang)["reminder"]
    assert REMINDER_TEXT in reminder.text and texts(lang).money(17859) in reminder.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pages_without_a_recipient_follow_the_browsers_language(lang):
    from urbaneta.services.hosted.accounts import sign_in_page
    from urbaneta.services.hosted.common import not_found

    header = f"{lang}-XX,{lang};q=0.9"
    for got in (not_found(header), sign_in_page(header)):
        assert f'<html lang="{lang}">' in got.html
        if lang != "en":
            assert english_left(visible(got.html), []) == []
