"""The cost model of an invoice: what generating and sending invoices costs on AWS, from what the code writes.

``model(n)`` states, for one building of ``n`` apartments, the AWS calls, DynamoDB write units (per table and per
index, by item size), events, S3 objects and e-mails of generating and sending its invoices, the way the code
makes them:

- generation, per chunk of up to ``GENERATION_CHUNK`` apartments: the job read, the chunk's current invoices
  (one BatchGetItem per 100), the number reservation (UpdateItem), the accounts (BatchGetItem per 100), the
  invoices in transactions of ``INVOICES_PER_TRANSACTION`` (each invoice's ``invoice_ops``: the invoice, its
  ledger entries and its account, 2 units per KB as transactions cost, plus every index the items are in with the
  projection ``template.yaml`` declares), ``invoice.created`` events 10 per PutEvents, the credit read
  (BatchGetItem per 100) and the job's progress (UpdateItem);
- sending, per chunk of ``SENDING_CHUNK`` invoices: the job read, the invoices (BatchGetItem), buildings,
  apartments and profile once (``Lookups``), then per invoice the PDF (rendered and kept: one S3 PutObject, no
  GetObject), the e-mail (SES) and the draft → sent transition (one conditional UpdateItem of the invoice, 1 unit
  per KB plus its indexes: a one-operation unit of work is a single write, ``store.transactions``),
  ``invoice.sent`` events 10 per PutEvents and the job's progress.

Item sizes come from the items the code's own builders make for a representative invoice (the same charges as
the benchmarks bill); per-job calls (the API request, the plan, the job's completion) are left out: they do not
grow with the building. ``tests/integration/test_cost_model.py`` holds the model to the calls and units counted
while the real generation and sending run on moto (``Counted``), so the model cannot drift from the code.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from local import capacity

ESM_CALLS = ("ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "GetQueueUrl")


@dataclass
class Counts:
    """Calls by ``service:Operation``; DynamoDB units by where they are charged (``capacity``); bytes."""

    calls: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    s3_bytes: int = 0
    email_bytes: int = 0

    def __sub__(self, other: Counts) -> Counts:
        calls, units = Counter(self.calls), Counter(self.units)
        calls.subtract(other.calls)
        units.subtract(other.units)
        return Counts(+calls, +units, self.s3_bytes - other.s3_bytes, self.email_bytes - other.email_bytes)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.calls + other.calls, self.units + other.units, self.s3_bytes + other.s3_bytes,
                      self.email_bytes + other.email_bytes)

    def write_units(self) -> float:
        return sum(v for k, v in self.units.items() if k not in ("read", "events"))


class Counted:
    """The AWS calls this process makes (every boto3 client), with DynamoDB units from the items moto holds
    before and after each write (``local.capacity``); the SQS calls Lambda's event source mapping makes for a
    function (receive, delete) are left out: the test pump makes them here."""

    def __init__(self, region: str = "eu-north-1") -> None:
        self.meter = capacity.CapacityMeter(capacity.moto_lookup(region))
        self.counts = Counts()
        self._lock = threading.Lock()

    def snapshot(self) -> Counts:
        with self._lock:
            return Counts(Counter(self.counts.calls), Counter(self.meter.snapshot()), self.counts.s3_bytes,
                          self.counts.email_bytes)

    def _note(self, service: str, operation: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.counts.calls[f"{service}:{operation}"] += 1
            if operation == "PutObject":
                body = params.get("Body", b"")
                self.counts.s3_bytes += len(body) if isinstance(body, bytes | str) else 0
            elif operation == "SendRawEmail":
                self.counts.email_bytes += len(params["RawMessage"]["Data"])

    @contextmanager
    def installed(self) -> Any:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        counted = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if service == "sqs" and operation in ESM_CALLS:
                return original(client, operation, params)
            counted._note(service, operation, params)
            if service == "dynamodb" and operation in capacity.WRITES:
                return counted.meter.around_write(operation, params, lambda: original(client, operation, params),
                                                  lambda _answer: True)
            answer = original(client, operation, params)
            if service == "events" and operation == "PutEvents":
                counted.meter.count_events(params)
            elif service == "dynamodb" and operation in capacity.READS:
                counted.meter.count_read(operation, params, answer)
            return answer

        BaseClient._make_api_call = call  # type: ignore[attr-defined]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------------------------- the model


def indexes() -> list[tuple[str, list[str], dict[str, Any]]]:
    """The table's key (named "") and its global secondary indexes (keys, projection) as ``template.yaml``
    declares them."""
    from local import template as tpl

    table = tpl.resources("AWS::DynamoDB::Table")["Table"]["Properties"]
    return [("", [k["AttributeName"] for k in table["KeySchema"]], {"ProjectionType": "ALL"})] + [
        (i["IndexName"], [k["AttributeName"] for k in i["KeySchema"]], i["Projection"])
        for i in table.get("GlobalSecondaryIndexes", [])]


def write_cost(old: dict[str, Any] | None, new: dict[str, Any] | None, transactional: bool,
               kind: str = "Put") -> Counter[str]:
    """Units of one item write (wire items; None: no item) by where they are charged, as DynamoDB charges."""
    return capacity.item_write_units(kind, old, new, indexes(), transactional)


_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b")


def apply_update(item: dict[str, Any] | None, request: dict[str, Any]) -> dict[str, Any]:
    """The item an UpdateItem (wire request) leaves: SET a value (the last placeholder of its expression),
    ADD a number or set, REMOVE. Enough for the code's updates, which set values and add counters."""
    out = dict(item or request["Key"])
    names = request.get("ExpressionAttributeNames") or {}
    vals = request.get("ExpressionAttributeValues") or {}
    parts = _CLAUSE.split(request["UpdateExpression"])
    for verb, body in zip(parts[1::2], parts[2::2], strict=False):
        for action in _split(body):
            target, _, rest = action.partition("=" if verb == "SET" else " ")
            name = names.get(target.strip(), target.strip())
            placeholders = re.findall(r":\w+", rest)
            if verb == "REMOVE":
                out.pop(name, None)
            elif placeholders:
                value = vals[placeholders[-1]]
                if verb == "ADD" and "N" in value and name in out:
                    value = {"N": str(Decimal(out[name]["N"]) + Decimal(value["N"]))}
                out[name] = value
    return out


