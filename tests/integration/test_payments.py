"""Manual payments, bank links (Paysera, MakeCommerce) and their callbacks through the PaymentsFunction handler."""

from __future__ import annotations

import base64
import json
import threading
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from tests.payments_support.org import credit_cents, invoice_state, new_apartment, new_building, new_invoice
from tests.support import call, load_event

FN = "payments"
FORM = {"content-type": "application/x-www-form-urlencoded"}
PROJECT = "123456"
PASSWORD = "paysera-test-password"
SHOP = "f64b4f20-5f62-4c51-9d2b-5c1f52a0d8b6"
SECRET_KEY = "maksekeskus-test-secret"


@pytest.fixture(scope="module")
def rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def configure(aws: dict[str, str], rsa_key: Any, *, test: bool = False, public_key: bool = True) -> None:
    import boto3
    from cryptography.hazmat.primitives import serialization

    from urbaneta.adapters.providers import config

    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    secret = {"paysera": {"projectId": PROJECT, "password": PASSWORD, "publicKey": pem if public_key else "",
                          "test": test},
              "maksekeskus": {"shopId": SHOP, "secretKey": SECRET_KEY, "test": test}}
    boto3.client("secretsmanager").put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"],
                                                     SecretString=json.dumps(secret))
    config.reset()


@pytest.fixture
def providers(aws, rsa_key):
    configure(aws, rsa_key)
    yield rsa_key
    configure(aws, rsa_key)


@pytest.fixture
def org(make_caller):
    caller = make_caller("manager")
    building = new_building(caller)
    apt = new_apartment(caller, building, "1")
    return caller, building, apt


def pay(caller: Any, invoice_id: str, amount: float, *, key: str | None = None, **over: Any) -> Any:
    body = {"invoiceId": invoice_id, "amount": amount, "paidDate": "2024-03-05", "method": "cash", **over}
    headers = {"idempotency-key": key} if key else None
    return call(FN, "POST", "/payments", token=caller.token, body=body, headers=headers)


# ---- manual payments ---------------------------------------------------------------------------------------------


def test_manual_payment_partial_then_settling(org):
    # Given an open invoice of 100.00
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    # When 40.00 is recorded
    first = pay(caller, invoice["id"], 40)
    # Then the invoice keeps a balance of 60.00
    assert first.status == 201, first
    assert first.data["amount"] == 40.0 and first.data["allocations"] == [{"invoiceId": invoice["id"], "amount": 40.0}]
    assert invoice_state(caller, invoice["id"])["balanceDueCents"] == 6000
    # When 60.00 more is recorded
    pay(caller, invoice["id"], 60, paidDate="2024-03-09")
    # Then it is paid on that date
    state = invoice_state(caller, invoice["id"])
    assert state["status"] == "paid" and state["balanceDueCents"] == 0 and state["paidDate"] == date(2024, 3, 9)
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert [p["amount"] for p in listed.data] == [40.0, 60.0]


def test_overpayment_becomes_credit(org):
    # Given an open invoice of 10.00 / When 15.00 is recorded against it
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 1000)
    res = pay(caller, invoice["id"], 15)
    # Then the invoice is paid and 5.00 is the apartment's credit
    assert res.status == 201 and res.data["credit"] == 5.0
    assert invoice_state(caller, invoice["id"])["status"] == "paid"
    assert credit_cents(caller, apt.id) == 500


def test_payment_named_invoice_first_then_oldest(org):
    # Given three open invoices / When a payment names the newest and overpays it
    caller, building, apt = org
    a = new_invoice(caller, building, apt, 1000)
    b = new_invoice(caller, building, apt, 1000)
    c = new_invoice(caller, building, apt, 1000)
    res = pay(caller, c["id"], 15)
    # Then the named invoice is paid first, the rest goes to the oldest due
    assert res.data["allocations"] == [{"invoiceId": c["id"], "amount": 10.0}, {"invoiceId": a["id"], "amount": 5.0}]
    assert invoice_state(caller, b["id"])["amountPaidCents"] == 0


def test_idempotency_key(org):
    # Given a payment recorded with an Idempotency-Key
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    first = pay(caller, invoice["id"], 10, key="k-1")
    # When the same request is sent again with the same key
    again = pay(caller, invoice["id"], 10, key="k-1")
    # Then the first payment is answered again and nothing is recorded twice
    assert again.status == 201 and again.data["id"] == first.data["id"]
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 1000
    # When the key comes with another body / Then 422 and nothing changes
    other = pay(caller, invoice["id"], 11, key="k-1")
    assert other.status == 422
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 1000


