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
