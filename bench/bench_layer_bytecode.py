"""Cold start with the layer as it ships: compiled bytecode against plain sources.

Lambda's /opt is read-only, and the default python builder unpacks wheels without compiling them, so a layer
without .pyc files compiles every module it imports on every cold start. `layers/shared/Makefile` ships
unchecked-hash bytecode. This benchmark builds the layer twice with that Makefile, for this machine's
platform, into `.local/bench-layer/` (once; delete the folder to rebuild): as built (bytecode) and with every
`__pycache__` removed (what the default builder ships). boto3, which Lambda's runtime provides, is installed
beside them, compiled, and used by both. Each function's module is imported in a fresh interpreter that sees
only the layer, boto3 and the standard library (`python -I -S`), the two layers alternating, so drift on a
noisy machine falls on both. Figures: import time with bytecode / without (goal: below 1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, Figure, median, quick, report

WORK = ROOT / ".local" / "bench-layer"
SHIPPED, SOURCES, RUNTIME = WORK / "bytecode", WORK / "sources", WORK / "runtime"

PROBE = """
import sys, time, importlib.util
sys.path[:0] = {paths!r}
start = time.perf_counter()
spec = importlib.util.spec_from_file_location('fn', {module!r})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(time.perf_counter() - start)
"""


def build() -> None:
    """Build both layers (skipped when they exist)."""
    if (SOURCES / "python" / "urbaneta").exists() and (RUNTIME / "boto3").exists():
        return
    shutil.rmtree(WORK, ignore_errors=True)
    platform = "manylinux2014_aarch64" if os.uname().machine == "aarch64" else "manylinux2014_x86_64"
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT / "layers" / "shared"), "build-SharedLayer",
                    f"ARTIFACTS_DIR={SHIPPED}", f"PIP_PLATFORM={platform}", f"PYTHON={sys.executable}"], check=True)
    shutil.copytree(SHIPPED, SOURCES)
    for cache in list((SOURCES / "python").rglob("__pycache__")):
        shutil.rmtree(cache)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(RUNTIME), "boto3"],
                   check=True)


def _environment() -> dict[str, str]:
    from urbaneta.settings import NEEDS

    return {"PATH": os.environ.get("PATH", ""), "POWERTOOLS_TRACE_DISABLED": "true", "AWS_REGION": "eu-north-1",
            "POWERTOOLS_SERVICE_NAME": "urbaneta", "POWERTOOLS_METRICS_NAMESPACE": "Urbaneta",
            **{name: "bench" for names in NEEDS.values() for name in names}}


def _import_time(layer: Path, module: Path, env: dict[str, str]) -> float:
    code = PROBE.format(paths=[str(layer / "python"), str(RUNTIME), str(module.parent)], module=str(module))
    # -B: as on Lambda, nothing is written next to the sources (-I ignores PYTHONDONTWRITEBYTECODE)
    out = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT / "layers" / "shared"))
    from local import functions as fns

    build()
    env = _environment()
    runs = 3 if quick() else 9
    figures = []
    for spec in sorted(fns.functions(), key=lambda s: s.logical_id):
        module = ROOT / spec.code_dir / spec.module_file
        if not spec.code_dir.startswith("functions/"):
            continue
        compiled: list[float] = []
        plain: list[float] = []
        for _ in range(runs):
            plain.append(_import_time(SOURCES, module, env))
            compiled.append(_import_time(SHIPPED, module, env))
        figures.append(Figure("layer_bytecode", f"{spec.logical_id} with bytecode", median(compiled) * 1000,
                              "ms import", median(plain) * 1000, "< 1x"))
    report("layer_bytecode", figures)


if __name__ == "__main__":
    main()
