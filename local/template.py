"""Read template.yaml and resolve what the local stack needs from it: resources, function environments,
HTTP routes, queue settings, event rules and schedules. Nothing here is spelled twice: the template rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "eu-north-1"
ACCOUNT = "123456789012"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    return json.loads(json.dumps(load_yaml(TEMPLATE.read_text())))


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, Any]] = load()["Resources"]
    return {k: v for k, v in res.items() if kind is None or v["Type"] == kind}


@dataclass
class Names:
    """Physical names the local stack gives to the template's resources."""

    prefix: str = "urbaneta-local"
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> Ref value
    arns: dict[str, str] = field(default_factory=dict)  # logical id -> Arn
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    def ref(self, logical: str) -> str:
        if logical in self.parameters:
            return self.parameters[logical]
        if logical == "AWS::Region":
            return REGION
        if logical == "AWS::AccountId":
            return ACCOUNT
        if logical == "AWS::URLSuffix":
            return "amazonaws.com"
        if logical == "AWS::StackName":
            return self.prefix
        if logical == "AWS::Partition":
            return "aws"
        return self.physical.get(logical, f"{self.prefix}-{logical}")

    def get_att(self, logical: str, attr: str) -> str:
        if (logical, attr) in self.attrs:
            return self.attrs[(logical, attr)]
        if attr == "Arn":
            return self.arns.get(logical, f"arn:aws:local:{REGION}:{ACCOUNT}:{logical}")
        return self.ref(logical)


def default_parameters(overrides: dict[str, str] | None = None) -> dict[str, str]:
    params = {k: str(v.get("Default", "")) for k, v in load().get("Parameters", {}).items()}
    params.update(overrides or {})
    return params


def resolve(value: Any, names: Names) -> Any:
    """A small evaluator of the intrinsic functions the template uses."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        return {k: resolve(v, names) for k, v in value.items()}
    (fn, arg), = value.items()
    if fn == "Ref":
        return names.ref(arg)
    if fn == "Fn::GetAtt":
        logical, attr = arg.split(".", 1) if isinstance(arg, str) else arg
        return names.get_att(logical, attr)
    if fn == "Fn::Sub":
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], names))

        def sub(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in extra:
                return str(extra[token])
            if "." in token:
                logical, attr = token.split(".", 1)
                return names.get_att(logical, attr)
            return names.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", sub, text)
    if fn == "Fn::If":
        cond, yes, no = arg
        return resolve(yes if condition(cond, names) else no, names)
    if fn == "Fn::Join":
        sep, parts = arg
        return sep.join(str(p) for p in resolve(parts, names))
    if fn == "Fn::Select":
        idx, items = arg
        return resolve(items, names)[int(idx)]
    if fn == "Fn::Equals":
        a, b = resolve(arg, names)
        return a == b
    if fn == "Fn::Not":
        return not resolve(arg[0], names)
    return {k: resolve(v, names) for k, v in value.items()}


def condition(name: str, names: Names) -> bool:
    cond = load().get("Conditions", {}).get(name)
    return bool(resolve(cond, names)) if cond is not None else False


def function_environment(logical: str, names: Names) -> dict[str, str]:
    """Globals' variables overlaid with the function's own, resolved."""
    glob = load().get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = resources()[logical]["Properties"].get("Environment", {}).get("Variables", {})
    env = {**glob, **own}
    return {k: str(resolve(v, names)) for k, v in env.items()}


# ---------------------------------------------------------------- local stack: functions and their events

FUNCTION = "AWS::Serverless::Function"
_FRAGMENT_DIRS: dict[str, Path] = {}  # logical id of a resource added by a fragment -> the fragment's folder


def add_fragment(path: Path | str) -> list[str]:
    """Merge another template's Resources into the loaded one (the e2e probes use this). CodeUri and
    ContentUri of the fragment's resources are relative to the fragment's folder, as SAM reads them."""
    fragment_path = Path(path).resolve()
    fragment = json.loads(json.dumps(load_yaml(fragment_path.read_text())))
    res = load()["Resources"]
    added = []
    for logical, body in fragment.get("Resources", {}).items():
        if logical in res:
            raise ValueError(f"{fragment_path}: resource {logical} already exists in the template")
        res[logical] = body
        _FRAGMENT_DIRS[logical] = fragment_path.parent
        added.append(logical)
    return added


def kebab(logical: str) -> str:
    """OverdueSweepFunction -> overdue-sweep-function; HTTPApiFunction -> http-api-function."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", logical))
    return words.replace("_", "-").lower()


@dataclass(frozen=True)
class HttpRoute:
    function: str  # logical id
    method: str  # "ANY" or an upper-case method
    path: str  # e.g. /api/buildings/{id}; "$default" for the default route


