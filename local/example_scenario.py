"""The scenario ``local.examples`` records: an association in Tallinn with its staff, a building, apartments,
charges, meters and readings, invoices, payments, a bank statement, maintenance requests, webhooks and API keys,
built through the API's handlers; then every read, change and action once. Data are realistic (Estonian names,
real-format IBANs and reference numbers) because these answers become the OpenAPI document's examples."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote

from tests.security.operations import operations
from tests.support import Result, call

PASSWORD = "Kase-12-Tallinn!"


def ok(function: str, method: str, path: str, **kw: Any) -> Any:
    """A call that must succeed: a failure stops the recording, naming the call."""
    res: Result = call(function, method, path, **kw)
    if not 200 <= res.status < 300:
        raise RuntimeError(f"{method} {path}: {res!r}")
    return res.data if res.status != 204 else None


def _token_in_mail(to: str) -> str:
    from local import mailbox

    text = next(m for m in reversed(mailbox.messages()) if to in m["to"])["text"]
    return unquote(re.search(r"[?&]token=([^\s&\"'<>]+)", text).group(1))  # type: ignore[union-attr]


def run() -> None:
    from tests.conftest import new_caller
    from tests.security.world import build_world

    world = build_world(new_caller)
    _reads(world)
    owner = _auth()
    _changes(world)
    _bank_link(world)
    _accounts(world)
    _actions(world)
    _removals(world, owner)


NEEDS_BUILDING = ("/meters", "/reports/debtors", "/reports/account-check", "/reports/reminders")


def _reads(world: Any) -> None:
    for op in operations():
        if op.method != "get" or op.public:
            continue
        query = {"buildingId": world.ids["building_id"]} if op.path in NEEDS_BUILDING else None
        call(op.function, "GET", op.url(world.ids), token=world.owner.token, query=query)


def _auth() -> str:
    """Sign-up, sign-in, refresh, magic link, an API key and sign-out; returns a live token of this owner."""
    email = "juhataja@kase12.ee"
    ok("auth", "POST", "/auth/register", body={"organizationName": "Korteriühistu Kase 12", "email": email,
                                               "password": PASSWORD, "name": "Mari Maasikas"})
    ok("auth", "POST", "/auth/register/verify", body={"token": _token_in_mail(email), "password": PASSWORD})
    pair = ok("auth", "POST", "/auth/login", body={"email": email, "password": PASSWORD})
    pair = ok("auth", "POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]})
    ok("auth", "POST", "/auth/magic-link", body={"email": email})
    ok("auth", "POST", "/auth/magic-link/verify", body={"token": _token_in_mail(email)})
    key = ok("auth", "POST", "/api-keys", token=pair["accessToken"], body={"name": "Raamatupidamise liides",
                                                                             "role": "accountant"})
    ok("auth", "POST", "/auth/token", body={"apiKey": key["key"]})
    ok("auth", "DELETE", f"/api-keys/{key['id']}", token=pair["accessToken"])
    ok("auth", "POST", "/auth/logout", token=pair["accessToken"], body={"refreshToken": pair["refreshToken"]})
    return str(ok("auth", "POST", "/auth/login", body={"email": email, "password": PASSWORD})["accessToken"])


def _changes(world: Any) -> None:
    ids, token = world.ids, world.owner.token
    b = ids["building_id"]
    ok("buildings", "PATCH", f"/buildings/{b}", token=token, body={"name": "Kase 12", "billing": {"dueDays": 15}})
    ok("buildings", "PATCH", f"/buildings/{b}/apartments/{ids['apartment_id']}", token=token,
       body={"ownerName": "Jüri ja Mari Õunapuu", "residentsCount": 3})
    ok("buildings", "PATCH", f"/buildings/{b}/charges/{ids['charge_id']}", token=token, body={"unitPrice": 0.55})
    ok("meters", "PATCH", f"/meters/{ids['meter_id']}", token=token, body={"metadata": {"location": "vannituba"}})
    ok("maintenance", "PATCH", f"/maintenance-requests/{ids['request_id']}", token=token,
       body={"status": "in_progress", "comment": "Torumees tuleb neljapäeval kell 10."})
    ok("invoices", "PATCH", f"/invoices/{ids['invoice_id']}", token=token, body={"status": "sent"})
    ok("webhooks", "PATCH", f"/webhooks/{ids['webhook_id']}", token=token,
       body={"description": "Raamatupidamisprogramm", "events": ["invoice.created", "payment.received"]})
    ok("organization", "PATCH", "/organization", token=token, body={
        "legalName": "Korteriühistu Kase 12", "registryCode": "80123455", "address": "Kase 12, 10115 Tallinn",
        "email": "juhatus@kase12.ee", "phone": "+372 5123 4567", "website": "https://kase12.ee"})
    ok("organization", "PATCH", f"/organization/members/{ids['user_id']}", token=token, body={"role": "board"})


def _bank_link(world: Any) -> None:
    """A Paysera bank-link payment of February's invoice, and Paysera's signed callback that pays it."""
    import os

    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.integration.test_payments import configure
    from tests.integration.test_paysera_callbacks import PROJECT, ss3_callback

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    configure({"PROVIDER_SECRET_ARN": os.environ["PROVIDER_SECRET_ARN"]}, key)
    invoice = _unpaid_invoice(world)
    order = ok("payments", "POST", "/payments/banklink", token=world.owner.token, body={
        "invoiceId": invoice, "provider": "paysera", "returnUrl": "https://kase12.ee/makse/tehtud",
        "cancelUrl": "https://kase12.ee/makse/katkestatud", "locale": "et"})
    ss3_callback(key, {"projectid": PROJECT, "orderid": order["paymentId"], "amount": "500", "currency": "EUR",
                       "test": "0", "status": "1"})


def _accounts(world: Any) -> None:
    """Opening balances, a one-off invoice and its draft edits, a partial credit note, a reversed payment."""
    ids, token = world.ids, world.owner.token
    a = ids["apartment_id"]
    ok("accounts", "POST", "/apartments/opening-balances", token=token, body={"balances": [
        {"apartmentId": a, "date": "2024-12-31", "balance": 42.5, "reason": "Saldo eelmisest programmist"}]})
    ok("accounts", "GET", f"/apartments/{a}/account", token=token, query={"from": "2024-12-01"})
    ok("accounts", "GET", "/reports/debtors", token=token, query={"buildingId": ids["building_id"]})
    one_off = ok("invoices", "POST", "/invoices", token=token, body={"apartmentId": a, "lines": [
        {"description": "Välisukse võtme asendamine", "quantity": 2, "unit": "tk", "unitPrice": 12.5}]})
    ok("invoices", "PUT", f"/invoices/{one_off['id']}/lines", token=token, body={"lines": [
        {"description": "Välisukse võtme asendamine", "quantity": 1, "unit": "tk", "unitPrice": 12.5}]})
    ok("invoices", "DELETE", f"/invoices/{one_off['id']}", token=token)
    paid = ok("payments", "POST", "/payments", token=token, body={"invoiceId": ids["invoice_id"], "amount": 5,
                                                                 "paidDate": "2025-02-10", "method": "cash"})
    ok("payments", "POST", f"/payments/{paid['id']}/reverse", token=token, body={"reason": "Kanti tagasi maksjale"})
    ok("invoices", "POST", f"/invoices/{ids['invoice_id']}/credit-note", token=token,
       body={"amount": 2.5, "reason": "Koristus jäi jaanuaris ära"})


def _actions(world: Any) -> None:
    ids, token = world.ids, world.owner.token
    b = ids["building_id"]
    ok("invoices", "POST", "/invoices/send-bulk", token=token, body={"buildingId": b})
    ok("meters", "POST", f"/meters/{ids['meter_id']}/readings/{ids['reading_id']}/confirm", token=token)
    second = ok("meters", "POST", f"/meters/{ids['meter_id']}/readings", token=token,
                body={"value": 19.25, "readingDate": "2025-02-28"})
    ok("meters", "POST", f"/meters/{ids['meter_id']}/readings/{second['id']}/reject", token=token,
       body={"reason": "Näit on suurem kui arvesti lubab; palun pildista uuesti."})
    ok("meters", "POST", "/meters/photos", token=token, body={"contentType": "image/jpeg"})
    ok("meters", "POST", "/meters/ocr", token=token, body={"image": _meter_photo()})
    ok("meters", "POST", f"/meters/{ids['meter_id']}/replace", token=token, body={
        "finalReading": 21.5, "replacedOn": "2025-03-01", "serialNumber": "ZENNER-4471203", "initialReading": 0})
    ok("payments", "POST", "/bank-statements/uploads", token=token, body={"contentType": "application/xml"})
    ok("payments", "POST", f"/bank-statements/{ids['statement_id']}/entries/{ids['entry_id']}/match", token=token,
       body={"invoiceId": ids["invoice_id"]})
    ok("invoices", "POST", f"/invoices/{_unpaid_invoice(world)}/credit-note", token=token)
    ok("webhooks", "POST", f"/webhooks/{ids['webhook_id']}/rotate-secret", token=token, body={"graceHours": 24})
    _logo(world)
    ok("organization", "POST", "/organization/members", token=token,
       body={"email": "raamatupidaja@kase12.ee", "role": "accountant"})
    _resident(world)


def _unpaid_invoice(world: Any) -> str:
    """February's invoice of a second apartment (January's has a payment, and a paid invoice is not credited);
    a new month each time it is asked for, so each caller gets an invoice of its own."""
    from tests.integration.invoicing_helpers import generate, invoices_of, new_apartment

    b, manager = world.ids["building_id"], world.manager
    if "second_apartment" not in world.ids:
        world.ids["second_apartment"] = new_apartment(manager, b, "2", 61.8, ownerName="Kati Karu",
                                                      email="kati.karu@example.ee")["id"]
    month = world.ids["months_billed"] = str(int(world.ids.get("months_billed", "1")) + 1)
    start = f"2025-{int(month):02d}-01"
    generate(manager, b, start, f"2025-{int(month):02d}-28")
    return next(i["id"] for i in invoices_of(manager, buildingId=b)
                if i["apartmentId"] == world.ids["second_apartment"] and i["periodStart"] == start)


def _logo(world: Any) -> None:
    """A logo: the upload URL, the PNG's bytes put where it points, and the check of what arrived."""
    import io

    from PIL import Image

    from urbaneta.adapters import logos
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    upload = ok("organization", "POST", "/organization/logo", token=world.owner.token,
                body={"contentType": "image/png"})
    png = io.BytesIO()
    Image.new("RGB", (240, 80), (23, 94, 84)).save(png, format="PNG")
    client("s3").put_object(Bucket=get_settings().documents_bucket, Body=png.getvalue(), ContentType="image/png",
                            Key=logos.upload_key(world.tenant_id, upload["uploadId"]))
    ok("organization", "POST", "/organization/logo/confirm", token=world.owner.token,
       body={"uploadId": upload["uploadId"]})


