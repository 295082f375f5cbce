"""The whole local stack: moto's server, the template's resources, the API, the pumps, the bus and the mailbox.

``start_stack()`` runs it in this process (``python -m local`` does). ``spawn_stack()`` runs it in a child
process and talks to it over HTTP, which is what the e2e tests use: a pytest worker also runs integration
tests with moto's in-process mock, whose backends and environment must not be shared with a running stack.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import template as tpl
from local.environments import DEFAULT_MAX_ENVIRONMENTS, IDLE_SECONDS
from local.template import ROOT, Names

log = logging.getLogger("local.stack")

SHARED_LAYER = ROOT / "layers" / "shared"
PREFIX = "urbaneta-local"

# What every invocation sees besides the template's variables: the emulator, never real AWS.
BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "",
    "AWS_REGION": tpl.REGION,
    "AWS_DEFAULT_REGION": tpl.REGION,
}
DEFAULT_ENV = {  # overridable from the shell
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    # with metrics disabled locally, Powertools warns on every invocation that it has none to publish
    "PYTHONWARNINGS": "ignore:No application metrics to publish",
}
# Set in the shell, these win over the template's values (e.g. POWERTOOLS_LOG_LEVEL=DEBUG make dev).
SHELL_WINS = ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT", "POWERTOOLS_DEV")
DEFAULT_POLLERS = 2  # batches of one queue in flight at once, unless ScalingConfig.MaximumConcurrency says


class StackClient:
    """What tests and tools use, in or out of process: the URLs and the local-only endpoints."""

    base_url: str  # http://127.0.0.1:PORT (the API is under /api)
    moto_url: str

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        import httpx

        response = httpx.request(method, f"{self.base_url}{path}", json=body, timeout=60)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def mail(self) -> list[dict[str, Any]]:
        """Every e-mail sent so far, oldest first (``GET /_local/mail``)."""
        data: list[dict[str, Any]] = self._request("GET", "/_local/mail")["data"]
        return data

    def clear_mail(self) -> None:
        self._request("DELETE", "/_local/mail")

    def fire_schedule(self, name: str, time: str | None = None) -> Any:
        """Run a scheduled function now (``POST /_local/schedules/{name}``); returns the handler's result."""
        return self._request("POST", f"/_local/schedules/{name}", {"time": time} if time else None)["data"]

    def stats(self) -> dict[str, Any]:
        """AWS calls, invocations, environments and memory so far (``GET /_local/stats``)."""
        data: dict[str, Any] = self._request("GET", "/_local/stats")["data"]
        return data


@dataclass
class Stack(StackClient):
    """A stack running in this process."""

    base_url: str
    moto_url: str
    names: Names
    stop_callbacks: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    functions: Any = None  # local.environments.Functions
    emulator: Any = None  # local.emulator.EmulatorServer
    api: Any = None  # local.server.LocalApi
    function_log: Path | None = None
    seed_report: Any = None  # local.seed.SeedReport when started with seed=True

    def stop(self) -> None:
        while self.stop_callbacks:
            callback = self.stop_callbacks.pop()
            try:
                callback()
            except Exception:
                log.exception("stopping %s failed", getattr(callback, "__qualname__", callback))


def function_environment(logical: str, names: Names, spec: Any, extra: dict[str, str]) -> dict[str, str]:
    """Exactly what the function's environment holds on Lambda: the template's variables (Globals overlaid
    with its own), the variables Lambda itself sets, and the emulator's endpoint and credentials."""
    name = f"{PREFIX}-{logical}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",  # log lines reach the stack as they are written
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "_HANDLER": f"{spec.module_file.stem}.{spec.handler_name}",
        **BASE_ENV,
        **DEFAULT_ENV,
        **tpl.function_environment(logical, names),
        **extra,
    }
    return env


