"""The local stack under many clients: requests per second at 1, 8 and 64 concurrent clients, each as a ratio to
the 1-client figure measured in the same run, and the stack's memory after the whole run against right after
start.

Two organisations with one of everything are built through the API (tests/e2e/world.py). Each client then loops
for the phase's duration over a mix: 85 % reads (every GET operation of the served OpenAPI document, in random
order) and 15 % writes (a maintenance request created and updated, or a manual payment of 0.01). Every answer is
checked: a success, belonging to its own request (the id asked for; nothing of the other organisation). The run
fails if any answer was a 5xx, belonged to another request, or the stack logged an error.

BENCH_QUICK=1 shortens the phases; BENCH_SECONDS sets the 64-client phase's length (default 60 s); the run goes on
with 16 clients until BENCH_REQUESTS requests in all (default 10,000; quick 1,000) have been answered.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT)]

from tests.e2e.conftest import unexpected_errors  # noqa: E402
from tests.e2e.world import (  # noqa: E402
    Organisation,
    build_organisation,
    check_answer,
    foreign_ids,
    read_operations,
    request_for,
)

TOTAL_REQUESTS = 10_000
IDLE_SECONDS = 10  # environments idle this long are stopped: the memory after that is the stack's own growth


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok = 0
        self.server_errors = 0
        self.wrong: list[str] = []

    def add(self, problem: str | None, status: int) -> None:
        with self.lock:
            if status >= 500:
                self.server_errors += 1
            if problem:
                self.wrong.append(problem)
            else:
                self.ok += 1


def _write(http: httpx.Client, org: Organisation, rng: random.Random) -> tuple[str | None, int]:
    if rng.random() < 0.5:
        title = f"Bench {rng.random():.6f}"
        r = http.post("/api/maintenance-requests", headers=org.headers, json={
            "buildingId": org.ids["building_id"], "apartmentId": org.ids["apartment_id"], "title": title,
            "description": "Bench"})
        if r.status_code != 201 or r.json()["data"]["title"] != title:
            return f"POST maintenance {r.status_code} {r.text[:120]}", r.status_code
        rid = r.json()["data"]["id"]
        r = http.patch(f"/api/maintenance-requests/{rid}", headers=org.headers, json={"status": "in_progress"})
        if r.status_code != 200 or r.json()["data"]["id"] != rid:
            return f"PATCH maintenance {r.status_code} {r.text[:120]}", r.status_code
        return None, r.status_code
    r = http.post("/api/payments", headers=org.headers, json={
        "invoiceId": org.ids["invoice_id"], "amount": 0.01, "paidDate": "2025-02-01", "method": "cash"})
    if r.status_code != 201 or r.json()["data"].get("invoiceId") != org.ids["invoice_id"]:
        return f"POST payment {r.status_code} {r.text[:120]}", r.status_code
    return None, r.status_code


def phase(base_url: str, orgs: list[Organisation], ops: list[tuple[str, dict[str, Any]]], clients: int,
          seconds: float, tally: Tally) -> float:
    """Requests per second answered correctly, ``clients`` at once for ``seconds``."""
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    before = tally.ok

    def client(n: int) -> None:
        rng = random.Random(n * 7919 + clients)
        org = orgs[n % len(orgs)]
        foreign = foreign_ids(org, orgs)
        with httpx.Client(base_url=base_url, timeout=60) as http:
            while time.monotonic() < deadline:
                if rng.random() < 0.15:
                    problem, status = _write(http, org, rng)
                    tally.add(problem, status)
                    continue
                path, operation = rng.choice(ops)
                url, query = request_for(path, operation, org)
                response = http.get(url, params=query, headers=org.headers)
                tally.add(check_answer(response, path, org, foreign), response.status_code)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return (tally.ok - before) / (time.monotonic() - started)


def main() -> int:
    from local.stack import spawn_stack

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    long = 10.0 if quick() else float(os.environ.get("BENCH_SECONDS", "60"))
    global TOTAL_REQUESTS
    TOTAL_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000" if quick() else "10000"))
    short = 5.0 if quick() else 20.0
    stack = spawn_stack(args=["--max-environments", os.environ.get("MAX_ENVIRONMENTS", "2"),
                              "--idle-seconds", str(IDLE_SECONDS)])
    try:
        started_memory = stack.stats()["memory"]["totalBytes"]
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            orgs = [build_organisation(http, "Alfa"), build_organisation(http, "Beeta")]
        ops = read_operations(stack.api_url)
        tally = Tally()
        rates = {}
        for clients, seconds in ((1, short), (8, short), (64, long)):
            rates[clients] = phase(stack.base_url, orgs, ops, clients, seconds, tally)
            print(f"{clients:3d} clients: {rates[clients]:7.1f} requests/s ({tally.ok} correct answers so far)",
                  flush=True)
        while tally.ok + len(tally.wrong) < TOTAL_REQUESTS:
            phase(stack.base_url, orgs, ops, 16, 10.0, tally)
        end_memory = stack.stats()["memory"]["totalBytes"]
        total = tally.ok + len(tally.wrong)
        time.sleep(IDLE_SECONDS + 16)  # the reaper stops the environments the load started
        settled_memory = stack.stats()["memory"]["totalBytes"]
    finally:
        stack.stop()
    errors = unexpected_errors(stack.log())
    print(f"{total} requests: {tally.server_errors} answers of 5xx, {len(tally.wrong)} wrong answers, "
          f"{len(errors)} errors in the stack's log")
    for line in (tally.wrong[:10] + errors[:10]):
        print("  ", line)
    print(f"memory: {started_memory / 2**20:.0f} MiB right after start (stack and one environment per function), "
          f"{end_memory / 2**20:.0f} MiB after {total} requests (with the environments the load started), "
          f"{settled_memory / 2**20:.0f} MiB once they were idle and stopped")
    report("concurrency", [
        Figure("concurrency", "requests/s, 8 clients vs 1", rates[8], "req/s", rates[1]),
        Figure("concurrency", "requests/s, 64 clients vs 1", rates[64], "req/s", rates[1]),
        Figure("concurrency", "answers 5xx or not the caller's", tally.server_errors + len(tally.wrong), "answers",
               goal="0"),
        Figure("concurrency", f"memory after {total} requests vs start", end_memory / 2**20, "MiB",
               started_memory / 2**20),
        Figure("concurrency", "memory once idle after them vs start", settled_memory / 2**20, "MiB",
               started_memory / 2**20),
    ])
    return 1 if (tally.server_errors or tally.wrong or errors) else 0


if __name__ == "__main__":
    raise SystemExit(main())
