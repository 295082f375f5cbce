"""Reconciliation: import a 10,000-entry camt.053 statement (BENCH_QUICK=1: 1,000; BENCH_ENTRIES=n: n) and
print entries per second and DynamoDB calls per entry, against a baseline importer in the same run that does
one lookup per entry (GetItem for the line's identity, for each reference and for the payer IBAN, PutItem per entry) and
otherwise the same parsing, matching and payment transactions.

Statement mix (per 10 lines): 9 payments by structured reference to an apartment with one open invoice (each
settles it: one transaction each), 1 line nothing matches (unknown reference, unknown payer). Both runs use a
fresh organisation with the same shape. The statement (about 9 MB) is larger than the 5 MB HTTP limit, so it
goes the way a large statement goes through the API: uploaded to the uploads bucket, its import asked for
(``services.reconciliation.import_upload``: a job and a ``plan`` message), then the import worker's messages are
handled until the queue is empty (plan, then chunks of 500 entries; the worker's time budget left unlimited).

moto in-process is the database. Its TransactWriteItems deep-copies the whole table before every transaction
(for rollback), which makes each transaction O(table size) — an emulator artefact DynamoDB does not have. The
benchmark turns that snapshot off (no transaction in this workload fails) and checks afterwards that every
invoice was paid exactly once. Likewise the bus has no rules here (see ``_environment``).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from typing import Any

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]


def _environment() -> None:
    import types

    import boto3
    import moto.dynamodb.models as moto_ddb

    from tests.support import start_emulated_aws

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # moto deep-copies the whole table before every transaction (for rollback): O(table) per payment
    moto_ddb.copy = types.SimpleNamespace(deepcopy=lambda value: value)  # type: ignore[attr-defined]
    _mock, names, _env = start_emulated_aws("urbaneta-bench")
    # Events still go to the bus (PutEvents is part of the work), but without rules forwarding them into SQS:
    # moto's SendMessage counts every queued message per call, which would make delivery O(n^2) here.
    events = boto3.client("events")
    bus = names.ref("EventBus")
    for rule in events.list_rules(EventBusName=bus).get("Rules", []):
        targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus).get("Targets", [])
        if targets:
            events.remove_targets(Rule=rule["Name"], EventBusName=bus, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=rule["Name"], EventBusName=bus)


def _organisation(tenant_id: str, apartments: int) -> list[tuple[str, str, str]]:
    """Apartment reference guards and one open invoice each, written in batches: (apartment, reference, invoice)."""
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.invoices import Invoice, Recipient
    from urbaneta.domain.references import make_731
    from urbaneta.store import invoices as invoice_store
    from urbaneta.store import keys
    from urbaneta.store.table import batch_write

    now = now_iso()
    building = new_id()
    items: list[dict[str, Any]] = []
    invoices: list[Invoice] = []
    out = []
    due = date(2024, 3, 15)
    for n in range(apartments):
        apt, ref, inv_id = new_id(), make_731(str(2_000_000 + n)), new_id()
        items.append({**keys.apartment_reference(tenant_id, ref), "entity": "apartment_reference",
                      "apartmentId": apt, "buildingId": building})
        inv = Invoice(id=inv_id, tenant_id=tenant_id, number=f"2024-{n:06d}", reference_number=ref,
                      building_id=building, apartment_id=apt, period_start=due - timedelta(days=45),
                      period_end=due - timedelta(days=15), issue_date=due - timedelta(days=14), due_date=due,
                      status="sent", subtotal_cents=8450, vat_total_cents=0, total_cents=8450,
                      balance_due_cents=8450, recipient=Recipient(name=f"Resident {n}"), sent_at=now,
                      created_at=now, updated_at=now)
        invoices.append(inv)
        out.append((apt, ref, inv_id))
    batch_write(items)
    invoice_store.write_new(invoices)
    return out


def _statement(refs: list[str], entries: int, seed: str) -> bytes:
    from tests.payments_support.files import Entry, Tx, camt

    lines = []
    for i in range(entries):
        if i % 10 == 9 or i // 10 * 9 + i % 10 >= len(refs):
            lines.append(Entry([Tx("12.34", name=f"STRANGER {i}", iban=f"EE{i:018d}", ref="99999999999")],
                               bank_ref=f"{seed}-{i}"))
        else:
            ref = refs[i // 10 * 9 + i % 10]
            lines.append(Entry([Tx("84.50", name=f"RESIDENT {i}", iban=f"EE{i:018d}", ref=ref)],
                               bank_ref=f"{seed}-{i}"))
    return camt(lines)


def _baseline_import(principal: Any, content: bytes) -> dict[str, int]:
    """The same pipeline with one lookup per entry: GetItem per identity, per reference and per payer IBAN,
    PutItem per entry; matched lines become the same payment transactions."""
    from urbaneta.adapters import documents
    from urbaneta.adapters.events import publish
    from urbaneta.adapters.statements import parse_statement
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.reconciliation import Lookups, Target, match
    from urbaneta.services.payments import PaymentDraft, apply_payment
    from urbaneta.services.reconciliation import lines as rec
    from urbaneta.services.reconciliation.matching import prefetch
    from urbaneta.store import keys, table
    from urbaneta.store import statements as stmt_store

    tenant = principal.tenant_id
    parsed = parse_statement(content, "application/xml")
    plan = rec.plan(parsed, rec.digest(content))
    statement_id, now = new_id(), now_iso()
    documents.put_statement(documents.statement_key(tenant, statement_id, "xml"), content, "application/xml")
    matched = 0
    pending = []
    buildings: dict[str, str] = {}
    for line in plan.lines:
        tx, entry_id, named = line.tx, line.entry_id, line.named
        if table.get(keys.bank_entry(tenant, entry_id)):
            continue
        lookups = Lookups()
        for ref in (*named.certain_references, *named.text_references):
            guard = table.get(keys.apartment_reference(tenant, stmt_store.apartment_reference_key(ref)))
            if guard:
                lookups.references[ref] = Target(str(guard["apartmentId"]))
                buildings[str(guard["apartmentId"])] = str(guard["buildingId"])
        if tx.payer_iban and (payer := table.get(keys.known_payer(tenant, tx.payer_iban))):
            lookups.payers[tx.payer_iban] = str(payer["apartmentId"])
        line.result = match(named, tx.payer_iban, lookups) if tx.credit else None
        entry = rec.entry_of(tenant, statement_id, line, "pending" if line.result else "unmatched", now)
        table.put(stmt_store.entry_item(entry))
        if line.result:
            pending.append((line, entry))
    # open invoices read the same way as the batched import (one paged Query per building), so that the
    # difference measured is the per-entry lookups and writes
    cache = prefetch(tenant, [ln for ln, _e in pending], buildings)
    for line, entry in pending:
        tx, entry_id = line.tx, line.entry_id
        if line.result:
            done = entry.model_copy(update={"status": "matched", "payment_id": new_id()})
            applied = apply_payment(PaymentDraft(
                tenant_id=tenant, apartment_id=line.result.target.apartment_id, amount_cents=tx.amount_cents,
                currency=tx.currency, paid_date=tx.booking_date, method="bank_statement",
                reference=tx.structured_reference, payer_name=tx.payer_name, payer_iban=tx.payer_iban,
                statement_id=statement_id, entry_id=entry_id, signature=line.signature,
                payment_id=done.payment_id or new_id(), dedupe=f"BANK#{entry_id}",
                extra_ops=[stmt_store.save_entry_op(done, expect_status="pending")]),
                invoices=cache.get(line.result.target.apartment_id))
            cache[line.result.target.apartment_id] = applied.after
            publish(applied.events)
            matched += 1
    return {"entries": len(parsed.transactions), "matched": matched}


def _check_paid(tenant_id: str, invoices: list[tuple[str, str, str]], paid: int) -> None:
    from urbaneta.store import invoices as invoice_store

    found = invoice_store.get_invoices(tenant_id, [i for _a, _r, i in invoices[:paid]])
    assert len(found) == paid and all(i.status == "paid" and i.amount_paid_cents == 8450 for i in found), \
        "an invoice was not paid exactly once"


def _through_the_worker(principal: Any, content: bytes) -> dict[str, int]:
    """Upload, ask for the import (202: a job), then handle the worker's messages until the queue is empty."""
    import json

    from urbaneta.adapters import documents
    from urbaneta.adapters.aws import client
    from urbaneta.clock import new_id
    from urbaneta.services import reconciliation
    from urbaneta.settings import get_settings
    from urbaneta.store import jobs

    key = documents.statement_upload_key(principal.tenant_id, new_id(), "xml")
    client("s3").put_object(Bucket=get_settings().uploads_bucket, Key=key, Body=content)
    accepted = reconciliation.import_upload(principal, key)
    sqs, url = client("sqs"), get_settings().need("statement_import_queue_url")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        reconciliation.handle_message(json.loads(messages[0]["Body"]), lambda: 10**9)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    job = jobs.get_job(principal.tenant_id, accepted.job_id)
    assert job.status == "completed", job
    return {"entries": job.total, "matched": job.matched}


