"""Every link the product e-mails, opened from the local stack's mailbox in Debian's headless Chromium and
followed through as a person would: an invited resident accepts the invitation (name and password), signs in
by magic link, and opens their invoice's hosted page, in Estonian, and presses "pay by bank link" until the
browser is sent to the provider (stopped there: nothing leaves the machine); a new owner finishes a Latvian
registration from its e-mail, and the note a known address gets leads to a sign-in link that works.
Screenshots of the pages are kept under artifacts/."""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import PASSWORD, new_building, register_owner, wait_for_job

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser():
    from tests.e2e.cdp import Browser

    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Debian's chromium is not installed (make test installs it where apt-get is available)")
    opened = Browser()
    try:
        yield opened
    finally:
        opened.close()


def link_in(stack: Any, to: str, path: str, timeout: float = 30) -> str:
    """The newest e-mailed link to ``path`` sent to ``to`` (both the plain and the HTML part carry it)."""
    deadline = time.monotonic() + timeout
    while True:
        for mail in reversed(stack.mail()):
            found = re.search(rf"https?://\S+{re.escape(path)}\S*", mail["text"]) if to in mail["to"] else None
            if found:
                assert found.group(0) in (mail["html"] or ""), "the HTML part links elsewhere"
                return found.group(0)
        assert time.monotonic() < deadline, f"no e-mail to {to} with {path}"
        time.sleep(0.2)


def submit_and_wait(browser: Any) -> dict[str, Any]:
    browser.evaluate("document.querySelector('form[data-api]').requestSubmit()")
    assert browser.wait_for("document.getElementById('outcome').className === 'ok'"), browser.evaluate(
        "document.getElementById('outcome').textContent")
    tokens: dict[str, Any] = json.loads(browser.evaluate("document.getElementById('tokens').textContent"))
    return tokens


def configure_paysera_sandbox(stack: Any) -> tuple[Any, str, str]:
    """Paysera's sandbox credentials in the stack's provider secret (with a public key of our own, so no
    callback would ever fetch Paysera's); returns what to restore."""
    import boto3
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from local.template import REGION

    sm = boto3.client("secretsmanager", region_name=REGION, endpoint_url=stack.moto_url,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    arn = next(s["ARN"] for s in sm.list_secrets()["SecretList"] if s["Name"].endswith("-ProviderSecret"))
    before = sm.get_secret_value(SecretId=arn)["SecretString"]
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps(
        {"paysera": {"projectId": "123456", "password": uuid.uuid4().hex, "publicKey": pem, "test": True}}))
    return sm, arn, before