def _resident(world: Any) -> None:
    ids, token = world.ids, world.owner.token
    email = "jyri.ounapuu@example.ee"
    ok("residents", "POST", "/invitations", token=token,
       body={"apartmentId": ids["apartment_id"], "email": email, "role": "owner"})
    accepted = ok("residents", "POST", "/invitations/accept",
                  body={"token": _token_in_mail(email), "name": "Jüri Õunapuu", "password": PASSWORD})
    ok("residents", "POST", f"/residents/{accepted['userId']}/move-out", token=token,
       body={"apartmentId": ids["apartment_id"], "endDate": "2025-03-31"})
    ok("residents", "GET", "/residents", token=token)
    ok("auth", "POST", f"/auth/users/{accepted['userId']}/disable", token=token)
    _sale(world)


def _sale(world: Any) -> None:
    """The apartment is sold on the first of this month (a change is dated today or up to a year back): its
    resident leaves, keeping their own past invoices, and the buyer is invited."""
    from datetime import date

    ids, token = world.ids, world.owner.token
    seller = "kadri.kask@example.ee"
    ok("residents", "POST", "/invitations", token=token,
       body={"apartmentId": ids["apartment_id"], "email": seller, "role": "owner"})
    ok("residents", "POST", "/invitations/accept",
       body={"token": _token_in_mail(seller), "name": "Kadri Kask", "password": PASSWORD})
    ok("residents", "POST", f"/apartments/{ids['apartment_id']}/ownership-changes", token=token, body={
        "date": date.today().replace(day=1).isoformat(), "formerOwners": "ownInvoices",
        "newOwner": {"email": "mari.maasikas@example.ee", "name": "Mari Maasikas", "language": "et"}})


