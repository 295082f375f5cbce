"""Cold start against the floor, with the layer's dependencies only.

Each function is measured in a fresh interpreter of a virtualenv holding exactly ``layers/shared/requirements.txt``
(what the layer ships) and boto3 at the version Lambda's Python runtime bundles (``LAMBDA_BOTO3``): not the dev
venv, whose ``awscrt`` and ``pyOpenSSL`` (pulled in by dev tools) load with botocore and inflate every figure.
The venv is built once under ``.local/layer-venv`` (rebuilt when the requirements change; never committed).
Our package and the functions are compiled first, as the layer ships them (``layers/shared/Makefile``;
``bench_layer_bytecode`` measures what that saves).

Two figures per function, measured alternately with two references in the same run:
- import: loading the function's module (what Lambda's init runs), against a bare Powertools hello world
  (goal: at most 2.5x);
- import + first request: the module, then one authenticated GET of its first list route (a real token, the
  local emulator behind ``AWS_ENDPOINT_URL``), against the floor: Powertools with request validation of a
  pydantic body, boto3 and one GetItem (goal: at most 1.35x). Workers and scheduled functions get no request
  (their first event needs a job): their import is measured only.

``python -X importtime`` of the slowest function's import is summarised (the largest own costs), to show where
its time goes. ``BENCH_RUNS`` sets the runs (default 7; quick 3). ``BENCH_AGAINST=<another checkout>`` compares
each function with itself in that checkout instead (each with its own package; ``BENCH_FUNCTIONS`` narrows)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    dynamodb = boto3.client("dynamodb")

    @app.post("/hello")
    def hello(body: Annotated[Hello, Body()]):
        import os
        dynamodb.get_item(TableName=os.environ["TABLE_NAME"], Key={"PK": {"S": body.name}, "SK": {"S": "x"}})
        return {"hello": body.name}

    def handler(event, context):
        return app.resolve(event, context)
    """
)

LAMBDA_BOTO3 = "1.40.4"  # boto3 and botocore in Lambda's python3.11 runtime (the runtimes page of the Lambda docs)
VENV = ROOT / ".local" / "layer-venv"

PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    sys.path[:0] = [{layer!r}, {code!r}]

    class Context:
        function_name = "probe"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:probe"
        memory_limit_in_mb = 512
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        log_group_name = log_stream_name = "probe"
        def get_remaining_time_in_millis(self):
            return 29000

    start = time.perf_counter()
    spec = importlib.util.spec_from_file_location("fn", {path!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded = time.perf_counter()
    event = {event!r}
    status = getattr(module, {handler!r})(json.loads(event), Context()).get("statusCode") if event else None
    print(json.dumps({{"import": loaded - start, "first": time.perf_counter() - start, "status": status}}))
    """
)


def layer_python() -> Path:
    """The layer's virtualenv (built once, again when the requirements change): its python."""
    import hashlib

    requirements = ROOT / "layers" / "shared" / "requirements.txt"
    stamp = hashlib.sha256(requirements.read_bytes() + LAMBDA_BOTO3.encode()).hexdigest()
    python, stamp_file = VENV / "bin" / "python", VENV / ".stamp"
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return python
    print(f"building {VENV} (the layer's requirements and boto3 {LAMBDA_BOTO3})", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements),
                    f"boto3=={LAMBDA_BOTO3}", f"botocore=={LAMBDA_BOTO3}"], check=True)
    stamp_file.write_text(stamp)
    return python


@dataclass
class World:
    """The emulator with the template's resources, a signed-in manager's token, each function's environment."""

    emulator: Any
    token: str
    building_id: str
    environments: dict[str, dict[str, str]]


