"""Portfolio: a management company's month on the local stack with AWS's limits enforced: N buildings of M
apartments plus one large building (default 500 x 60 + 4,000; ``BENCH_QUICK=1``: 20 x 60 + 400; or
``--buildings --apartments --large``), generated, sent and reconciled as the product runs them (see
``bench/portfolio_run.py``: setting up writes the apartments through the store, not through HTTP).

Printed per invoice: DynamoDB calls and capacity units (write units by item size, per table and per index the
item is projected to: ``local/capacity.py``; read units from the items answered), Lambda invocations, SQS and
EventBridge requests, S3 requests, SES sends, and the modelled cost of 10,000 invoices with and without e-mail
(prices of ``bench/bench_cost.py``). The run fails on any 5xx, job error, function error or error in the stack's
log.

Baseline: the same benchmark against the code before issue 19's batching work (a checkout at
``BENCH_BASELINE``, default /tmp/before-19: ``git worktree add --detach /tmp/before-19 7bf3e6f``), run in
alternating order with this checkout (``--rounds``), at the quick size unless ``--baseline-full``: ratios are
this checkout's figure over the baseline's. Each run's counts are kept in .local/bench/portfolio-runs/;
``--from-runs <json>...`` reports saved runs again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_cost import PRICE
from bench.common import RESULTS, ROOT, Figure, quick, report

PHASES = ("generation", "sending", "reconciliation")
LAMBDA_GB_S = PRICE["lambda_gb_s"]


def _one(root: Path, sizes: tuple[int, int, int]) -> dict[str, Any]:
    """One run in a child process; its result is kept under .local/bench/portfolio-runs/ as well."""
    kept = RESULTS / "portfolio-runs"
    kept.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkstemp(prefix="portfolio-", suffix=".json", dir=kept)[1])
    print(f"\n-- {root}: {sizes[0]} x {sizes[1]} + {sizes[2]} apartments", flush=True)
    code = subprocess.call([sys.executable, "-m", "bench.portfolio_run", "--root", str(root), "--out", str(out),
                            "--buildings", str(sizes[0]), "--apartments", str(sizes[1]), "--large", str(sizes[2])],
                           cwd=ROOT)
    if code:
        return {"root": str(root), "failed": f"exit {code}"}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _sum(counts: dict[str, float], prefix: str = "", exclude: tuple[str, ...] = ()) -> float:
    return sum(v for k, v in counts.items() if k.startswith(prefix) and not any(x in k for x in exclude))


def s3_put(aws: dict[str, float]) -> float:
    """S3 requests priced as PUTs (PUT, POST, COPY, LIST: the local stack counts S3 by HTTP method, so a LIST is
    under GET and priced as one); GET and HEAD are the cheaper tier, DELETE is free."""
    return _sum(aws, "s3:", exclude=("s3:GET", "s3:HEAD", "s3:DELETE"))


def figures(run: dict[str, Any]) -> dict[str, float]:
    """Per-invoice figures of one run (per invoice generated unless named per invoice sent or paid)."""
    n = max(1, run.get("invoices", 0))
    f: dict[str, float] = {}
    total: dict[str, float] = dict.fromkeys(("ddb", "wcu", "rru", "lambda", "events", "put_events", "s3", "s3_get",
                                             "s3_put", "sqs", "ses"), 0.0)
    gb_s = 0.0
    for name in [p for p in PHASES if p in run]:  # a failed run has the phases it finished
        c = run[name]["counts"]
        per = max(1, {"generation": run.get("invoices", 0), "sending": run.get("sent", 0),
                      "reconciliation": run.get("paid", 0)}[name])
        calls = _sum(c["aws"], "dynamodb:")
        f[f"{name}: DynamoDB calls per invoice"] = calls / per
        f[f"{name}: Lambda invocations per invoice"] = _sum(c["invocations"]) / per
        f[f"{name}: write units per invoice"] = _sum(c["units"], exclude=("read", "events")) / per
        for key, value in {
            "ddb": calls, "wcu": _sum(c["units"], exclude=("read", "events")), "rru": c["units"].get("read", 0),
            "lambda": _sum(c["invocations"]), "events": c["units"].get("events", 0),
            "put_events": c["aws"].get("events:PutEvents", 0), "s3": _sum(c["aws"], "s3:"),
            "s3_get": _sum(c["aws"], "s3:GET") + _sum(c["aws"], "s3:HEAD"), "s3_put": s3_put(c["aws"]),
            "sqs": _sum(c["aws"], "sqs:") + _sum(c["stackAws"], "sqs:", exclude=("ReceiveMessage", "GetQueue")),
            "ses": _sum(c["aws"], "ses", exclude=("Get", "List", "Verify")),
        }.items():
            total[key] = total.get(key, 0) + value
        gb_s += sum(ms / 1000 * run["memoryMb"].get(fn, 128) / 1024 for fn, ms in c["busyMs"].items())
    f.update({"DynamoDB calls per invoice": total["ddb"] / n, "write units per invoice": total["wcu"] / n,
              "read units per invoice": total["rru"] / n, "Lambda invocations per invoice": total["lambda"] / n,
              "SQS requests per invoice": total["sqs"] / n, "PutEvents calls per invoice": total["put_events"] / n,
              "events per invoice": total["events"] / n, "S3 requests per invoice": total["s3"] / n,
              "SES sends per invoice": total["ses"] / n, "Lambda GB-s per invoice (emulator)": gb_s / n})
    scale = 10_000 / n
    requests = (total["wcu"] * PRICE["wru"] + total["rru"] * PRICE["rru"] + total["lambda"] * PRICE["lambda_request"]
                + total["sqs"] * PRICE["sqs_request"] + total["events"] * PRICE["event"]
                + total["s3_get"] * PRICE["s3_get"] + total["s3_put"] * PRICE["s3_put"])
    f["USD per 10k invoices, no e-mail, no Lambda time"] = requests * scale
    f["USD per 10k invoices, without e-mail"] = (requests + gb_s * LAMBDA_GB_S) * scale
    f["USD per 10k invoices, with e-mail"] = f["USD per 10k invoices, without e-mail"] + total["ses"] * scale * \
        PRICE["ses_email"]
    return f


def problems(run: dict[str, Any]) -> list[str]:
    found = [run["failed"]] if "failed" in run else []
    found += [f"{run['serverErrors']} answers of 5xx"] if run.get("serverErrors") else []
    found += [f"log: {line}" for line in run["logErrors"]]
    for name in [p for p in PHASES if p in run]:
        found += [f"{name} job: {e}" for e in run[name]["jobErrors"]]
        found += [f"{name}: {fn} failed {n} times" for fn, n in run[name]["counts"]["errors"].items()]
    if run.get("paid") != run.get("paying"):
        found.append(f"{run.get('paid')} invoices paid of the {run.get('paying')} the statement pays")
    if run.get("sent") != run.get("invoices"):
        found.append(f"{run['sent']} invoices sent of {run['invoices']}")
    return found


GOALS = {"sending: DynamoDB calls per invoice": "<= 1.5", "generation: Lambda invocations per invoice": "<= 0.05",
         "USD per 10k invoices, without e-mail": "<= 0.10"}


def main() -> int:
    parser = argparse.ArgumentParser()
    small = quick()
    parser.add_argument("--buildings", type=int, default=20 if small else 500)
    parser.add_argument("--apartments", type=int, default=60)
    parser.add_argument("--large", type=int, default=400 if small else 4000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline-full", action="store_true", help="run the baseline at the full size too")
    parser.add_argument("--from-runs", nargs="*", default=[],
                        help="report runs saved before (their JSON) instead of running: this checkout's and the "
                             "baseline's told apart by their root")
    args = parser.parse_args()
    sizes = (args.buildings, args.apartments, args.large)
    baseline = Path(os.environ.get("BENCH_BASELINE", "/tmp/before-19"))
    base_sizes = sizes if (small or args.baseline_full) else (20, 60, 400)
    runs: dict[str, list[dict[str, Any]]] = {"subject": [], "baseline": []}
    for saved in args.from_runs:
        run = json.loads(Path(saved).read_text())
        runs["subject" if Path(run["root"]).resolve() == ROOT else "baseline"].append(run)
        size = (run["buildings"], run["apartments"], run["large"])
        sizes, base_sizes = (size, base_sizes) if Path(run["root"]).resolve() == ROOT else (sizes, size)
    for r in range(0 if args.from_runs else args.rounds):
        order = [("subject", ROOT, sizes), ("baseline", baseline, base_sizes)]
        for which, root, size in (order if r % 2 == 0 else order[::-1]):
            if which == "baseline" and not (baseline / "local").is_dir():
                print(f"no baseline checkout at {baseline} (git worktree add --detach {baseline} 7bf3e6f)")
                continue
            runs[which].append(_one(root, size))
    failures = [p for run in runs["subject"] for p in problems(run)]
    subject = [figures(run) for run in runs["subject"] if "generation" in run]
    base = [figures(run) for run in runs["baseline"] if "generation" in run]
    for run in runs["baseline"]:  # the code before the work may fail where this one must not: shown, not fatal
        for p in problems(run):
            print(f"baseline: {p}")
    for p in failures:
        print(f"ERROR: {p}")
    if not subject:
        return 1
    runs["subject"] = [run for run in runs["subject"] if "generation" in run]
    mean = {k: sum(s.get(k, 0) for s in subject) / len(subject) for k in subject[0]}
    base_mean = {k: sum(s.get(k, 0) for s in base) / len(base) for k in base[0]} if base else {}
    same = base_sizes == sizes
    invoices = runs["subject"][0].get("invoices")
    print(f"\nper invoice, {sizes[0]} x {sizes[1]} + {sizes[2]} apartments ({invoices} invoices)"
          + (f"; baseline {base_sizes[0]} x {base_sizes[1]} + {base_sizes[2]}" if base else "; no baseline")
          + ("" if same or not base else " (a smaller portfolio: per-invoice figures only)"))
    report("portfolio", [Figure("portfolio", k, v, "per invoice" if "USD" not in k else "USD",
                                base_mean.get(k), GOALS.get(k, "")) for k, v in mean.items()])
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