def _removals(world: Any, owner: str) -> None:
    ids, token = world.ids, world.owner.token
    pending = ok("organization", "GET", "/organization/invitations", token=token)
    ok("organization", "DELETE", f"/organization/invitations/{pending[0]['id']}", token=token)
    b = ids["building_id"]
    spare = ok("buildings", "POST", f"/buildings/{b}/apartments", token=token, body={"number": "3", "area": 38.2})
    ok("buildings", "DELETE", f"/buildings/{b}/apartments/{spare['id']}", token=token)
    ok("buildings", "DELETE", f"/buildings/{b}/charges/{ids['charge_id']}", token=token)
    old = ok("buildings", "POST", "/buildings", token=owner, body={"name": "Vana 3", "address": {
        "street": "Vana 3", "city": "Tartu", "postalCode": "51004", "country": "EE"}})
    ok("buildings", "DELETE", f"/buildings/{old['id']}", token=owner, body={"password": PASSWORD})
    ok("residents", "DELETE", f"/invitations/{ids['invitation_id']}", token=token)
    ok("organization", "DELETE", f"/organization/members/{ids['user_id']}", token=token)
    ok("webhooks", "DELETE", f"/webhooks/{ids['webhook_id']}", token=token)


def _meter_photo() -> str:
    from tests.meter_photos import meter_photo

    return base64.b64encode(meter_photo("00123", "456")).decode()
