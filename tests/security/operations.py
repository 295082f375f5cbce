"""The operations of the OpenAPI document, as the security suite iterates them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from local import functions as fns
from local import openapi


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI path, e.g. /buildings/{building_id}
    function: str  # functions/<dir> name serving it
    roles: tuple[str, ...]  # x-roles: "public" or role names
    body_schema: dict[str, Any] | None
    path_params: tuple[str, ...]

    @property
    def public(self) -> bool:
        return self.roles == ("public",)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, values: dict[str, str] | None = None) -> str:
        values = values or {}
        return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), self.path)


def _function_of(path: str, method: str) -> str:
    for spec in fns.functions():
        app = getattr(fns.load(spec), "app", None) if spec.events("HttpApi") else None
        if app is None:
            continue
        for route in list(app._static_routes) + list(app._dynamic_routes):
            if route.openapi_path == path and route.method.lower() == method:
                return spec.code_dir.strip("/").split("/")[-1]
    raise LookupError(f"{method} {path}")


def _resolve(schema: dict[str, Any] | None, doc: dict[str, Any]) -> dict[str, Any] | None:
    if schema and "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@cache
def operations() -> tuple[Operation, ...]:
    doc = openapi.build()
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            params = tuple(p["name"] for p in op.get("parameters", []) if p.get("in") == "path")
            found.append(Operation(method, path, _function_of(path, method), tuple(op.get("x-roles", ())),
                                   _resolve(body, doc), params))
    return tuple(found)


def protected() -> list[Operation]:
    return [op for op in operations() if not op.public]


def with_json_body() -> list[Operation]:
    return [op for op in protected() if op.body_schema and op.body_schema.get("properties")]


MATRIX_ROLES = ("owner", "manager", "accountant", "board", "resident")


def role_matrix() -> str:
    """The role matrix of docs/security.md, from the document's ``x-roles`` (a test keeps the two in step:
    ``python -m tests.security.operations`` prints it)."""
    rows = ["| operation | " + " | ".join(MATRIX_ROLES) + " |", "|---|" + "---|" * len(MATRIX_ROLES)]
    for op in sorted(protected(), key=lambda o: (o.path, o.method)):
        marks = " | ".join("yes" if role in op.roles else "—" for role in MATRIX_ROLES)
        rows.append(f"| `{op.method.upper()} {op.path}` | {marks} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    from tests.support import default_environment

    default_environment()
    print(role_matrix(), end="")
