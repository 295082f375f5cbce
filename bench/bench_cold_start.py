"""Cold start: the import time of each function's module (what Lambda pays on a cold start before the
first event) against a bare Powertools hello-world handler, both measured in fresh interpreters in the
same run. Goal: at most 1.3x the baseline.

``BENCH_AGAINST=<another checkout>`` compares each function with itself in that checkout instead."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bench.common import ROOT, Figure, median, quick, report

HELLO = textwrap.dedent(
    """
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    logger = Logger()
    app = APIGatewayHttpResolver()

    @app.get("/hello")
    def hello():
        return {"hello": "world"}

    def handler(event, context):
        return app.resolve(event, context)
    """
)

# The floor of any function here: Powertools with request validation of a pydantic body, and boto3 (every
# function talks to DynamoDB, so botocore is loaded during init, where Lambda gives the CPU a boost).
REALISTIC = textwrap.dedent(
    """
    import boto3
    from typing import Annotated
    from pydantic import BaseModel
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.openapi.params import Body
    logger = Logger()
    app = APIGatewayHttpResolver(enable_validation=True)

    class Hello(BaseModel):
        name: str

    @app.post("/hello")
    def hello(body: Annotated[Hello, Body()]):
        return {"hello": body.name}

    def handler(event, context):
        return app.resolve(event, context)
    """
)

PROBE = textwrap.dedent(
    """
    import sys, time, importlib.util
    sys.path[:0] = [{layer!r}, {root!r}]
    start = time.perf_counter()
    {load}
    print(time.perf_counter() - start)
    """
)


def _measure(load: str, runs: int, root: Path = ROOT) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_REGION": "eu-north-1",
           "PYDANTIC_DISABLE_PLUGINS": "__all__",
           "POWERTOOLS_SERVICE_NAME": "urbaneta", "POWERTOOLS_METRICS_NAMESPACE": "Urbaneta",
           # what the template gives every function (a function checks at import that its variables are set)
           **{name: os.environ.get(name, "bench") for names in _needs().values() for name in names}}
    code = PROBE.format(layer=str(root / "layers" / "shared"), root=str(root), load=load)
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return median(samples)


def _needs() -> dict[str, tuple[str, ...]]:
    layer = str(ROOT / "layers" / "shared")
    if layer not in sys.path:
        sys.path.insert(0, layer)
    from urbaneta.settings import NEEDS

    return NEEDS


def _load_module(path: Path) -> str:
    return (f"spec = importlib.util.spec_from_file_location('fn', {str(path)!r}); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)")


def against(other: Path) -> None:
    """Each API function's import time here against the same function in another checkout (for example the
    commit before a refactoring, from `git worktree add`), measured alternately in the same run."""
    from local import functions as fns

    runs = 3 if quick() else 11
    figures = []
    for spec in sorted(fns.functions(), key=lambda s: s.logical_id):
        here, there = ROOT / spec.code_dir / spec.module_file, other / spec.code_dir / spec.module_file
        if not there.exists() or not spec.code_dir.startswith("functions/"):
            continue
        before: list[float] = []
        after: list[float] = []
        for _ in range(runs):  # alternate, so that drift on a noisy machine falls on both
            before.append(_measure(_load_module(there), 1, other))
            after.append(_measure(_load_module(here), 1))
        figures.append(Figure("cold_start", f"{spec.logical_id} vs {other.name}", median(after) * 1000,
                              "ms import", median(before) * 1000, "<= 1.0x"))
    report("cold_start_against", figures)


def main() -> None:
    from local import functions as fns

    if os.environ.get("BENCH_AGAINST"):
        against(Path(os.environ["BENCH_AGAINST"]).resolve())
        return

    runs = 3 if quick() else 7
    load_hello = _loader("hello_app.py", HELLO)
    load_realistic = _loader("realistic_app.py", REALISTIC)
    figures = []
    specs = sorted(fns.functions(), key=lambda s: s.logical_id)
    for spec in specs:
        path = ROOT / spec.code_dir / spec.module_file
        load = _load_module(path)
        # baseline measured right beside each function, so drift on a noisy machine cancels out
        baseline = _measure(load_hello, runs)
        value = _measure(load, runs)
        figures.append(Figure("cold_start", spec.logical_id, value * 1000, "ms import", baseline * 1000, "<= 1.3x"))
    realistic, bare = _measure(load_realistic, runs), _measure(load_hello, runs)
    figures.append(Figure("cold_start", "floor: Powertools+validation+boto3", realistic * 1000, "ms import",
                          bare * 1000, "(reference)"))
    report("cold_start", figures)


def _loader(name: str, source: str) -> str:
    path = ROOT / ".local" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return (f"spec = importlib.util.spec_from_file_location('probe', {str(path)!r}); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)")


if __name__ == "__main__":
    main()