def _split(body: str) -> list[str]:
    """Comma-separated actions, commas inside parentheses kept."""
    out, depth, current = [], 0, ""
    for ch in body:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return [a.strip() for a in [*out, current] if a.strip()]


def ops_cost(ops: list[Any], items: dict[str, dict[str, Any]], *, shared: bool = False) -> Counter[str]:
    """Units of one unit of work's operations (``store.transactions.Op``) as ``transact`` writes them: a
    transaction (2 units per KB), or one Put, Update or Delete alone as its single write (1 per KB); ``shared``:
    the operations are part of a larger transaction. ``items``: what each key holds before (by ``_key``), updated
    as the operations apply."""
    from urbaneta.store.transactions import SINGLE_CALLS

    transactional = shared or not (len(ops) == 1 and next(iter(ops[0].request)) in SINGLE_CALLS)
    units: Counter[str] = Counter()
    for op in ops:
        (kind, params), = op.request.items()
        key = _key(params.get("Key") or params["Item"])
        old = items.get(key)
        new = params["Item"] if kind == "Put" else apply_update(old, params) if kind == "Update" else old
        if kind == "Delete":
            new = None
        units += write_cost(old, new, transactional, kind)
        items[key] = new  # type: ignore[assignment]
    return units


def _key(item: dict[str, Any]) -> str:
    return f"{item['PK']['S']}|{item['SK']['S']}"


@dataclass
class Sample:
    """One representative invoice as generation writes it (a draft) and the PDF bytes sending stores for it."""

    draft: Any  # domain.invoices.Invoice
    pdf_bytes: int


def generation_units(sample: Sample) -> Counter[str]:
    """One new invoice: its ``invoice_ops`` (the invoice, its ledger entries, its new account) in a transaction
    shared with the chunk's other invoices."""
    from urbaneta.services.accounts import posting
    from urbaneta.store import accounts

    inv = sample.draft
    empty = accounts.empty_balance(inv.tenant_id, inv.building_id, inv.apartment_id)
    return ops_cost(posting.invoice_ops(posting.stamp(inv, empty), empty), {}, shared=True)


def sending_units(sample: Sample) -> Counter[str]:
    """One draft → sent: ``transition_op`` on the invoice as generation left it, alone (a single UpdateItem)."""
    from urbaneta.store.invoices import items, lifecycle
    from urbaneta.store.table import serialize

    inv = sample.draft
    sent = inv.model_copy(update={"status": "sent", "sent_at": inv.updated_at})
    before = dict(serialize(items.invoice_item(inv)))
    return ops_cost([lifecycle.transition_op(inv, sent)], {_key(before): before})


