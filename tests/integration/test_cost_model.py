"""The cost model (bench/cost_model.py) against the code: the real generation and sending of a building's
invoices run on moto while every AWS call is counted and every DynamoDB write is charged from the items moto
holds before and after it (local/capacity.py). What the model states per invoice and per chunk must be what was
counted: the difference between a building of 14 apartments and one of 4 (one generation chunk and one sending
chunk of 25 each), so the per-job calls, which the model leaves out, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cost_model

SMALL, LARGE = 4, 14


@pytest.fixture(scope="module")
def months(aws) -> dict[int, dict[str, Any]]:
    return {n: cost_model.counted_month(n, emulated=True) for n in (SMALL, LARGE)}


def _stated(phase: str, sample: cost_model.Sample) -> cost_model.Counts:
    state = getattr(cost_model, phase)
    return state(LARGE, sample) - state(SMALL, sample)


@pytest.mark.parametrize("phase", ["generation", "sending"])
def test_the_models_calls_are_the_calls_the_code_makes(months, phase):
    # Given the counted months of 14 and of 4 apartments, and one of their invoices as generated
    sample = cost_model.Sample(draft=months[LARGE]["draft"], pdf_bytes=0)
    # When the model states the difference between the two buildings
    stated = _stated(phase, sample)
    # Then it names every call the code made, as many times
    counted = months[LARGE][phase] - months[SMALL][phase]
    # (the signing secret is read per container and cache lifetime, not per invoice: a slow run reads it again)
    assert dict(stated.calls) == {k: n for k, n in counted.calls.items() if not k.startswith("secretsmanager:")}


@pytest.mark.parametrize("phase", ["generation", "sending"])
def test_the_models_write_units_are_the_units_dynamodb_would_charge(months, phase):
    # Given the counted months of 14 and of 4 apartments
    sample = cost_model.Sample(draft=months[LARGE]["draft"], pdf_bytes=0)
    # When the model states the units of the ten more invoices, per table and per index
    stated = _stated(phase, sample)
    counted = months[LARGE][phase] - months[SMALL][phase]
    # Then every place is charged as counted (item sizes vary by an apartment's lines: within 1 unit in 10)
    where = (set(stated.units) | set(counted.units)) - {"read"}  # reads are counted, not modelled
    for place in where:
        assert abs(stated.units[place] - counted.units[place]) <= max(1, counted.units[place] // 10), (
            place, dict(stated.units), dict(counted.units))
    assert stated.units["events"] == counted.units["events"] == LARGE - SMALL


def test_the_models_item_costs_follow_the_template_indexes():
    # Given an invoice item in GSI1 and GSI2, and the same invoice once it also enters GSI3
    old = {"PK": {"S": "T#t#INV#1"}, "SK": {"S": "INV"}, "GSI1PK": {"S": "a"}, "GSI1SK": {"S": "b"},
           "GSI2PK": {"S": "c"}, "GSI2SK": {"S": "d"}, "lines": {"S": "x" * 1500}}
    new = {**old, "GSI3PK": {"S": "e"}, "GSI3SK": {"S": "f"}, "status": {"S": "sent"}}
    # When the model charges its creation and its change in a transaction
    created = cost_model.write_cost(None, old, True)
    changed = cost_model.write_cost(old, new, True)
    # Then a 2 KB item costs 4 transactional units and 2 per index it is projected to (ALL projections)
    assert dict(created) == {"table (transactions)": 4, "GSI1": 2, "GSI2": 2}
    assert dict(changed) == {"table (transactions)": 4, "GSI1": 2, "GSI2": 2, "GSI3": 2}


def test_sending_is_one_conditional_write_an_invoice_and_no_read_of_the_bucket(months):
    # Given the counted sending of 14 and of 4 apartments
    counted = months[LARGE]["sending"] - months[SMALL]["sending"]
    # Then the ten more invoices made no transaction and no S3 read: ten PDFs put and ten single writes, charged
    # at 1 unit per KB (the invoice item is 1-2 KB)
    assert "dynamodb:TransactWriteItems" not in counted.calls and "s3:GetObject" not in counted.calls
    assert counted.calls["s3:PutObject"] == LARGE - SMALL
    assert "table (transactions)" not in counted.units
    assert (LARGE - SMALL) <= counted.units["table"] <= 2 * (LARGE - SMALL) + 1
