"""The pages every e-mailed link opens, and an e-mailed invoice in the resident's language end to end: the
e-mail, its PDF and the invoice's hosted page (et, lv, lt, ru). Tokens that are wrong, tampered with, used or
expired show the same 404 page and nothing of the data."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration import invoicing_helpers as billing
from tests.integration.test_auth import register, send
from tests.integration.test_auth import sent_mail as mailbox
from tests.support import call, unique
from tests.unit.test_i18n import english_left, visible
from urbaneta.i18n import texts

PASSWORD = "Kolm-Karu-Metsas-42"


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def billed_in(caller: Any, language: str, email: str) -> dict[str, Any]:
    """A building with one apartment whose residents read ``language``, billed and e-mailed for January 2025."""
    b = billing.new_building(caller, vatRate=22)
    apt = billing.new_apartment(caller, b["id"], "7", 48.2, ownerName="Mari Mägi", email=email, language=language)
    billing.new_charge(caller, b["id"], "Haldustasu", "per_area", 0.55)
    billing.generate(caller, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    (inv,) = billing.invoices_of(caller, buildingId=b["id"])
    res = call("invoices", "POST", "/invoices/send-bulk", token=caller.token, body={"invoiceIds": [inv["id"]]})
    assert res.status == 202 and not billing.run_sending()
    (mail,) = [m for m in billing.sent_mail() if m["to"] == [email]]
    return {"building": b, "apartment": apt, "invoice": inv, "mail": mail}


USER_DATA = ["Mari Mägi", "Haldustasu", "KÜ Õunapuu 5", "Õunapuu 5", "Tartu", "Swedbank", "EE061010220000000016"]


@pytest.mark.parametrize("lang", ["et", "lv", "lt", "ru"])
def test_an_emailed_invoice_is_in_the_residents_language_end_to_end(make_caller, lang):
    # Given an apartment whose residents read this language, and its invoice e-mailed
    mgr = make_caller("manager")
    email = f"{unique('res-')}@example.com"
    got = billed_in(mgr, lang, email)
    tx, inv, mail = texts(lang), got["invoice"], got["mail"]
    # Then the e-mail's subject and text are in the language, with the amount as the locale writes it
    assert mail["subject"] == tx.t("mail.invoice.subject", number=inv["number"], association="KÜ Õunapuu 5")
    assert tx.money(inv["totalCents"] if "totalCents" in inv else round(inv["total"] * 100)) in mail["text"]
    assert english_left(f"{mail['subject']} {mail['text']}", [*USER_DATA, email]) == []
    # And the attached PDF too
    (_name, ctype, pdf), = mail["attachments"]
    text = pdf_text(pdf)
    assert ctype == "application/pdf" and tx.t("doc.total_to_pay") in text and "Haldustasu" in text
    assert english_left(text, [*USER_DATA, email]) == []
    # And the e-mail's link opens the invoice's hosted page in the language, with its PDF
    token = re.search(r"/pay/(\S+)", mail["text"]).group(1)
    page = call("payments", "GET", f"/pay/{token}")
    html = page.content.decode()
    assert page.status == 200 and f'<html lang="{lang}">' in html and inv["number"] in html
    assert page.headers["cache-control"] == "no-store" and "script-src 'sha256-" in page.headers[
        "content-security-policy"]
    assert english_left(visible(html), USER_DATA) == []
    pdf_answer = call("payments", "GET", f"/pay/{token}/pdf")
    assert pdf_answer.content == pdf and "filename*=UTF-8''" in pdf_answer.headers["content-disposition"]


def forged(token: str, **swap: str) -> str:
    """The token with its payload changed and its signature kept."""
    encoded, _, signature = token.partition(".")
    tenant, invoice, expires = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode().split(".")
    values = {"tenant": tenant, "invoice": invoice, "expires": expires, **swap}
    payload = f"{values['tenant']}.{values['invoice']}.{values['expires']}".encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + signature


def test_the_invoice_page_reveals_nothing_without_its_token(make_caller):
    # Given two organisations' e-mailed invoices
    them = make_caller("manager")
    mine = billed_in(make_caller("manager"), "et", f"{unique('a-')}@example.com")
    theirs = billed_in(them, "lv", f"{unique('b-')}@example.com")
    token = re.search(r"/pay/(\S+)", mine["mail"]["text"]).group(1)
    other = theirs["invoice"]
    # When the token is tampered with: another invoice, another tenant, a later expiry, a wrong signature
    bad = [forged(token, invoice=other["id"]), forged(token, tenant=them.tenant_id, invoice=other["id"]),
           forged(token, expires="99999999999"), token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
           "garbage", "a.b"]
    for wrong in bad:
        # Then every one is the same 404 page, with neither invoice's number, for the page, its PDF and its pay form
        for method, path in (("GET", f"/pay/{wrong}"), ("GET", f"/pay/{wrong}/pdf"),
                             ("POST", f"/pay/{wrong}/banklink")):
            res = call("payments", method, path, raw_body="provider=paysera",
                       headers={"content-type": "application/x-www-form-urlencoded"})
            assert res.status == 404, (wrong, path, res)
            assert mine["invoice"]["number"] not in res.content.decode()
            assert other["number"] not in res.content.decode()


def test_a_pay_link_expires_a_year_after_the_later_of_its_due_date_and_its_making(make_caller):
    from urbaneta.services.links import pay_token, read_pay_token
    from urbaneta.store import invoices

    # Given the link of an e-mailed invoice
    got = billed_in(make_caller("manager"), "en", f"{unique('c-')}@example.com")
    found = read_pay_token(re.search(r"/pay/(\S+)", got["mail"]["text"]).group(1))
    assert found is not None and found[1] == got["invoice"]["id"]
    inv = invoices.get_invoice(*found)
    # Then a link made before the due date opens until a year after it, and not a day longer
    made = inv.due_date - timedelta(days=10)
    assert read_pay_token(pay_token(inv, today=made), today=inv.due_date + timedelta(days=364)) == found
    assert read_pay_token(pay_token(inv, today=made), today=inv.due_date + timedelta(days=365)) is None
    # And a link made later opens a year after it was made
    late = inv.due_date + timedelta(days=100)
    assert read_pay_token(pay_token(inv, today=late), today=late + timedelta(days=364)) == found


def test_the_invoice_page_starts_a_bank_link_and_redirects_to_the_provider(make_caller, aws):
    import boto3

    from urbaneta.adapters.providers import config

    got = billed_in(make_caller("manager"), "lt", f"{unique('d-')}@example.com")
    token = re.search(r"/pay/(\S+)", got["mail"]["text"]).group(1)
    sm = boto3.client("secretsmanager")
    before = sm.get_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"])["SecretString"]
    try:
        # Given no provider configured, the page offers no button and says to pay by transfer
        sm.put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"], SecretString="{}")
        config.reset()
        page = call("payments", "GET", f"/pay/{token}").content.decode()
        assert "banklink" not in page and texts("lt").t("page.pay.unavailable") in page
        sm.put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"], SecretString=json.dumps(
            {"paysera": {"projectId": "123456", "password": "pw-" + unique(), "test": True}}))
        config.reset()
        # When Paysera is configured, the page shows its button
        page = call("payments", "GET", f"/pay/{token}").content.decode()
        assert texts("lt").t("page.pay.banklink", provider="Paysera") in page and f'{token}/banklink' in page
        # And its form POST answers 303 to Paysera's checkout for the invoice's balance, in Lithuanian
        res = call("payments", "POST", f"/pay/{token}/banklink", raw_body="provider=paysera",
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert res.status == 303 and res.headers["location"].startswith("https://sandbox.paysera.com/pay/?")
        data = parse_qs(urlsplit(res.headers["location"]).query)["data"][0]
        assert "lang=LIT" in base64.urlsafe_b64decode(data).decode()
        # And an unknown provider goes back to the page
        res = call("payments", "POST", f"/pay/{token}/banklink", raw_body="provider=nope",
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert res.status == 303 and res.headers["location"].endswith(f"/pay/{token}")
    finally:
        sm.put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"], SecretString=before)
        config.reset()


# ---- account pages ---------------------------------------------------------------------------------------------


def test_the_invitation_link_opens_a_form_in_the_apartments_language(make_caller):
    from tests.integration.test_residents import body_text, outbox

    mgr = make_caller("manager")
    b = billing.new_building(mgr)
    apt = billing.new_apartment(mgr, b["id"], "3", language="ru")
    with outbox() as sent:
        res = call("residents", "POST", "/invitations", token=mgr.token,
                   body={"apartmentId": apt["id"], "email": f"{unique('inv-')}@example.com", "role": "tenant"})
    assert res.status == 201
    text = body_text(sent[-1])
    assert "POST" not in text
    assert english_left(text, ["KÜ Õunapuu 5"]) == []
    token = re.search(r"/invitations/accept\?token=(\S+)", text).group(1)
    # When the link is opened, a form in Russian holds the token and posts it to the API
    page = call("residents", "GET", "/invitations/accept", query={"token": token})
    html = page.content.decode()
    assert page.status == 200 and '<html lang="ru">' in html and f'value="{token}"' in html
    assert 'data-api="accept"' in html and english_left(visible(html), ["KÜ Õunapuu 5"]) == []
    # And once accepted, the same link shows the 404 page
    assert call("residents", "POST", "/invitations/accept",
                body={"token": token, "name": "Ольга", "password": PASSWORD}).status == 200
    assert call("residents", "GET", "/invitations/accept", query={"token": token}).status == 404
    assert call("residents", "GET", "/invitations/accept", query={"token": "x" * 40}).status == 404


def test_the_magic_link_opens_a_page_that_spends_nothing_until_pressed(aws):
    owner = register()
    assert send("POST", "/auth/magic-link", body={"email": owner["email"]}).status == 202
    (mail,) = mailbox(owner["email"], "sign-in")
    token = re.search(r"/auth/magic-link/verify\?token=(\S+)", mail["text"]).group(1)
    # When the page is opened (twice, as a mail scanner might)
    for _ in range(2):
        page = send("GET", "/auth/magic-link/verify", query={"token": token})
        assert page.status == 200 and 'data-api="verify"' in page.content.decode()
    # Then the token still signs in once, and the page is the 404 page afterwards
    assert send("POST", "/auth/magic-link/verify", body={"token": token}).status == 200
    assert send("GET", "/auth/magic-link/verify", query={"token": token}).status == 404


def test_registration_links_open_pages_in_the_language_asked_for(aws):
    email = f"{unique('reg-')}@example.com"
    body = {"organizationName": "Biedrība Ķiršu 7", "email": email, "password": PASSWORD, "name": "Jānis",
            "language": "lv"}
    assert send("POST", "/auth/register", body=body).status == 202
    (mail,) = mailbox(email)
    assert mail["subject"] == texts("lv").t("mail.registration.subject") and mail["html"]
    token = re.search(r"/auth/register/verify\?token=(\S+)", mail["text"]).group(1)
    page = send("GET", "/auth/register/verify", query={"token": token}).content.decode()
    assert '<html lang="lv">' in page and 'type="password"' in page
    # And the note to a known address links to the page that asks for a sign-in link
    assert send("POST", "/auth/register/verify", body={"token": token, "password": PASSWORD}).status == 201
    assert send("POST", "/auth/register", body=body).status == 202
    known = mailbox(email)[-1]
    link = re.search(r"(https?://\S+/auth/sign-in)\b", known["text"]).group(1)
    assert send("GET", "/auth/sign-in", headers={"accept-language": "lv"}).status == 200 and link
    assert send("GET", "/auth/register/verify", query={"token": token}).status == 404


# ---- where links point, and the organisation's default language ----------------------------------------------


def test_public_app_url_sends_every_link_to_the_organisations_front_end(aws, monkeypatch):
    from urbaneta.settings import get_settings

    # Given an installation whose organisations have their own front end
    owner = register()
    monkeypatch.setattr(get_settings(), "public_app_url", "https://app.example.ee/")
    # When a sign-in link and a registration note are e-mailed
    assert send("POST", "/auth/magic-link", body={"email": owner["email"]}).status == 202
    body = {"organizationName": "X", "email": owner["email"], "password": PASSWORD, "name": "Kadri"}
    assert send("POST", "/auth/register", body=body).status == 202
    # Then their links open the front end's pages, with the same paths and token parameters
    magic, known = mailbox(owner["email"], "sign-in")[-1], mailbox(owner["email"], "registration")[-1]
    assert re.search(r"https://app\.example\.ee/auth/magic-link/verify\?token=\S+", magic["text"])
    assert "https://app.example.ee/auth/sign-in" in known["text"] and "https://app.example.ee/" in known["html"]


def test_an_apartment_without_a_language_reads_the_organisations_default(aws):
    from tests.integration.test_residents import body_text, outbox
    from urbaneta.store import keys, table

    # Given an organisation whose default language is Latvian, and an apartment that chose none
    owner = register()
    table.update(keys.tenant(owner["tenantId"]), "SET defaultLanguage = :l", vals={":l": "lv"})
    staff = type("Caller", (), {"token": owner["accessToken"]})()
    b = billing.new_building(staff)
    apt = billing.new_apartment(staff, b["id"], "2")
    # When a resident is invited / Then the e-mail is Latvian
    with outbox() as sent:
        assert call("residents", "POST", "/invitations", token=owner["accessToken"],
                    body={"apartmentId": apt["id"], "email": f"{unique('lv-')}@example.com",
                          "role": "owner"}).status == 201
    text = body_text(sent[-1])
    assert texts("lv").t("mail.invitation.action") in text and english_left(text, ["KÜ Õunapuu 5", "KÜ Kase 12"]) == []


def test_a_pdf_made_before_the_apartment_chose_its_language_is_made_again_in_it(make_caller):
    # Given an invoice whose PDF the manager opened while the apartment had no language (English)
    mgr = make_caller("manager")
    b = billing.new_building(mgr)
    apt = billing.new_apartment(mgr, b["id"], "4", ownerName="Mari Mägi", email=f"{unique('p-')}@example.com")
    billing.new_charge(mgr, b["id"], "Haldustasu", "per_area", 0.5)
    billing.generate(mgr, b["id"])
    (inv,) = billing.invoices_of(mgr, buildingId=b["id"])
    english = pdf_text(call("invoices", "GET", f"/invoices/{inv['id']}/pdf", token=mgr.token).content)
    assert texts("en").t("doc.total_to_pay") in english
    # When the apartment chooses Estonian and the invoice is sent
    assert call("buildings", "PATCH", f"/buildings/{b['id']}/apartments/{apt['id']}", token=mgr.token,
                body={"language": "et"}).status == 200
    res = call("invoices", "POST", "/invoices/send-bulk", token=mgr.token, body={"invoiceIds": [inv["id"]]})
    assert res.status == 202 and not billing.run_sending()
    # Then the e-mailed PDF is Estonian, and so is every download from then on
    (mail,) = [m for m in billing.sent_mail() if m["to"] == [apt["email"]]]
    (name, _ctype, attached), = mail["attachments"]
    assert name == f"Arve-{inv['number']}.pdf"
    estonian = pdf_text(attached)
    assert texts("et").t("doc.total_to_pay") in estonian and english_left(estonian, USER_DATA) == []
    assert call("invoices", "GET", f"/invoices/{inv['id']}/pdf", token=mgr.token).content == attached