def start_stack(port: int = 0, *, seed: bool = False, moto_port: int = 0, host: str = "127.0.0.1",
                fragments: Sequence[str | Path] = (), parameters: dict[str, str] | None = None,
                log_dir: Path | None = None, verbose: bool = False,
                max_environments: int = DEFAULT_MAX_ENVIRONMENTS, aws_latency_ms: float = 0,
                idle_seconds: float = IDLE_SECONDS) -> Stack:
    """Start everything on ``host``; port 0 takes a free port (for the API, and for moto's server)."""
    import boto3

    from local.bus import Bus, Schedules, complete_moto_events
    from local.console import FunctionOutput
    from local.emulator import STACK_ACCESS_KEY, EmulatorServer
    from local.environments import Functions
    from local.provision import provision
    from local.pumps import SqsPump
    from local.router import Route, Router
    from local.server import HttpServer, LocalApi

    for fragment in fragments:
        tpl.add_fragment(fragment)
    from_shell = {k: os.environ[k] for k in SHELL_WINS if os.environ.get(k)}
    complete_moto_events()
    if moto_port:
        _ensure_free(host, moto_port)
    stops: list[Any] = []
    emulator = EmulatorServer(host, moto_port, latency_ms=aws_latency_ms).start()
    stops.append(emulator.stop)
    moto_url = emulator.url
    output = FunctionOutput(log_dir or ROOT / ".local" / "logs", verbose=verbose)
    stops.append(output.close)
    try:
        # the API's port is bound first: the functions' PUBLIC_BASE_URL names it
        app_holder: list[Any] = []
        http = HttpServer(lambda env, start: app_holder[0](env, start), host, port)
        base_url = f"http://{host}:{http.port}"
        stops.append(http.stop)

        session = boto3.session.Session(aws_access_key_id=STACK_ACCESS_KEY, aws_secret_access_key="local",
                                        region_name=tpl.REGION)
        names = provision(session, prefix=PREFIX, parameters=parameters, endpoint_url=moto_url)
        specs = tpl.functions()
        extra = {"STAGE": "local", "AWS_ENDPOINT_URL": moto_url, **from_shell}
        if not (parameters or {}).get("PublicBaseUrl"):
            extra["PUBLIC_BASE_URL"] = f"{base_url}/api"
        envs = {logical: function_environment(logical, names, spec, extra) for logical, spec in specs.items()}
        functions = Functions(specs, envs, layers=[SHARED_LAYER], limits=tpl.reserved_concurrency(names),
                              default_limit=max_environments, on_output=output)
        stops.append(functions.close)
        router = Router(Route.of(r.method, r.path, r.function) for r in tpl.http_routes())
        schedules = Schedules(tpl.schedules(names), functions, PREFIX)
        from botocore.config import Config

        kw = {"region_name": tpl.REGION, "endpoint_url": moto_url,
              "config": Config(max_pool_connections=64)}  # every pump and relay shares these clients
        sqs, events = session.client("sqs", **kw), session.client("events", **kw)  # type: ignore[call-overload]
        warnings: list[str] = []

        urls = {names.arns[q]: names.physical[q] for q in tpl.resources("AWS::SQS::Queue")}
        pumps: list[SqsPump] = []
        for source in tpl.sqs_sources(names):
            if not source.enabled:
                continue
            if source.queue_arn not in urls:
                warnings.append(f"{source.function}.{source.event}: no queue {source.queue_arn} in the template")
                continue
            pumps.append(SqsPump(
                sqs=sqs, queue_url=urls[source.queue_arn], queue_arn=source.queue_arn,
                handler=_invoker(functions, source.function), batch_size=source.batch_size,
                window_seconds=source.window_seconds, report_failures=source.report_failures,
                name=f"{source.function}.{source.event}",
                concurrency=min(source.max_concurrency or DEFAULT_POLLERS, functions.limit(source.function)),
            ))
        bus = Bus(sqs=sqs, events=events, functions=functions, names=names)
        bus.setup()

        from local.cors import CorsConfig

        origins = (parameters or {}).get("AllowedOrigins")  # the template's CORS, any origin unless overridden
        api = LocalApi(router=router, functions=functions, schedules=schedules, host=f"{host}:{http.port}",
                       emulator=emulator,
                       cors_config=CorsConfig.from_template({"AllowedOrigins": origins}) if origins else None)
        app_holder.append(api)
        http.start()
        for logical, error in functions.load_all().items():
            warnings.append(f"{logical} does not load: {error}")
        for pump in pumps:
            pump.start()
        all_pumps = [*pumps, *bus.start()]
        stops.append(lambda: _stop_pumps(all_pumps))
        functions.start_reaper(every=min(15.0, idle_seconds), idle_seconds=idle_seconds)
    except BaseException:
        for stop in reversed(stops):
            try:
                stop()
            except Exception:
                log.exception("cleanup after a failed start")
        raise
    stack = Stack(base_url=base_url, moto_url=moto_url, names=names, stop_callbacks=stops, warnings=warnings,
                  functions=functions, emulator=emulator, api=api, function_log=output.path)
    if seed:
        from local.seed import seed as run_seed

        try:
            stack.seed_report = run_seed(stack.api_url)
        except Exception as exc:  # the seed never takes the stack down
            log.exception("the seed failed")
            from local.seed import SeedReport

            stack.seed_report = SeedReport(warnings=[f"the seed stopped: {type(exc).__name__}: {exc}"])
    api.ready.set()
    return stack