def test_manual_payment_validation_and_access(org, make_caller):
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 1000)
    # Given bad input / Then 422 listing the fields, nothing recorded
    bad = call(FN, "POST", "/payments", token=caller.token,
               body={"invoiceId": invoice["id"], "amount": -1, "paidDate": "nope", "method": "gold", "x": 1})
    assert bad.status == 422
    assert {e["field"] for e in bad.error["errors"]} >= {"amount", "paidDate", "method"}
    assert pay(caller, invoice["id"], 1.234).status == 422
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = pay(caller, invoice["id"], 1, paidDate=future)
    assert refused.status == 422 and refused.error["errors"][0]["field"] == "paidDate"
    assert refused.error["errors"][0]["message"].startswith("must not be in the future (today is ")
    # Given an unknown invoice or another tenant's invoice / Then 404
    assert pay(caller, "missing", 1).status == 404
    stranger = make_caller("manager")
    assert pay(stranger, invoice["id"], 1).status == 404
    # Given a resident / Then 403; no token / 401
    resident = make_caller("resident", tenant_id=caller.tenant_id, apartment_ids=(apt.id,))
    assert pay(resident, invoice["id"], 1).status == 403
    assert call(FN, "POST", "/payments", body={"invoiceId": invoice["id"]}).status == 401
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # Given a cancelled invoice / Then 409
    cancelled = new_invoice(caller, building, apt, 1000, status="cancelled")
    assert pay(caller, cancelled["id"], 1).status == 409


def test_payments_list_filters_and_visibility(org, make_caller):
    # Given payments on two invoices of two apartments on different dates
    caller, building, apt = org
    apt2 = new_apartment(caller, building, "2")
    inv1 = new_invoice(caller, building, apt, 10000)
    inv2 = new_invoice(caller, building, apt2, 10000)
    pay(caller, inv1["id"], 1, paidDate="2024-03-01")
    pay(caller, inv1["id"], 2, paidDate="2024-03-10")
    pay(caller, inv2["id"], 3, paidDate="2024-03-20")
    # When staff list with a date range / Then only those dates
    res = call(FN, "GET", "/payments", token=caller.token, query={"from": "2024-03-05", "to": "2024-03-31"})
    assert [p["amount"] for p in res.data] == [2.0, 3.0]
    # And pages carry a cursor bound to the query
    page1 = call(FN, "GET", "/payments", token=caller.token, query={"limit": "2"})
    assert len(page1.data) == 2 and page1.json["nextCursor"]
    page2 = call(FN, "GET", "/payments", token=caller.token, query={"limit": "2", "cursor": page1.json["nextCursor"]})
    assert [p["amount"] for p in page2.data] == [3.0]
    assert call(FN, "GET", "/payments", token=caller.token,
                query={"invoiceId": inv1["id"], "cursor": page1.json["nextCursor"]}).status == 400
    # Given a resident of apartment 1 / When listing their invoice's payments / Then they see them
    resident = make_caller("resident", tenant_id=caller.tenant_id, apartment_ids=(apt.id,))
    mine = call(FN, "GET", "/payments", token=resident.token, query={"invoiceId": inv1["id"]})
    assert [p["amount"] for p in mine.data] == [1.0, 2.0]
    # And another apartment's invoice is 404, no filter is 422
    assert call(FN, "GET", "/payments", token=resident.token, query={"invoiceId": inv2["id"]}).status == 404
    assert call(FN, "GET", "/payments", token=resident.token).status == 422
    # Given another tenant / Then it sees none of them and their invoice is 404
    stranger = make_caller("manager")
    assert call(FN, "GET", "/payments", token=stranger.token).data == []
    assert call(FN, "GET", "/payments", token=stranger.token, query={"invoiceId": inv1["id"]}).status == 404
    assert call(FN, "GET", "/payments", token=caller.token, query={"from": "2024-04-01", "to": "2024-03-01"}
                ).status == 422


