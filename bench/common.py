"""Shared helpers of the benchmarks: medians, ratio lines, and the result table `make bench` prints."""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".local" / "bench"


@dataclass
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    baseline: float | None = None  # the baseline measured in the same run
    goal: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def line(self) -> str:
        ratio = f"{self.ratio:6.2f}x" if self.ratio is not None else "      -"
        base = f"{self.baseline:10.3f}" if self.baseline is not None else "         -"
        return f"{self.bench:<14} {self.name:<44} {self.value:10.3f} {base} {ratio}  {self.unit:<12} {self.goal}"


HEADER = f"{'bench':<14} {'figure':<44} {'value':>10} {'baseline':>10} {'ratio':>7}  {'unit':<12} goal"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(bench: str, figures: list[Figure]) -> None:
    """Print the figures and keep them for `make bench`'s summary table."""
    print(HEADER)
    for fig in figures:
        print(fig.line())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{bench}.json").write_text(json.dumps([asdict(f) for f in figures], indent=1))


def quick() -> bool:
    """BENCH_QUICK=1 shrinks workloads (a quick look at every benchmark: `BENCH_QUICK=1 make bench`)."""
    return os.environ.get("BENCH_QUICK") == "1"