def test_every_emailed_link_opens_a_working_page_in_chromium(stack, http, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    # Given an association with a building and an Estonian-speaking apartment
    staff = register_owner(http, "Korteriühistu Tamme 12", "Mari Mägi")
    bid = new_building(http, staff, "Tamme 12", "Tamme tn 12", "Tallinn", "10115", iban="EE382200221020145685")
    resident = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    apt = http.post(f"/api/buildings/{bid}/apartments", headers=staff, json={
        "number": "14", "area": 54.3, "ownerName": "Jaan Tamm", "email": resident, "language": "et"})
    assert apt.status_code == 201, apt.text
    assert http.post(f"/api/buildings/{bid}/charges", headers=staff, json={
        "name": "Haldustasu", "type": "per_area", "unitPrice": 0.62}).status_code == 201

    # When the resident is invited and opens the e-mail's link
    assert http.post("/api/invitations", headers=staff, json={
        "apartmentId": apt.json()["data"]["id"], "email": resident, "role": "owner"}).status_code == 201
    browser.open(link_in(stack, resident, "/invitations/accept?token="))
    # Then an Estonian form opens, and the token has left the address bar
    assert browser.evaluate("document.documentElement.lang") == "et"
    assert "token" not in browser.evaluate("location.href")
    # When they give a name and a password and accept / Then they are in, with tokens an app can use
    browser.evaluate(f"document.getElementById('name').value = 'Jaan Tamm';"
                     f"document.getElementById('password').value = {json.dumps(PASSWORD)}; true")
    tokens = submit_and_wait(browser)
    browser.screenshot(str(ARTIFACTS / "page-invitation.png"))
    me = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert http.get("/api/invoices", headers=me).status_code == 200

    # When they ask for a sign-in link and open it / Then one press signs them in (the link's token is spent)
    assert http.post("/api/auth/magic-link", json={"email": resident}).status_code == 202
    browser.open(link_in(stack, resident, "/auth/magic-link/verify?token="))
    assert browser.evaluate("document.documentElement.lang") == "et"
    tokens = submit_and_wait(browser)
    assert "token" not in browser.evaluate("location.href")
    assert http.get("/api/invoices", headers={"Authorization": f"Bearer {tokens['accessToken']}"}).status_code == 200

    # When January's invoice is generated and e-mailed
    res = http.post("/api/invoices/generate-bulk", headers=staff, json={
        "buildingId": bid, "periodStart": "2025-01-01", "periodEnd": "2025-01-31", "issueDate": "2025-02-01"})
    assert wait_for_job(http, staff, res.json()["data"]["jobId"])["created"] == 1
    res = http.post("/api/invoices/send-bulk", headers=staff, json={"buildingId": bid})
    assert wait_for_job(http, staff, res.json()["data"]["jobId"])["created"] == 1
    sm, arn, before = configure_paysera_sandbox(stack)
    try:
        # And the resident opens its link / Then the hosted page shows the invoice in Estonian with a Paysera button
        browser.intercept("*paysera.com*")
        pay = link_in(stack, resident, "/pay/")
        browser.open(pay)
        assert browser.evaluate("document.documentElement.lang") == "et"
        assert "Tasuda jäänud" in browser.evaluate("document.body.innerText")
        deadline = time.monotonic() + 75  # provider credentials reach a warm function within a minute
        while not browser.evaluate("!!document.querySelector('form[action$=\"/banklink\"] button')"):
            assert time.monotonic() < deadline, "no bank-link button"
            time.sleep(2)
            browser.open(pay)
        browser.screenshot(str(ARTIFACTS / "page-invoice-et.png"))
        # When they press "pay by bank link" / Then the browser is sent to Paysera's checkout for the invoice
        browser.evaluate("document.querySelector('form[action$=\"/banklink\"] button').click(); true")
        target = browser.paused_request()
        assert target is not None and target.startswith("https://sandbox.paysera.com/pay/?"), target
    finally:
        sm.put_secret_value(SecretId=arn, SecretString=before)


def test_registration_links_open_working_pages_in_chromium(stack, http, browser):
    import httpx

    from tests.e2e.helpers import own_address

    # Given someone who registers an organisation in Latvian (from an address of their own)
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    body = {"organizationName": "Biedrība Ķiršu 7", "email": email, "password": PASSWORD, "name": "Jānis",
            "language": "lv"}
    with httpx.Client(base_url=str(http.base_url), timeout=60,
                      transport=httpx.HTTPTransport(local_address=own_address())) as owner:
        assert owner.post("/api/auth/register", json=body).status_code == 202
        # When they open the e-mail's link and give their password again
        browser.open(link_in(stack, email, "/auth/register/verify?token="))
        assert browser.evaluate("document.documentElement.lang") == "lv"
        browser.evaluate(f"document.getElementById('password').value = {json.dumps(PASSWORD)}; true")
        # Then the organisation exists and they are signed in
        tokens = submit_and_wait(browser)
        assert http.get("/api/buildings", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
                        ).status_code == 200
        # When the address registers again, the note's link opens a page that sends a sign-in link
        assert owner.post("/api/auth/register", json=body).status_code == 202
    browser.open(link_in(stack, email, "/auth/sign-in"))
    browser.evaluate(f"document.getElementById('email').value = {json.dumps(email)}; true")
    browser.evaluate("document.querySelector('form[data-api]').requestSubmit()")
    assert browser.wait_for("document.getElementById('outcome').className === 'ok'")
    # And that sign-in link arrives and signs them in
    browser.open(link_in(stack, email, "/auth/magic-link/verify?token="))
    assert submit_and_wait(browser)["accessToken"]
