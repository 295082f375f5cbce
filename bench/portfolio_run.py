"""One run of the portfolio benchmark against one checkout (``bench/bench_portfolio.py`` starts it in a child
process, once per checkout and round): ``python -m bench.portfolio_run --root <checkout> --out <json> --buildings
N --apartments M --large L``.

The checkout's own code runs everything: its local stack (through ``bench/portfolio_stack.py``, which adds the
capacity meter and busy times), its API and its workers. Setting up is direct where the API would take too
long: the organisation, its buildings and their charges go through the API; the apartments are written by the
checkout's store (``store.buildings.create_apartment``, the transaction POST /buildings/{id}/apartments runs)
from this process. Then, each phase counted on its own (``GET /_local/stats`` before and after, the job polling's
own calls taken off, the stack left to settle: no invocation for 2 s):

1. generation: POST /invoices/generate-bulk per building, the workers run;
2. sending: POST /invoices/send-bulk per building (PDFs, S3, SES);
3. reconciliation: one camt.053 statement paying 9 of every 10 invoices in full (by reference number) is
   imported through POST /bank-statements/import, in the background (``?async=true``; uploaded first when over
   5 MB) where the checkout offers it; an older checkout, which imports only while the request lasts, gets it in
   files of 200 entries.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent.parent
MAX_BODY = 5 * 1024 * 1024
SYNC_ENTRIES = 200
PERIOD = {"periodStart": "2025-01-01", "periodEnd": "2025-01-31", "issueDate": "2025-02-01"}
CHARGES = ({"name": "Haldustasu", "type": "per_area", "unitPrice": 0.4515},
           {"name": "Remondifond", "type": "per_area", "unitPrice": 0.35, "vatRate": 0},
           {"name": "Prügivedu", "type": "per_resident", "unitPrice": 2.125},
           {"name": "Küte", "type": "shared_by_area", "unitPrice": 2345.67},
           {"name": "Vesi", "type": "shared_by_area", "unitPrice": 812.4},
           {"name": "Elekter üldala", "type": "shared_by_area", "unitPrice": 99.99})


def spawn(root: Path, workdir: Path) -> Any:
    """The checkout's stack in a child process, through ``portfolio_stack.py``; its ``StackProcess``."""
    from local.stack import StackProcess

    ready, log_path = workdir / "ready.json", workdir / "stack.log"
    cmd = [sys.executable, str(HERE / "bench" / "portfolio_stack.py"), "--port", "0", "--moto-port", "0",
           "--ready-file", str(ready), "--parent-pid", str(os.getpid()), "--log-dir", str(workdir), "--no-seed"]
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "PORT", "MOTO_PORT", "PYTHONPATH")}
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    with log_path.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.send_signal(signal.SIGINT)
            raise RuntimeError(f"the stack did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    return StackProcess(process, json.loads(ready.read_text()), log_path)


class Relogin(httpx.Auth):
    """httpx authentication that signs in again when the access token has expired (it lives 15 minutes; the
    full portfolio runs for hours)."""

    def __init__(self, api_url: str, email: str, password: str, token: str) -> None:
        self.api_url, self.email, self.password, self.token = api_url, email, password, token

    def _login(self) -> None:
        res = httpx.post(f"{self.api_url}/auth/login", json={"email": self.email, "password": self.password},
                         timeout=60)
        res.raise_for_status()
        self.token = res.json()["data"]["accessToken"]

    def auth_flow(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        if response.status_code == 401:
            self._login()
            request.headers["Authorization"] = f"Bearer {self.token}"
            yield request


def register(http: Any) -> tuple[str, dict[str, str]]:
    """Register the company (signed in from then on: ``http.auth``); (its tenant id, headers to add: none)."""
    body = {"organizationName": "Haldus OÜ", "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "password": "correct horse battery staple", "name": "Mari Maasikas"}
    try:
        from local.signup import register as confirmed
        res = confirmed(http, str(http.base_url), body)
    except ImportError:  # an older checkout registers in one step
        res = http.post("/auth/register", json=body)
    res.raise_for_status()
    data = res.json()["data"]
    http.auth = Relogin(str(http.base_url).rstrip("/"), body["email"], body["password"], data["accessToken"])
    return str(data["tenantId"]), {}


def building(http: Any, auth: dict[str, str], n: int, apartments: int, tenant_id: str) -> str:
    """A building with its charges through the API, its apartments through the checkout's store."""
    from urbaneta.clock import new_id, now_iso
    from urbaneta.domain.buildings import Apartment
    from urbaneta.domain.references import make_731
    from urbaneta.store.buildings import create_apartment

    res = http.post("/buildings", headers=auth, json={
        "name": f"Kuuse {n}", "address": {"street": f"Kuuse {n}", "city": "Tartu", "postalCode": "50104",
                                          "country": "EE"},
        "billing": {"dueDays": 14, "vatRate": 22, "iban": "EE061010220000000016", "bankName": "Swedbank"}})
    res.raise_for_status()
    bid = res.json()["data"]["id"]
    for charge in CHARGES:
        http.post(f"/buildings/{bid}/charges", headers=auth, json=charge).raise_for_status()
    now = now_iso()
    for k in range(1, apartments + 1):
        create_apartment(Apartment(
            id=new_id(), tenant_id=tenant_id, building_id=bid, number=str(k),
            area=Decimal(35) + Decimal(k % 50) + Decimal("0.3"), residents_count=k % 4,
            owner_name=f"Jūratė Šeškauskienė {k}", email=f"b{n}-apt{k}@example.com",
            reference_number=make_731("1000001"), created_at=now, updated_at=now))
    return str(bid)


def stats(stack: Any) -> dict[str, Any]:
    s = stack.stats()
    return {"aws": Counter(s["aws"]["functions"]), "stackAws": Counter(s["aws"]["stack"]),
            "units": Counter(s["aws"].get("units") or {}),
            "invocations": Counter({k: v["invocations"] for k, v in s["functions"].items()}),
            "errors": Counter({k: v["errors"] for k, v in s["functions"].items()}),
            "busyMs": Counter({k: v.get("busyMs", 0) for k, v in s["functions"].items()})}


def delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, counts in after.items():
        diff = Counter(counts)
        diff.subtract(before[name])
        out[name] = {k: v for k, v in diff.items() if v}
    return out


def settle(stack: Any, quiet: float = 2.0) -> None:
    """Wait until no function has been invoked and no AWS call made for ``quiet`` seconds."""
    last = None
    while True:
        s = stack.stats()
        now = (sum(f["invocations"] for f in s["functions"].values()), sum(s["aws"]["functions"].values()),
               sum(s["aws"]["stack"].get(k, 0) for k in s["aws"]["stack"] if "ReceiveMessage" not in k))
        if now == last:
            return
        last = now
        time.sleep(quiet)


def jobs(http: Any, auth: dict[str, str], ids: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Every job once finished, and the polls it took: every 2 s, the unfinished jobs in the order they were
    started, up to the first that is still running (jobs finish roughly in order; polling all would load the
    stack)."""
    done: dict[str, dict[str, Any]] = {}
    polls = 0
    while len(done) < len(ids):
        time.sleep(2)
        for job_id in [j for j in ids if j not in done]:
            polls += 1
            res = http.get(f"/jobs/{job_id}", headers=auth)
            if res.status_code != 200:
                raise RuntimeError(f"GET /jobs/{job_id} answered {res.status_code}: {res.text[:300]}")
            job = res.json()["data"]
            if job["status"] not in ("completed", "failed"):
                break
            done[job_id] = job
    return list(done.values()), polls


def poll_cost(stack: Any, http: Any, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    before = stats(stack)
    http.get(f"/jobs/{job_id}", headers=auth).raise_for_status()
    return delta(stats(stack), before)


def phase(stack: Any, http: Any, auth: dict[str, str], name: str, start: Any) -> dict[str, Any]:
    """Run one phase (``start`` answers the job ids it started), counted alone, the polling's calls taken off."""
    before = stats(stack)
    started = time.perf_counter()
    ids = start()
    finished, polls = jobs(http, auth, ids) if ids else ([], 0)
    settle(stack)
    seconds = time.perf_counter() - started
    counted = delta(stats(stack), before)
    if ids:
        one = poll_cost(stack, http, auth, ids[0])
        for group, counts in one.items():
            for key, n in counts.items():
                counted[group][key] = counted[group].get(key, 0) - n * polls
    errors = [e for j in finished for e in (j.get("errors") or [])]
    failed = [j["id"] for j in finished if j["status"] != "completed"]
    print(f"  {name}: {seconds:.1f} s, {len(ids)} jobs, {polls} polls taken off, job errors {len(errors)}",
          flush=True)
    return {"seconds": seconds, "counts": counted, "jobs": len(ids), "jobErrors": errors[:20] + failed,
            "jobSummaries": [{k: v for k, v in j.items() if isinstance(v, int | str)} for j in finished[:3]]}


def invoices(http: Any, auth: dict[str, str], building_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        res = http.get("/invoices", headers=auth, params={"buildingId": building_id, "limit": 100,
                                                            **({"cursor": cursor} if cursor else {})})
        res.raise_for_status()
        body = res.json()
        out += body["data"]
        cursor = (body.get("meta") or body.get("page") or {}).get("nextCursor") or body.get("nextCursor")
        if not cursor:
            return out


def statements(paid: list[dict[str, Any]], whole: bool) -> list[bytes]:
    """The camt.053 files paying ``paid`` in full: one (``whole``: the checkout imports in the background), or,
    for a checkout that imports only while the request lasts, parts of ``SYNC_ENTRIES`` entries (at most 5 MB):
    more in one request would outlast the API's 29 s on the emulator."""
    from tests.payments_support.files import Entry, Tx, camt

    entries = [Entry([Tx(f"{Decimal(str(inv['total'])):.2f}", ref=inv["referenceNumber"])],
                     bank_ref=f"PF-{k}") for k, inv in enumerate(paid)]
    if whole:
        return [camt(entries)]
    return [camt(entries[i:i + SYNC_ENTRIES]) for i in range(0, len(entries), SYNC_ENTRIES)]


def import_statement(http: Any, auth: dict[str, str], content: bytes, background: bool) -> list[str]:
    """Import one file as the checkout takes it; the job ids it started (none when it answered at once).
    ``background``: the checkout imports in its worker on request (``?async=true``; an upload always)."""
    xml = {**auth, "Content-Type": "application/xml"}
    if len(content) > MAX_BODY:
        res = http.post("/bank-statements/uploads", headers=auth, json={"contentType": "application/xml"})
        res.raise_for_status()
        target = res.json()["data"]
        httpx.post(target["uploadUrl"], data=target["fields"],
                   files={"file": ("statement.xml", content, "application/xml")}, timeout=300).raise_for_status()
        res = http.post("/bank-statements/import", headers=auth, json={"uploadKey": target["uploadKey"]})
    else:
        res = http.post("/bank-statements/import", headers=xml, content=content,
                        params={"async": "true"} if background else None)
    if res.status_code >= 300:
        raise RuntimeError(f"import answered {res.status_code}: {res.text[:500]}")
    data = res.json()["data"]
    return [data["jobId"]] if res.status_code == 202 else []


def month(stack: Any, http: Any, out: dict[str, Any], sizes: list[int]) -> None:
    """Set up, generate, send and reconcile, filling ``out`` as each phase ends."""
    tenant_id, auth = register(http)
    started = time.perf_counter()
    ids = [building(http, auth, n, size, tenant_id) for n, size in enumerate(sizes, 1)]
    out["setupSeconds"] = time.perf_counter() - started
    print(f"  set up {len(ids)} buildings, {sum(sizes)} apartments in {out['setupSeconds']:.0f} s "
          "(organisation, buildings and charges through the API; apartments through the store)", flush=True)
    settle(stack)
    out["generation"] = phase(stack, http, auth, "generation", lambda: [
        http.post("/invoices/generate-bulk", headers=auth, json={"buildingId": b, **PERIOD}).json()["data"]["jobId"]
        for b in ids])
    out["sending"] = phase(stack, http, auth, "sending", lambda: [
        http.post("/invoices/send-bulk", headers=auth, json={"buildingId": b}).json()["data"]["jobId"]
        for b in ids])
    issued = [inv for b in ids for inv in invoices(http, auth, b)]
    out["invoices"], out["sent"] = len(issued), sum(1 for inv in issued if inv["status"] != "draft")
    paying = [inv for k, inv in enumerate(issued) if k % 10 != 9]
    out["paying"] = len(paying)
    background = "/bank-statements/uploads" in http.get("/openapi.json").text
    files = statements(paying, whole=background)
    out["statementFiles"] = len(files)
    out["reconciliation"] = phase(stack, http, auth, "reconciliation", lambda: [
        j for content in files for j in import_statement(http, auth, content, background)])
    out["paid"] = sum(1 for b in ids for inv in invoices(http, auth, b) if inv["status"] == "paid")
    out["mail"] = len(stack.mail())


def run(args: argparse.Namespace) -> dict[str, Any]:
    from local import template as tpl
    from tests.e2e.conftest import SERVER_ERROR, unexpected_errors

    root = Path(args.root).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="urbaneta-portfolio-"))
    stack = spawn(root, workdir)
    os.environ.update({k: v for k, v in stack.environments["InvoiceGenerationWorkerFunction"].items()
                       if k not in ("PATH", "LANG") and not k.startswith("PYTHON")})
    os.environ.update({"AWS_ENDPOINT_URL": stack.moto_url, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    out: dict[str, Any] = {"root": str(root), "buildings": args.buildings, "apartments": args.apartments,
                           "large": args.large,
                           "memoryMb": {logical: spec.memory for logical, spec in tpl.functions().items()}}
    try:
        month(stack, httpx.Client(base_url=stack.api_url, timeout=600), out,
              [args.apartments] * args.buildings + ([args.large] if args.large else []))
    except Exception as exc:  # what was measured is kept; the failure is reported with the stack's log
        out["failed"] = f"{type(exc).__name__}: {exc}"
        print(f"  FAILED: {out['failed']}", flush=True)
    finally:
        stack.stop()
    console = stack.log()
    out["logErrors"] = unexpected_errors(console)[:20]
    out["serverErrors"] = sum(1 for line in console.splitlines() if SERVER_ERROR.match(line))
    if out["logErrors"] or out["serverErrors"] or "failed" in out:
        print("\n".join(console.splitlines()[-40:]), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--buildings", type=int, default=500)
    parser.add_argument("--apartments", type=int, default=60)
    parser.add_argument("--large", type=int, default=4000)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    sys.path[:0] = [str(root / "layers" / "shared"), str(root)]  # `bench` is this checkout's, imported already
    result = run(args)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
