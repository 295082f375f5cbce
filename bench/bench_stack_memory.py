"""The local stack's memory and write cost as one building grows to 5,000 apartments through the API
(BENCH_QUICK=1: 500; BENCH_APARTMENTS sets it).

8 clients create the apartments with POST /api/buildings/{id}/apartments (each a DynamoDB transaction: the
apartment, its number's uniqueness guard, the building's count). After every tenth of them the benchmark
records the stack's resident memory (the stack's process and every execution environment it started) and the
median time of the last tenth's creates. Printed as ratios: memory at the end against right after start, and the
last tenth's median create time against the first tenth's (a transaction's cost must not grow with the table).

It reads memory from /proc, of the stack's process and its children, so it measures any version of the stack
the same way.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import ROOT, Figure, quick, report

sys.path[:0] = [str(ROOT)]

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int((Path("/proc") / str(current) / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        todo += children.get(current, [])
    return total


def main() -> int:
    from local.stack import spawn_stack

    count = int(os.environ.get("BENCH_APARTMENTS", "500" if quick() else "5000"))
    stack = spawn_stack(env={"POWERTOOLS_LOG_LEVEL": "ERROR"})
    pid = stack.process.pid
    rows = []
    try:
        started_rss = tree_rss(pid)
        with httpx.Client(base_url=stack.api_url, timeout=120) as http:
            email = f"memory-{uuid.uuid4().hex[:8]}@example.com"
            from local.signup import register

            reg = register(http, stack.api_url, {"organizationName": "KÜ Suur Maja", "email": email,
                                                 "password": "Pikk-Salas6na-2025!", "name": "Mari Maasikas"})
            reg.raise_for_status()
            auth = {"Authorization": f"Bearer {reg.json()['data']['accessToken']}"}
            building = http.post("/buildings", headers=auth, json={
                "name": "Lasnamäe kompleks", "address": {"street": "Pae 1", "city": "Tallinn", "postalCode": "13611",
                                                         "country": "EE"},
                "billing": {"dueDays": 14, "vatRate": 0, "iban": "EE061010220000000016", "bankName": "Swedbank"}})
            building.raise_for_status()
            url = f"/buildings/{building.json()['data']['id']}/apartments"

        def create(n: int) -> float:
            with httpx.Client(base_url=stack.api_url, timeout=120) as client:
                t0 = time.perf_counter()
                r = client.post(url, headers=auth, json={"number": str(n), "area": 30 + n % 70})
                elapsed = time.perf_counter() - t0
            if r.status_code != 201:
                raise RuntimeError(f"apartment {n}: {r.status_code} {r.text[:200]}")
            return elapsed

        step = max(1, count // 10)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for first in range(1, count + 1, step):
                times = list(pool.map(create, range(first, min(count, first + step - 1) + 1)))
                rows.append((first + len(times) - 1, tree_rss(pid), statistics.median(times)))
                print(f"{rows[-1][0]:6d} apartments: {rows[-1][1] / 2**20:7.0f} MiB, median create "
                      f"{rows[-1][2] * 1000:6.1f} ms", flush=True)
    finally:
        stack.stop()
    end_rss, first_ms, last_ms = rows[-1][1], rows[0][2] * 1000, rows[-1][2] * 1000
    report("stack_memory", [
        Figure("stack_memory", f"memory after {count} apartments vs start", end_rss / 2**20, "MiB",
               started_rss / 2**20),
        Figure("stack_memory", "median create, last tenth vs first tenth", last_ms, "ms", first_ms, "~1x"),
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
