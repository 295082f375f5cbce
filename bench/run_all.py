"""`make bench`: run every benchmark in bench/ (each in its own process, so none warms another), then print
one table of every figure with its ratio against the baseline measured in the same run."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench.common import HEADER, RESULTS, ROOT, Figure


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for old in RESULTS.glob("*.json"):
        old.unlink()
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    failed = []
    for name in modules:
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=ROOT)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
        if code:
            failed.append(name)
    figures = []
    for path in sorted(RESULTS.glob("*.json")):
        figures += [Figure(**f) for f in json.loads(path.read_text())]
    print("\n" + HEADER)
    for fig in figures:
        print(fig.line())
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
