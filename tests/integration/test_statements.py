"""Bank statement import and reconciliation through the PaymentsFunction handler (against moto)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.payments_support.files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    Entry,
    Tx,
    camt,
    lhv_csv,
    seb_csv,
    swedbank_csv,
)
from tests.payments_support.org import credit_cents, invoice_state, new_apartment, new_building, new_invoice
from tests.support import call, count_calls, load_event

FN = "payments"
XML = {"content-type": "application/xml"}
CSV = {"content-type": "text/csv; charset=utf-8"}


def imp(caller: Any, content: bytes, headers: dict[str, str] | None = None) -> Any:
    return call(FN, "POST", "/bank-statements/import", token=caller.token, raw_body=content.decode("utf-8"),
                headers=headers or XML)


def statement(caller: Any, statement_id: str, **query: str) -> Any:
    res = call(FN, "GET", f"/bank-statements/{statement_id}", token=caller.token, query=query or None)
    assert res.status == 200, res
    return res.data


@pytest.fixture
def org(make_caller):
    caller = make_caller("manager")
    building = new_building(caller)
    apt = new_apartment(caller, building, "1")
    return caller, building, apt


def test_structured_reference_pays_the_invoice(org):
    # Given an apartment with one open invoice of 84.50
    caller, building, apt = org
    invoice = new_invoice(caller, building, apt, 8450)
    # When a camt.053 with the apartment's reference in the structured field is imported
    res = imp(caller, camt([Entry([Tx("84.50", ref=apt.reference)])]))
    # Then the entry is matched with certainty and the invoice is paid
    assert res.status == 201, res
    assert res.data | {"id": None} == {"id": None, "format": "camt.053.001.02", "entries": 1, "matched": 1,
                                       "suggested": 0, "unmatched": 0, "ignored": 0, "reversed": 0,
                                       "duplicates": 0, "pending": 0}
    assert invoice_state(caller, invoice["id"])["status"] == "paid"
    assert invoice_state(caller, invoice["id"])["balanceDueCents"] == 0
    data = statement(caller, res.data["id"])
    entry = data["entries"][0]
    assert entry["status"] == "matched" and entry["rule"] == "reference" and entry["confidence"] == "certain"
    assert entry["invoiceId"] is None or entry["invoiceId"] == invoice["id"]
    assert entry["apartmentId"] == apt.id and entry["paymentId"]
    # And the payment is listed for the invoice
    listed = call(FN, "GET", "/payments", token=caller.token, query={"invoiceId": invoice["id"]})
    assert listed.status == 200 and [p["amount"] for p in listed.data] == [84.5]
    assert listed.data[0]["method"] == "bank_statement"