@pytest.fixture
def atomic_calls(monkeypatch):
    """moto in-process is not thread-safe; real DynamoDB executes each call atomically. Serialise each call
    (not the application's read-plan-write sequence), so threads still race between their calls."""
    from botocore.endpoint import Endpoint

    lock = threading.Lock()
    original = Endpoint._do_get_response

    def locked(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Endpoint, "_do_get_response", locked)


def test_fifty_concurrent_payments_leave_exactly_the_right_balance(org, atomic_calls):
    # Given an invoice of 100.00
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 10000)
    from urbaneta.auth.principal import Principal, Role
    from urbaneta.models.payments import ManualPaymentCreate
    from urbaneta.services import payments as service

    # (Each Lambda invocation has its own container; the resolver object is per container, so the threads
    # call what the handler calls, with the caller's principal.)
    who = Principal(caller.tenant_id, caller.user_id, Role.MANAGER, "s")
    body = ManualPaymentCreate.model_validate({"invoiceId": invoice["id"], "amount": 1.50,
                                              "paidDate": "2024-03-05", "method": "bank_transfer"})
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            service.record_manual_payment(who, body)
            with lock:
                results.append(True)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    # When fifty payments of 1.50 arrive at the same time
    threads = [threading.Thread(target=one) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every one is recorded and the balance is exactly 100.00 - 75.00
    assert errors == [] and results == [True] * 50
    state = invoice_state(caller, invoice["id"])
    assert state["amountPaidCents"] == 7500 and state["balanceDueCents"] == 2500 and state["status"] == "sent"
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"], "limit": "100"})
    assert len(listed.data) == 50


# ---- bank links ------------------------------------------------------------------------------------------------


def paysera_fields(url: str) -> dict[str, str]:
    from urbaneta.adapters.providers.paysera import decode_data, md5_sign

    query = parse_qs(urlparse(url).query)
    data, sign = query["data"][0], query["sign"][0]
    assert sign == md5_sign(data, PASSWORD)
    return decode_data(data)


def paysera_callback(rsa_key: Any, fields: dict[str, str], *, ss2: bool = True, tamper: bool = False) -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from urbaneta.adapters.providers.paysera import encode_data, md5_sign

    data = encode_data(fields)
    form = {"data": data, "ss1": md5_sign(data, PASSWORD)}
    if ss2:
        signature = rsa_key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA1())
        form["ss2"] = base64.urlsafe_b64encode(signature).decode()
    if tamper:
        form["data"] = encode_data({**fields, "amount": "1"})
    return call(FN, "POST", "/payments/callbacks/paysera", raw_body=urlencode(form), headers=FORM)


def start(caller: Any, invoice_id: str, provider: str) -> Any:
    return call(FN, "POST", "/payments/banklink", token=caller.token,
                body={"invoiceId": invoice_id, "provider": provider, "returnUrl": "https://example.com/paid",
                      "cancelUrl": "https://example.com/cancel"})


def test_paysera_checkout_and_callback(org, providers, make_caller):
    # Given a resident's open invoice of 84.50
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 8450)
    resident = make_caller("resident", tenant_id=caller.tenant_id, apartment_ids=(apt.id,))
    # When the resident starts a Paysera payment
    res = start(resident, invoice["id"], "paysera")
    # Then the redirect carries signed checkout data for the balance
    assert res.status == 201, res
    assert res.data["redirectUrl"].startswith("https://www.paysera.com/pay/?")
    fields = paysera_fields(res.data["redirectUrl"])
    assert fields["projectid"] == PROJECT and fields["amount"] == "8450" and fields["currency"] == "EUR"
    assert fields["orderid"] == res.data["paymentId"] and fields["version"] == "1.6" and fields["test"] == "0"
    assert fields["callbackurl"].endswith("/payments/callbacks/paysera")
    # When Paysera calls back with an ss2-signed "paid"
    paid = {"projectid": PROJECT, "orderid": fields["orderid"], "amount": "8450", "currency": "EUR",
            "payamount": "8450", "paycurrency": "EUR", "status": "1", "test": "0", "requestid": "r-1"}
    cb = paysera_callback(providers, paid)
    # Then the answer starts with OK and the invoice is paid
    assert cb.status == 200 and cb.content.startswith(b"OK"), cb
    assert invoice_state(caller, invoice["id"])["status"] == "paid"
    # When the same callback comes again / Then OK and nothing is recorded twice
    assert paysera_callback(providers, paid).content.startswith(b"OK")
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert [(p["status"], p["method"], p["provider"]) for p in listed.data] == [("received", "banklink", "paysera")]
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450


