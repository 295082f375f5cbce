"""The template's functions as Python modules: which exist, where their code is, and loading them."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from local import template as tpl


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: str  # e.g. "functions/buildings/"
    handler: str  # e.g. "app.handler"
    properties: dict[str, Any]

    @property
    def module_file(self) -> str:
        return self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py"

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    def events(self, kind: str) -> dict[str, dict[str, Any]]:
        return {n: e.get("Properties", {}) for n, e in self.properties.get("Events", {}).items() if e["Type"] == kind}


def functions() -> list[FunctionSpec]:
    glob = tpl.load().get("Globals", {}).get("Function", {})
    out = []
    for logical, res in tpl.resources("AWS::Serverless::Function").items():
        props = res["Properties"]
        out.append(FunctionSpec(logical, props.get("CodeUri", glob.get("CodeUri", "")),
                                props.get("Handler", glob.get("Handler", "app.handler")), props))
    return out


@cache
def load_module(code_dir: str, module_file: str = "app.py") -> ModuleType:
    """Load functions/<name>/app.py under a unique module name (every function's file is app.py)."""
    path = tpl.ROOT / code_dir / module_file
    name = "fn_" + code_dir.strip("/").replace("/", "_").replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(spec: FunctionSpec) -> ModuleType:
    return load_module(spec.code_dir, spec.module_file)