def run(entries: int, *, baseline: bool) -> tuple[float, float, int]:
    from tests.support import count_calls, reset_emulated_data
    from urbaneta.auth.principal import Principal, Role
    from urbaneta.clock import new_id

    reset_emulated_data()  # moto walks every item of a table for an index query: each run starts from empty
    tenant = new_id()
    payments = entries - entries // 10
    invoices = _organisation(tenant, payments)
    content = _statement([r for _a, r, _i in invoices], entries, seed=tenant[:8])
    principal = Principal(tenant, new_id(), Role.MANAGER, "bench")
    with count_calls("dynamodb") as counter:
        started = time.perf_counter()
        result = _baseline_import(principal, content) if baseline else _through_the_worker(principal, content)
        elapsed = time.perf_counter() - started
    assert result == {"entries": entries, "matched": payments}, result
    _check_paid(tenant, invoices, payments)
    return entries / elapsed, counter.count() / entries, counter.count()


def main() -> None:
    if os.environ.get("BENCH_STACK") == "1":
        from bench.reconciliation_stack import main as through_the_stack

        through_the_stack()
        return
    _environment()
    entries = 1_000 if quick() else int(os.environ.get("BENCH_ENTRIES", "10000"))
    base_rate, base_calls, base_total = run(entries, baseline=True)
    rate, calls, total = run(entries, baseline=False)
    print(f"{entries} entries: batched {rate:.0f}/s, {calls:.2f} DynamoDB calls/entry ({total} calls); "
          f"one-lookup-per-entry baseline {base_rate:.0f}/s, {base_calls:.2f} calls/entry ({base_total} calls)")
    report("reconciliation", [
        Figure("reconciliation", f"camt.053 import, {entries} entries", rate, "entries/s", base_rate, ">= 1x"),
        Figure("reconciliation", "DynamoDB calls per entry", calls, "calls/entry", base_calls, "< 1x"),
    ])


if __name__ == "__main__":
    main()