def test_paysera_callback_refusals(org, providers, aws, make_caller):
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 5000)
    order = start(caller, invoice["id"], "paysera").data["paymentId"]
    good = {"projectid": PROJECT, "orderid": order, "amount": "5000", "currency": "EUR", "status": "1", "test": "0"}
    # Given a tampered data field (signature no longer matches) / Then refused
    assert paysera_callback(providers, good, tamper=True).status == 401
    # Given another RSA key / Then ss2 does not verify (no downgrade to ss1)
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert paysera_callback(other_key, good).status == 401
    # Given a wrong amount, currency or project / Then 422
    assert paysera_callback(providers, {**good, "amount": "4999"}).status == 422
    assert paysera_callback(providers, {**good, "currency": "USD"}).status == 422
    assert paysera_callback(providers, {**good, "projectid": "999"}).status == 422
    # Given a test payment while the configuration is production / Then 422
    assert paysera_callback(providers, {**good, "test": "1"}).status == 422
    # Given an unknown order / Then 404
    assert paysera_callback(providers, {**good, "orderid": "nope"}).status == 404
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    # Given ss1 only (no ss2) with the right password / Then accepted (fallback)
    assert paysera_callback(providers, good, ss2=False).content.startswith(b"OK")
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


def test_paysera_test_mode_accepts_test_payments_and_fetches_public_key(org, aws, rsa_key):
    from cryptography.hazmat.primitives import serialization

    from urbaneta.adapters.providers import paysera

    # Given a sandbox configuration without a configured public key (Paysera's is downloaded)
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    fetched: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, content=pem)

    configure(aws, rsa_key, test=True, public_key=False)
    paysera.use_transport(httpx.MockTransport(serve))
    try:
        caller, building, apt = org
        invoice = new_invoice(caller, building, apt, 700)
        res = start(caller, invoice["id"], "paysera")
        assert res.data["redirectUrl"].startswith("https://sandbox.paysera.com/pay/?")
        fields = paysera_fields(res.data["redirectUrl"])
        assert fields["test"] == "1"
        # When a test payment calls back / Then it is accepted, verified with the fetched key
        cb = paysera_callback(rsa_key, {"projectid": PROJECT, "orderid": fields["orderid"], "amount": "700",
                                        "currency": "EUR", "status": "1", "test": "1"})
        assert cb.content.startswith(b"OK"), cb
        assert fetched == [paysera.PUBLIC_KEY_URL]
        assert invoice_state(caller, invoice["id"])["status"] == "paid"
    finally:
        paysera.use_transport(None)
        configure(aws, rsa_key)


def test_paysera_not_paid_status_records_nothing(org, providers):
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 300)
    order = start(caller, invoice["id"], "paysera").data["paymentId"]
    cb = paysera_callback(providers, {"projectid": PROJECT, "orderid": order, "amount": "300", "currency": "EUR",
                                      "status": "0", "test": "0"})
    assert cb.content.startswith(b"OK")
    assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0