def world() -> World:
    import boto3

    from local import template as tpl
    from local.emulator import EmulatorServer
    from local.provision import provision
    from local.stack import function_environment

    emulator = EmulatorServer("127.0.0.1", 0).start()
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                    region_name=tpl.REGION)
    names = provision(session, prefix="urbaneta-cold", endpoint_url=emulator.url)
    extra = {"STAGE": "local", "AWS_ENDPOINT_URL": emulator.url, "POWERTOOLS_LOG_LEVEL": "ERROR",
             "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    envs = {logical: function_environment(logical, names, spec, extra) for logical, spec in tpl.functions().items()}
    os.environ.update({k: v for k, v in envs["BuildingsFunction"].items() if k not in ("PATH", "LANG")})
    from tests.conftest import new_caller
    from tests.integration.invoicing_helpers import new_building
    from urbaneta.adapters.aws import reset_clients

    reset_clients()
    manager = new_caller("manager")
    return World(emulator, manager.token, new_building(manager)["id"], envs)


def first_request(logical: str, w: World) -> dict[str, Any] | None:
    """One authenticated GET of the function's main list route (None for functions behind no route)."""
    from local import template as tpl

    paths = [r.path.replace("/{proxy+}", "") for r in tpl.http_routes() if r.function == logical]
    if not paths:
        return None
    path = FIRST.get(logical) or sorted(paths, key=lambda p: ("{" in p, len(p)))[0]
    return _event("GET", path.format(building=w.building_id), w.token)


FIRST = {"AuthFunction": "/api/api-keys", "AccountsFunction": "/api/reports/debtors?buildingId={building}",
         "DocsFunction": "/api/openapi.json", "InvoicesFunction": "/api/invoices", "PaymentsFunction": "/api/payments",
         "MetersFunction": "/api/meters?buildingId={building}"}


def _event(method: str, path: str, token: str, body: str | None = None) -> dict[str, Any]:
    import json

    event: dict[str, Any] = json.loads((ROOT / "events" / "api" / "base.json").read_text())
    path, _, query = path.partition("?")
    if query:
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(pair.split("=", 1) for pair in query.split("&"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        event["body"] = body
    return event


def probe(python: Path, env: dict[str, str], path: Path, handler: str, event: dict[str, Any] | None,
          root: Path = ROOT) -> dict[str, float]:
    """One cold start of ``path`` with the package of the checkout ``root``: its import, then ``event``."""
    import json

    code = PROBE.format(layer=str(root / "layers" / "shared"), code=str(path.parent), path=str(path),
                        handler=handler, event=json.dumps(event) if event else "")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise RuntimeError(f"{path}: {out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(python: Path, w: World, runs: int) -> tuple[list[Figure], dict[str, float]]:
    """Every function and both references, alternating within each run; medians."""
    from local import template as tpl

    env = w.environments["BuildingsFunction"]
    hello, floor = ROOT / ".local" / "hello_app.py", ROOT / ".local" / "floor_app.py"
    hello.parent.mkdir(parents=True, exist_ok=True)
    hello.write_text(HELLO)
    floor.write_text(REALISTIC)
    subjects: dict[str, tuple[Path, str, dict[str, str], dict[str, Any] | None]] = {
        "hello": (hello, "handler", env, _event("GET", "/hello", w.token)),
        "floor": (floor, "handler", env, _event("POST", "/hello", w.token, '{"name": "x"}'))}
    for logical, spec in sorted(tpl.functions().items()):
        subjects[logical] = (spec.code_dir / spec.module_file, spec.handler_name, w.environments[logical],
                             first_request(logical, w))
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in subjects}
    for r in range(runs):
        order = list(subjects) if r % 2 == 0 else list(subjects)[::-1]
        for name in order:
            path, handler, fenv, event = subjects[name]
            samples[name].append(probe(python, fenv, Path(path), handler, event))
    med = {name: {k: median([s[k] for s in got]) for k in ("import", "first")} for name, got in samples.items()}
    print("first requests answered: " + ", ".join(f"{n} {got[-1]['status']}" for n, got in samples.items()
                                                  if got[-1]["status"] is not None), flush=True)
    figures = []
    for name in subjects:
        if name in ("hello", "floor"):
            continue
        figures.append(Figure("cold_start", f"{name} import", med[name]["import"] * 1000, "ms",
                              med["hello"]["import"] * 1000, "<= 2.5x"))
        if subjects[name][3] is not None:
            figures.append(Figure("cold_start", f"{name} import + first request", med[name]["first"] * 1000, "ms",
                                  med["floor"]["first"] * 1000, "<= 1.35x"))
    figures.append(Figure("cold_start", "floor import + first request (vs hello)", med["floor"]["first"] * 1000,
                          "ms", med["hello"]["first"] * 1000, "(reference)"))
    return figures, {name: m["import"] for name, m in med.items()}


def importtime(python: Path, env: dict[str, str], path: Path, top: int = 8) -> list[tuple[int, str]]:
    """The modules with the largest own import time (microseconds) when ``path`` is loaded."""
    code = (f"import importlib.util, sys; sys.path[:0] = [{str(ROOT / 'layers' / 'shared')!r}, "
            f"{str(path.parent)!r}]; spec = importlib.util.spec_from_file_location('fn', {str(path)!r}); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)")
    out = subprocess.run([str(python), "-X", "importtime", "-c", code], capture_output=True, text=True, env=env)
    rows = []
    for line in out.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def ship_bytecode(python: Path, *roots: Path) -> None:
    """Compile the package and the functions as the layer ships them (``layers/shared/Makefile``): a cold start
    on Lambda never compiles our modules. Ordinary timestamp-checked bytecode, so an edited source is never
    shadowed by a stale file in a working tree."""
    for root in roots:
        subprocess.run([str(python), "-m", "compileall", "-q", str(root / "layers" / "shared" / "urbaneta"),
                        str(root / "functions")], check=True, capture_output=True)


def against(other: Path) -> None:
    """Each function here against the same function in another checkout (the commit before a change, from
    ``git worktree add`` or ``git archive``), each with its own checkout's package, alternating, in the layer venv:
    its import and, for an API function, its import + first request. ``BENCH_FUNCTIONS=A,B`` narrows the list."""
    from local import template as tpl

    python = layer_python()
    ship_bytecode(python, ROOT, other)
    wanted = {name for name in os.environ.get("BENCH_FUNCTIONS", "").split(",") if name}
    sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]
    w, figures = world(), []
    try:
        for logical, spec in sorted(tpl.functions().items()):
            here = spec.code_dir / spec.module_file
            there = other / here.relative_to(ROOT)
            if not there.exists() or (wanted and logical not in wanted):
                continue
            event = first_request(logical, w)
            got: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for i in range(3 if quick() else 11):
                pair = [("before", there, other), ("after", here, ROOT)]
                for name, path, root in pair if i % 2 == 0 else pair[::-1]:
                    got[name].append(probe(python, w.environments[logical], path, spec.handler_name, event, root))
            for key, label in (("import", "import"), ("first", "import + first request")):
                if key == "first" and event is None:
                    continue
                figures.append(Figure("cold_start", f"{logical} {label} vs {other.name}",
                                      median([g[key] for g in got["after"]]) * 1000, "ms",
                                      median([g[key] for g in got["before"]]) * 1000, "<= 1.0x"))
    finally:
        w.emulator.stop()
    report("cold_start_against", figures)


def main() -> None:
    if os.environ.get("BENCH_AGAINST"):
        against(Path(os.environ["BENCH_AGAINST"]).resolve())
        return
    sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]
    python = layer_python()
    ship_bytecode(python, ROOT)
    w = world()
    try:
        figures, imports = measure(python, w, int(os.environ.get("BENCH_RUNS", 3 if quick() else 7)))
    finally:
        w.emulator.stop()
    report("cold_start", figures)
    missed = [f for f in figures if f.goal.startswith("<=") and f.ratio and f.ratio > float(f.goal[3:-1])]
    print("\nmeeting their goals: " + ", ".join(sorted({f.name.split()[0] for f in figures if f.goal.startswith("<=")}
                                                      - {f.name.split()[0] for f in missed})))
    for f in missed:
        print(f"over its goal: {f.name} {f.ratio:.2f}x ({f.goal})")
    from local import template as tpl

    slowest = max((n for n in imports if n not in ("hello", "floor")), key=lambda n: imports[n])
    spec = tpl.functions()[slowest]
    print(f"largest own import costs of {slowest} (python -X importtime, layer venv):")
    for micros, module in importtime(python, w.environments[slowest], spec.code_dir / spec.module_file):
        print(f"  {micros / 1000:7.1f} ms  {module.strip()}")


if __name__ == "__main__":
    main()