@dataclass(frozen=True)
class SqsSource:
    function: str
    event: str
    queue_arn: str
    batch_size: int
    window_seconds: int
    report_failures: bool
    enabled: bool
    max_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency: batches in flight at once


@dataclass(frozen=True)
class Target:
    """Something a rule delivers to: a function (invoked with the event) or a queue (sent the event)."""

    arn: str
    function: str | None = None  # logical id when the target is one of the template's functions
    input: str | None = None  # constant JSON text instead of the event
    input_path: str | None = None  # JSONPath ($.detail) of the part of the event to deliver
    input_transformer: dict[str, Any] | None = None


@dataclass(frozen=True)
class RuleSpec:
    """An event rule (AWS::Events::Rule, or a function's EventBridgeRule/CloudWatchEvent event)."""

    logical: str  # the rule's logical id (for function events: <Function><Event>)
    name: str  # physical rule name
    bus: str  # event bus name ("default" for the account's default bus)
    pattern: dict[str, Any]
    targets: tuple[Target, ...]
    enabled: bool


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule the local stack fires only on demand (POST /_local/schedules/{name})."""

    name: str  # Name property if set, else the function's logical id in kebab case
    aliases: tuple[str, ...]
    function: str
    expression: str
    kind: str  # "Schedule" (EventBridge rule) or "ScheduleV2" (EventBridge Scheduler)
    input: str | None
    enabled: bool


@dataclass(frozen=True)
class FunctionSpec:
    logical: str
    code_dir: Path
    module_file: Path
    handler_name: str
    timeout: int
    memory: int


def _globals_function() -> dict[str, Any]:
    glob: dict[str, Any] = load().get("Globals", {}).get("Function", {})
    return glob


def functions() -> dict[str, FunctionSpec]:
    out = {}
    glob = _globals_function()
    for logical, res in resources(FUNCTION).items():
        props = res.get("Properties", {})
        code_uri = props.get("CodeUri", glob.get("CodeUri", "."))
        base = _FRAGMENT_DIRS.get(logical, ROOT)
        code_dir = (base / str(code_uri)).resolve()
        handler = str(props.get("Handler", glob.get("Handler", "app.handler")))
        module_path, _, attr = handler.rpartition(".")
        out[logical] = FunctionSpec(
            logical=logical,
            code_dir=code_dir,
            module_file=code_dir / (module_path.replace(".", "/") + ".py"),
            handler_name=attr,
            timeout=int(props.get("Timeout", glob.get("Timeout", 3))),
            memory=int(props.get("MemorySize", glob.get("MemorySize", 128))),
        )
    return out


def function_own_environment(logical: str, names: Names) -> dict[str, str]:
    """Only the variables the function declares itself (not Globals'), resolved."""
    own = resources()[logical]["Properties"].get("Environment", {}).get("Variables", {})
    return {k: str(resolve(v, names)) for k, v in own.items()}


def _events(logical: str) -> dict[str, dict[str, Any]]:
    evs: dict[str, dict[str, Any]] = resources()[logical].get("Properties", {}).get("Events", {}) or {}
    return evs


def http_routes() -> list[HttpRoute]:
    routes = []
    for logical in resources(FUNCTION):
        for ev in _events(logical).values():
            if ev.get("Type") != "HttpApi":
                continue
            props = ev.get("Properties") or {}
            path, method = props.get("Path"), props.get("Method")
            if path is None and method is None:
                routes.append(HttpRoute(logical, "ANY", "$default"))
            else:
                routes.append(HttpRoute(logical, str(method or "ANY").upper(), str(path or "/")))
    return routes


def sqs_sources(names: Names) -> list[SqsSource]:
    out = []
    for logical in resources(FUNCTION):
        for ev_name, ev in _events(logical).items():
            if ev.get("Type") != "SQS":
                continue
            props = ev.get("Properties") or {}
            out.append(SqsSource(
                function=logical,
                event=ev_name,
                queue_arn=str(resolve(props["Queue"], names)),
                batch_size=int(props.get("BatchSize", 10)),
                window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                enabled=bool(resolve(props.get("Enabled", True), names)),
                max_concurrency=_optional_int((props.get("ScalingConfig") or {}).get("MaximumConcurrency"), names),
            ))
    return out


def _optional_int(value: Any, names: Names) -> int | None:
    if value is None:
        return None
    resolved = resolve(value, names)
    return int(resolved) if str(resolved).strip() not in ("", "-1") else None


def reserved_concurrency(names: Names) -> dict[str, int]:
    """Each function's ReservedConcurrentExecutions, where the template (or its Globals) sets one."""
    glob = _globals_function().get("ReservedConcurrentExecutions")
    out = {}
    for logical, res in resources(FUNCTION).items():
        value = _optional_int((res.get("Properties") or {}).get("ReservedConcurrentExecutions", glob), names)
        if value is not None:
            out[logical] = value
    return out


def function_arn(logical: str, names: Names) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{names.prefix}-{logical}"


def _bus_name(value: Any, names: Names) -> str:
    """A bus named by name or ARN (EventBusName accepts both); absent means the default bus."""
    if value is None:
        return "default"
    text = str(resolve(value, names))
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _state_enabled(props: dict[str, Any], names: Names) -> bool:
    if "Enabled" in props:
        return bool(resolve(props["Enabled"], names))
    return str(resolve(props.get("State", "ENABLED"), names)).upper() == "ENABLED"


def _json_text(value: Any, names: Names) -> str | None:
    if value is None:
        return None
    resolved = resolve(value, names)
    return resolved if isinstance(resolved, str) else json.dumps(resolved)


def _function_for_arn(arn: str, names: Names) -> str | None:
    for logical in resources(FUNCTION):
        if arn in (function_arn(logical, names), names.get_att(logical, "Arn")):
            return logical
    return None


def rules(names: Names) -> list[RuleSpec]:
    """Every pattern rule: AWS::Events::Rule resources with an EventPattern, and function events of type
    EventBridgeRule / CloudWatchEvent (SAM makes a rule targeting the function)."""
    out = []
    for logical, res in resources("AWS::Events::Rule").items():
        props = res.get("Properties", {})
        if "EventPattern" not in props:
            continue
        targets = []
        for t in props.get("Targets", []):
            arn = str(resolve(t["Arn"], names))
            targets.append(Target(
                arn=arn,
                function=_function_for_arn(arn, names),
                input=_json_text(t.get("Input"), names),
                input_path=t.get("InputPath"),
                input_transformer=resolve(t.get("InputTransformer"), names),
            ))
        name = str(resolve(props.get("Name", f"{names.prefix}-{logical}"), names))
        out.append(RuleSpec(logical, name, _bus_name(props.get("EventBusName"), names),
                            resolve(props["EventPattern"], names), tuple(targets), _state_enabled(props, names)))
    for fn in resources(FUNCTION):
        for ev_name, ev in _events(fn).items():
            if ev.get("Type") not in ("EventBridgeRule", "CloudWatchEvent"):
                continue
            props = ev.get("Properties") or {}
            logical = f"{fn}{ev_name}"
            target = Target(
                arn=function_arn(fn, names),
                function=fn,
                input=_json_text(props.get("Input"), names),
                input_path=props.get("InputPath"),
                input_transformer=resolve(props.get("InputTransformer"), names),
            )
            name = str(resolve(props.get("RuleName", f"{names.prefix}-{logical}"), names))
            out.append(RuleSpec(logical, name, _bus_name(props.get("EventBusName"), names),
                                resolve(props.get("Pattern", {}), names), (target,), _state_enabled(props, names)))
    return out


def schedules(names: Names) -> list[ScheduleSpec]:
    """Function events of type Schedule / ScheduleV2, and AWS::Events::Rule resources with a
    ScheduleExpression that target a function."""
    out = []
    for fn in resources(FUNCTION):
        sched = [(n, e) for n, e in _events(fn).items() if e.get("Type") in ("Schedule", "ScheduleV2")]
        for ev_name, ev in sched:
            props = ev.get("Properties") or {}
            default = kebab(fn) if len(sched) == 1 else f"{kebab(fn)}-{kebab(ev_name)}"
            name = str(resolve(props["Name"], names)) if props.get("Name") else default
            aliases = {default, kebab(ev_name)}
            if default.endswith("-function"):
                aliases.add(default.removesuffix("-function"))
            if fn.endswith("Function") and len(sched) > 1:
                aliases.add(f"{kebab(fn.removesuffix('Function'))}-{kebab(ev_name)}")
            aliases.discard(name)
            expression = props.get("Schedule", props.get("ScheduleExpression", ""))
            out.append(ScheduleSpec(name, tuple(sorted(aliases)), fn, str(resolve(expression, names)),
                                    str(ev["Type"]), _json_text(props.get("Input"), names),
                                    _state_enabled(props, names)))
    for logical, res in resources("AWS::Events::Rule").items():
        props = res.get("Properties", {})
        if "ScheduleExpression" not in props:
            continue
        for t in props.get("Targets", []):
            target_fn = _function_for_arn(str(resolve(t["Arn"], names)), names)
            if target_fn is None:
                continue
            name = str(resolve(props["Name"], names)) if props.get("Name") else kebab(logical)
            expression = str(resolve(props["ScheduleExpression"], names))
            out.append(ScheduleSpec(name, (kebab(target_fn),), target_fn, expression, "Schedule",
                                    _json_text(t.get("Input"), names), _state_enabled(props, names)))
    return out