class FakeMakeCommerce:
    """MakeCommerce's transactions API, as far as these tests need it."""

    def __init__(self, shop: str = SHOP, secret: str = SECRET_KEY) -> None:
        self.requests: list[dict[str, Any]] = []
        self.shop, self.secret = shop, secret

    def __call__(self, request: httpx.Request) -> httpx.Response:
        expected = "Basic " + base64.b64encode(f"{self.shop}:{self.secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return httpx.Response(401, json={"code": 1018, "message": "Authentication failed"})
        body = json.loads(request.content)
        self.requests.append({"url": str(request.url), "body": body})
        tx_id = f"tx-{len(self.requests)}"
        return httpx.Response(201, json={
            "id": tx_id, "status": "CREATED",
            "payment_methods": {"banklinks": [{"name": "swedbank", "url": f"https://pay.example/swed/{tx_id}"}],
                                "other": [{"name": "redirect", "url": f"https://payment.maksekeskus.ee/pay/1/{tx_id}"}]},
        })


def mk_notify(payload: dict[str, Any], *, secret: str = SECRET_KEY) -> Any:
    from urbaneta.adapters.providers.maksekeskus import mac

    text = json.dumps(payload)
    form = urlencode({"json": text, "mac": mac(text, secret)})
    return call(FN, "POST", "/payments/callbacks/maksekeskus", raw_body=form, headers=FORM)


def test_maksekeskus_transaction_and_notification(org, providers, make_caller):
    from urbaneta.adapters.providers import maksekeskus

    fake = FakeMakeCommerce()
    maksekeskus.use_transport(httpx.MockTransport(fake))
    try:
        # Given an open invoice of 84.50 / When a MakeCommerce payment starts
        caller, building, apt = org
        invoice = new_invoice(caller, building, apt, 8450)
        res = start(caller, invoice["id"], "maksekeskus")
        # Then a transaction for the balance is created and its hosted page is the redirect
        assert res.status == 201, res
        assert res.data["redirectUrl"] == "https://payment.maksekeskus.ee/pay/1/tx-1"
        sent = fake.requests[0]
        assert sent["url"] == "https://api.maksekeskus.ee/v1/transactions"
        assert sent["body"]["transaction"]["amount"] == "84.50"
        assert sent["body"]["transaction"]["reference"] == res.data["paymentId"]
        assert sent["body"]["transaction"]["transaction_url"]["notification_url"]["url"].endswith(
            "/payments/callbacks/maksekeskus")
        note = {"shop": SHOP, "amount": "84.50", "currency": "EUR", "reference": res.data["paymentId"],
                "transaction": "tx-1", "status": "COMPLETED", "message_type": "payment_return"}
        # When a notification with a wrong mac arrives / Then refused
        assert mk_notify(note, secret="wrong").status == 401
        # When the genuine notification arrives (twice, as MakeCommerce may send it)
        first, second = mk_notify(note), mk_notify(note)
        # Then 200 both times and the invoice is paid once
        assert first.status == 200 and second.status == 200
        assert first.data == {"status": "received"} and second.data == {"status": "duplicate"}
        assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 8450
        # Given a wrong amount or another shop / Then 422
        assert mk_notify({**note, "amount": "80.00"}).status == 422
        assert mk_notify({**note, "shop": "other"}).status == 422
    finally:
        maksekeskus.use_transport(None)


def test_banklink_refusals(org, providers, make_caller):
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 100)
    # Given a resident of another apartment / Then 404
    other = make_caller("resident", tenant_id=caller.tenant_id, apartment_ids=("someone-else",))
    assert start(other, invoice["id"], "paysera").status == 404
    # Given another tenant / Then 404
    assert start(make_caller("manager"), invoice["id"], "paysera").status == 404
    # Given an unknown provider or a bad URL / Then 422
    bad = call(FN, "POST", "/payments/banklink", token=caller.token,
               body={"invoiceId": invoice["id"], "provider": "paypal", "returnUrl": "notaurl"})
    assert bad.status == 422 and {e["field"] for e in bad.error["errors"]} >= {"provider", "returnUrl"}
    # Given a paid invoice / Then 409
    pay(caller, invoice["id"], 1)
    assert start(caller, invoice["id"], "paysera").status == 409
    # Given no token / Then 401
    assert call(FN, "POST", "/payments/banklink", body={}).status == 401


def test_sample_events_route(aws):
    for name, path in (("record-payment", "/api/payments"), ("banklink", "/api/payments/banklink")):
        assert load_event(f"api/payments/{name}")["rawPath"] == path


def test_paysera_callback_by_get(org, providers):
    # Given a started Paysera order / When Paysera calls back with GET parameters
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from urbaneta.adapters.providers.paysera import encode_data

    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 250)
    order = start(caller, invoice["id"], "paysera").data["paymentId"]
    data = encode_data({"projectid": PROJECT, "orderid": order, "amount": "250", "currency": "EUR", "status": "1",
                        "test": "0"})
    ss2 = base64.urlsafe_b64encode(providers.sign(data.encode(), padding.PKCS1v15(), hashes.SHA1())).decode()
    res = call(FN, "GET", "/payments/callbacks/paysera", query={"data": data, "ss2": ss2})
    # Then it is accepted like the POST
    assert res.status == 200 and res.content.startswith(b"OK"), res
    assert invoice_state(caller, invoice["id"])["status"] == "paid"