def generation(n: int, sample: Sample) -> Counts:
    """Generating ``n`` invoices of one building, per chunk as ``generate_chunk`` works (per-job calls left out)."""
    from urbaneta.services.accounts.posting import INVOICES_PER_TRANSACTION
    from urbaneta.services.invoicing.generation import GENERATION_CHUNK

    out = Counts()
    per_invoice = generation_units(sample)
    for start in range(0, n, GENERATION_CHUNK):
        c = min(GENERATION_CHUNK, n - start)
        hundreds = math.ceil(c / 100)  # current invoices, accounts, credits: one BatchGetItem per 100 each
        out.calls.update({"dynamodb:GetItem": 1, "dynamodb:BatchGetItem": 3 * hundreds, "dynamodb:UpdateItem": 2,
                          "dynamodb:TransactWriteItems": math.ceil(c / INVOICES_PER_TRANSACTION),
                          "events:PutEvents": math.ceil(c / 10)})
        out.units.update({k: v * c for k, v in per_invoice.items()})
        out.units.update({"table": 2, "events": c})  # the reservation and the progress: an item under 1 KB each
    return out


def sending(n: int, sample: Sample) -> Counts:
    """Sending ``n`` invoices of one building, per chunk as ``send_chunk`` works (per-job calls left out)."""
    from urbaneta.services.invoicing.sending import SENDING_CHUNK

    out = Counts()
    per_invoice = sending_units(sample)
    for start in range(0, n, SENDING_CHUNK):
        c = min(SENDING_CHUNK, n - start)
        # the chunk's invoices; its buildings and apartments; the organisation's profile: one BatchGetItem each
        # per invoice: its transition (one conditional UpdateItem), its PDF put (no read first) and its e-mail
        out.calls.update({"dynamodb:BatchGetItem": 3, "dynamodb:UpdateItem": 1 + c, "s3:PutObject": c,
                          "ses:SendRawEmail": c, "events:PutEvents": math.ceil(c / 10)})
        out.units.update({k: v * c for k, v in per_invoice.items()})
        out.units.update({"table": 1, "events": c})  # the job's progress
        out.s3_bytes += c * sample.pdf_bytes
    return out


def model(n: int, sample: Sample) -> Counts:
    return generation(n, sample) + sending(n, sample)


# ----------------------------------------------------------------------------------------------- a counted month

CHARGES = (("Haldustasu", "per_area", 0.45), ("Prügivedu", "per_resident", 2.1),
           ("Remondifond", "per_apartment", 12), ("Küte", "shared_by_area", 2500))


def counted_month(apartments: int, charges: tuple[tuple[str, str, float], ...] = CHARGES, *,
                  emulated: bool = False) -> dict[str, Any]:
    """One building's month in-process on moto (the API, the generation and the sending workers), counted:
    ``generation`` and ``sending`` (``Counts``), their handler ``timings`` and one invoice as generated
    (``draft``). Needs the repository's tests package (``tests.support``). ``emulated``: moto is already running
    with the template's resources (the test session's), so the month runs there instead of in its own."""
    import contextlib
    import time

    from tests.conftest import new_caller
    from tests.integration import invoicing_helpers as ih
    from tests.support import call, emulated_aws
    from urbaneta.store import invoices as store

    with contextlib.nullcontext() if emulated else emulated_aws(prefix="urbaneta-cost"):
        mgr = new_caller("manager")
        b = ih.new_building(mgr, invoicePrefix="COST")
        for n in range(1, apartments + 1):
            ih.new_apartment(mgr, b["id"], str(n), 40 + n % 30, ownerName=f"Jüri Õunapuu {n}",
                             email=f"apt{n}@example.com", residentsCount=n % 4)
        for name, kind, price in charges:
            ih.new_charge(mgr, b["id"], name, kind, price)
        counted = Counted()
        out: dict[str, Any] = {"timings": {}}
        with counted.installed():
            for phase, path, body in (
                    ("generation", "/invoices/generate-bulk",
                     {"buildingId": b["id"], "periodStart": "2025-01-01", "periodEnd": "2025-01-31"}),
                    ("sending", "/invoices/send-bulk", {"buildingId": b["id"]})):
                res = call("invoices", "POST", path, token=mgr.token, body=body)
                assert res.status == 202, res
                before, started = counted.snapshot(), time.perf_counter()
                assert not (ih.run_generation() if phase == "generation" else ih.run_sending())
                out["timings"][phase] = time.perf_counter() - started
                out[phase] = counted.snapshot() - before
                if phase == "generation":
                    out["draft"] = next(iter(store.invoices_of_building(mgr.tenant_id, b["id"])))
        return out