def _ensure_free(host: str, port: int) -> None:
    """OSError (EADDRINUSE) when ``port`` is taken."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
        probe.bind((host, port))


def _invoker(functions: Any, logical: str) -> Any:
    def invoke(event: dict[str, Any]) -> Any:
        return functions.invoke(logical, event)

    return invoke


def _stop_pumps(pumps: list[Any]) -> None:
    for pump in pumps:
        pump.signal_stop()  # all of them at once: each finishes its long poll in parallel
    for pump in pumps:
        pump.stop()


# --------------------------------------------------------------------------------------------- child process


class StackProcess(StackClient):
    """A stack in a child process (``python -m local``), for the e2e tests."""

    def __init__(self, process: subprocess.Popen[bytes], ready: dict[str, Any], log_path: Path) -> None:
        self.process = process
        self.base_url = str(ready["baseUrl"])
        self.moto_url = str(ready["motoUrl"])
        self.log_path = log_path
        self.function_log_path = log_path.parent / "functions.log"
        self.environments: dict[str, dict[str, str]] = ready.get("environments", {})
        self._final_log: str | None = None
        self._final_function_log: str | None = None

    def stop(self, timeout: float = 15) -> int:
        """Stop the child (Ctrl-C, then kill after ``timeout``); returns its exit code. Its log stays readable."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGUSR1)  # its threads' stacks into the log, to see what held it
                time.sleep(1)
                self.process.kill()
                self.process.wait(timeout)
        if self._final_log is None:
            self._final_log = self.log()
            self._final_function_log = self.function_log()
            shutil.rmtree(self.log_path.parent, ignore_errors=True)
        return int(self.process.returncode)

    def log(self) -> str:
        """What the stack printed (its console)."""
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def function_log(self) -> str:
        """Every line the functions wrote, each after the name of the function that wrote it."""
        if self._final_function_log is not None:
            return self._final_function_log
        path = self.function_log_path
        return path.read_text(errors="replace") if path.exists() else ""


def spawn_stack(*, seed: bool = False, fragments: Sequence[str | Path] = (), timeout: float = 180,
                env: dict[str, str] | None = None, args: Sequence[str] = ()) -> StackProcess:
    """Start ``python -m local`` on free ports in a child process and wait until it is ready (every function
    loaded, the seed done)."""
    workdir = Path(tempfile.mkdtemp(prefix="urbaneta-stack-"))
    ready_file, log_path = workdir / "ready.json", workdir / "stack.log"
    cmd = [sys.executable, "-m", "local", "--port", "0", "--moto-port", "0", "--ready-file", str(ready_file),
           "--parent-pid", str(os.getpid()), "--log-dir", str(workdir), *args]
    if not seed:
        cmd.append("--no-seed")
    for fragment in fragments:
        cmd += ["--fragment", str(fragment)]
    child_env = {**os.environ, **(env or {})}
    child_env.pop("AWS_ENDPOINT_URL", None)
    child_env.pop("PORT", None)
    child_env.pop("MOTO_PORT", None)
    with log_path.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=child_env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready_file.exists():
            ready = json.loads(ready_file.read_text())
            return StackProcess(process, ready, log_path)
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.05)
    process.kill()
    raise TimeoutError(f"the local stack was not ready in {timeout} s:\n{log_path.read_text()[-4000:]}")