def _billed_building(caller: Any, unit_price: float) -> tuple[str, Any]:
    """A building whose only charge is ``unit_price`` per apartment, and its apartment, made through the API."""
    from tests.integration.invoicing_helpers import new_building as billed_building
    from tests.integration.invoicing_helpers import new_charge
    from tests.payments_support.org import Apt

    building = billed_building(caller)["id"]
    new_charge(caller, building, "Haldustasu", "per_apartment", unit_price)
    res = call("buildings", "POST", f"/buildings/{building}/apartments", token=caller.token,
               body={"number": "1", "area": 40, "ownerName": "Mari Maasikas"})
    assert res.status == 201, res
    return building, Apt(res.data["id"], "1", res.data["referenceNumber"])


def _generated_invoice(caller: Any, building: str, start: str, end: str) -> dict[str, Any]:
    from tests.integration.invoicing_helpers import generate, invoices_of

    job = generate(caller, building, start, end)
    assert job["status"] == "completed" and job["created"] == 1, job
    return next(i for i in invoices_of(caller, buildingId=building) if i["periodStart"] == start)


def test_overpayment_credit_pays_the_next_generated_invoice(make_caller, aws):
    # Given an apartment with 5.00 of credit from an overpayment
    caller = make_caller("manager")
    building, apt = _billed_building(caller, 12)
    first = new_invoice(caller, building, apt, 1000)
    assert pay(caller, first["id"], 15).data["credit"] == 5.0
    # When its next invoice (12.00) is generated
    nxt = _generated_invoice(caller, building, "2025-02-01", "2025-02-28")
    # Then the credit pays 5.00 of it, in the same generation, and is used up
    state = invoice_state(caller, nxt["id"])
    assert (state["amountPaidCents"], state["balanceDueCents"]) == (500, 700)
    assert credit_cents(caller, apt.id) == 0
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": nxt["id"]})
    assert [(p["method"], p["amount"]) for p in listed.data] == [("credit", 5.0)]
    # When the same month is generated again (a redelivered chunk) / Then nothing is applied twice
    from tests.integration.invoicing_helpers import generate

    generate(caller, building, "2025-02-01", "2025-02-28")
    assert invoice_state(caller, nxt["id"])["amountPaidCents"] == 500
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": nxt["id"]})
    assert len(listed.data) == 1


def test_credit_larger_than_the_generated_invoice_leaves_the_rest(make_caller, aws):
    caller = make_caller("manager")
    building, apt = _billed_building(caller, 8)
    first = new_invoice(caller, building, apt, 1000)
    pay(caller, first["id"], 30)  # 20.00 credit
    nxt = _generated_invoice(caller, building, "2025-02-01", "2025-02-28")
    assert invoice_state(caller, nxt["id"])["status"] == "paid"
    assert credit_cents(caller, apt.id) == 1200


def test_an_apartment_without_credit_costs_generation_no_payment(make_caller, aws):
    caller = make_caller("manager")
    building, _apt = _billed_building(caller, 8)
    nxt = _generated_invoice(caller, building, "2025-02-01", "2025-02-28")
    assert invoice_state(caller, nxt["id"])["amountPaidCents"] == 0
    assert call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": nxt["id"]}).data == []


def test_unconfigured_providers(org, aws, rsa_key):
    # Given a provider secret without credentials (as deployed, before an operator fills it in)
    import boto3

    from urbaneta.adapters.providers import config

    boto3.client("secretsmanager").put_secret_value(SecretId=aws["PROVIDER_SECRET_ARN"], SecretString="{}")
    config.reset()
    try:
        caller, building, apt = org
        invoice = new_invoice(caller, building, apt, 100)
        # When a bank link is started / Then 409; callbacks cannot be verified / 401; nothing recorded
        assert start(caller, invoice["id"], "paysera").status == 409
        assert call(FN, "POST", "/payments/callbacks/paysera", raw_body="data=x&ss1=y", headers=FORM).status == 401
        assert call(FN, "POST", "/payments/callbacks/maksekeskus", raw_body="json=%7B%7D&mac=A",
                    headers=FORM).status == 401
        assert invoice_state(caller, invoice["id"])["amountPaidCents"] == 0
    finally:
        configure(aws, rsa_key)


def test_payments_list_rejects_malformed_dates(org):
    caller, _building, _apt = org
    assert call(FN, "GET", "/payments", token=caller.token, query={"to": "0"}).status == 422
    assert call(FN, "GET", "/payments", token=caller.token, query={"from": "2024-02-30"}).status == 422
