"""Reconciliation through the API on the local stack (``BENCH_STACK=1 python -m bench.bench_reconciliation``):
a camt.053 of BENCH_ENTRIES entries (default 10,000; BENCH_QUICK=1: 1,000) is uploaded through the presigned POST,
its import asked for (202 with a job), and the job polled until ``completed``. The worker runs in its own process
(``local/``), against moto's single lane.

Baseline, in the same run on the same stack: a file a fiftieth of the size (at least 200 entries), same mix,
imported the same way before and after the large one (small, large, small: the table grows with every run and
moto's index queries walk every item, so the large run is held against the mean of the two small ones). Equal
rates and calls per entry mean that nothing grows with the file.

Each run has its own organisation of the same shape (bench_reconciliation's mix: 9 of 10 lines pay an apartment's
one open invoice by reference, 1 matches nothing). The bus's rules are detached while the imports run, so that
the calls counted are the import's own (``GET /_local/stats``, less what the job polling itself costs).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from bench.common import Figure, quick, report

PASSWORD = "correct horse battery staple"


def _register(http: Any) -> tuple[str, dict[str, str], str]:
    from local.signup import register
    from urbaneta.clock import new_id

    email = f"b-{new_id()[:8]}@example.com"
    res = register(http, str(http.base_url), {"organizationName": "KÜ Lai 5", "email": email,
                                              "password": PASSWORD, "name": "Mari Maasikas"})
    res.raise_for_status()
    data = res.json()["data"]
    return str(data["tenantId"]), {"Authorization": f"Bearer {data['accessToken']}"}, email


def _login(http: Any, email: str, auth: dict[str, str]) -> None:
    """A new access token in ``auth`` (a 10,000-entry import outlives one)."""
    res = http.post("/auth/login", json={"email": email, "password": PASSWORD})
    res.raise_for_status()
    auth["Authorization"] = f"Bearer {res.json()['data']['accessToken']}"


def _calls(stack: Any) -> Counter[str]:
    return Counter({k: v for k, v in stack.stats()["aws"]["functions"].items() if k.startswith("dynamodb:")})


def _poll(http: Any, auth: dict[str, str], email: str, job_id: str, entries: int) -> tuple[dict[str, Any], int]:
    polls, last = 0, -1
    while True:
        polls += 1
        res = http.get(f"/jobs/{job_id}", headers=auth)
        if res.status_code == 401:
            _login(http, email, auth)
            continue
        job = res.json()["data"]
        if job["status"] in ("completed", "failed"):
            return job, polls
        if job.get("processed", 0) != last:
            last = job.get("processed", 0)
            print(f"  {time.strftime('%H:%M:%S')} {last}/{entries} processed", flush=True)
        time.sleep(2.0)


def _one_import(stack: Any, http: Any, entries: int) -> tuple[float, int]:
    """(seconds from the import request to the job's completion, DynamoDB calls of the functions)."""
    import httpx

    from bench.bench_reconciliation import _check_paid, _organisation, _statement

    tenant, auth, email = _register(http)
    payments = entries - entries // 10
    invoices = _organisation(tenant, payments)
    content = _statement([r for _a, r, _i in invoices], entries, seed=tenant[:8])
    up = http.post("/bank-statements/uploads", headers=auth, json={"contentType": "application/xml"})
    up.raise_for_status()
    target = up.json()["data"]
    sent = httpx.post(target["uploadUrl"], data=target["fields"],
                      files={"file": ("statement.xml", content, "application/xml")}, timeout=120)
    assert sent.status_code in (200, 201, 204), sent.text
    before = _calls(stack)
    started = time.perf_counter()
    res = http.post("/bank-statements/import", headers=auth, json={"uploadKey": target["uploadKey"]})
    assert res.status_code == 202, res.text
    job, polls = _poll(http, auth, email, res.json()["data"]["jobId"], entries)
    elapsed = time.perf_counter() - started
    during = _calls(stack) - before
    _login(http, email, auth)
    one = _calls(stack)
    http.get(f"/jobs/{job['id']}", headers=auth).raise_for_status()
    per_poll = sum((_calls(stack) - one).values())
    assert job["status"] == "completed", job
    assert (job["total"], job["matched"], job["unmatched"]) == (entries, payments, entries - payments), job
    _check_paid(tenant, invoices, payments)
    calls = sum(during.values()) - per_poll * polls
    print(f"{entries} entries: {elapsed:.1f} s, {entries / elapsed:.1f} entries/s, {calls / entries:.3f} DynamoDB "
          f"calls/entry; {dict(during.most_common(8))}", flush=True)
    return elapsed, calls


def main() -> None:
    import httpx

    from bench.bench_invoicing import _attach_rules, _detach_rules
    from local.stack import spawn_stack

    entries = 1_000 if quick() else int(os.environ.get("BENCH_ENTRIES", "10000"))
    small = max(200, entries // 50)
    stack = spawn_stack(env={"POWERTOOLS_LOG_LEVEL": "ERROR"})
    os.environ.update({k: v for k, v in stack.environments["StatementImportWorkerFunction"].items()
                       if k not in ("PATH", "LANG") and not k.startswith("PYTHON")})
    os.environ.update({"AWS_ENDPOINT_URL": stack.moto_url, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    try:
        http = httpx.Client(base_url=stack.api_url, timeout=120)
        detached = _detach_rules(stack)
        first = _one_import(stack, http, small)
        large = _one_import(stack, http, entries)
        second = _one_import(stack, http, small)
        _attach_rules(stack, detached)
    finally:
        stack.stop()
    base_rate = 2 * small / (first[0] + second[0])
    base_calls = (first[1] + second[1]) / (2 * small)
    rate, calls = entries / large[0], large[1] / entries
    print(f"through the API on the local stack: {entries} entries {rate:.1f}/s, {calls:.3f} DynamoDB calls/entry; "
          f"{small}-entry baseline (mean of the runs before and after) {base_rate:.1f}/s, {base_calls:.3f} calls/entry")
    report("reconciliation_stack", [
        Figure("reconciliation", f"stack: {entries} entries vs {small}, entries/s", rate, "entries/s", base_rate,
               ">= 0.8x"),
        Figure("reconciliation", f"stack: {entries} entries vs {small}, calls/entry", calls, "calls/entry",
               base_calls, "<= 1.1x"),
    ])
