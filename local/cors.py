"""CORS the way API Gateway HTTP APIs do it, for the local stack, configured from the template's HttpApi.

When an HTTP API has a CORS configuration, API Gateway itself answers every preflight (an ``OPTIONS`` request
with ``Origin`` and ``Access-Control-Request-Method``), whatever the path and whether or not a route exists,
and never passes it to a function: 204 with the ``Access-Control-*`` headers when the origin, the requested
method and every requested header are allowed, and 204 without any of them otherwise (so the browser refuses
the real request). To every other request that carries an allowed ``Origin`` it adds
``Access-Control-Allow-Origin`` and ``Access-Control-Expose-Headers``, and it drops whatever CORS headers
the function returned. Without a configuration, none of this happens: an ``OPTIONS`` request is routed like
any other.

The deployed template turns CORS on with the ``AllowedOrigins`` parameter (empty, and so off, by default);
the local stack allows any origin (``*``) unless it is given that parameter.

Pure functions: nothing here does I/O except reading the template (``CorsConfig.from_template``, cached in
``local_config``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from local import template as tpl

LOCAL_ALLOWED_ORIGINS = "*"  # the local stack's value of the AllowedOrigins parameter
LOCAL_PREFIX = "/_local/"  # the local stack's own endpoints: not part of the HTTP API
API_TYPES = ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class _NoValue:
    """``Ref: AWS::NoValue``: the property is left out."""


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.allow_origins)

    @classmethod
    def from_template(cls, parameters: Mapping[str, str] | None = None, *, doc: Mapping[str, Any] | None = None,
                      api: str | None = None) -> CorsConfig:
        """The CORS configuration of the template's HTTP API (``api``, a logical id, or the first one), with
        the template's parameter defaults, ``AllowedOrigins`` set to ``*``, then ``parameters`` on top. Pass
        only the parameters that are really overridden: the defaulted set would turn CORS off again."""
        doc = tpl.load() if doc is None else doc
        specs: dict[str, Any] = dict(doc.get("Parameters") or {})
        params = {name: str(spec.get("Default", "")) for name, spec in specs.items()}
        if "AllowedOrigins" in params:
            params["AllowedOrigins"] = LOCAL_ALLOWED_ORIGINS
        params.update(parameters or {})
        resolver = _Resolver(params, specs, dict(doc.get("Conditions") or {}))

        raw: Any = None
        for logical, res in (doc.get("Resources") or {}).items():
            if res.get("Type") in API_TYPES and (api is None or logical == api):
                props = res.get("Properties") or {}
                raw = props.get("CorsConfiguration")
                if raw is None and res["Type"] == "AWS::Serverless::HttpApi":
                    raw = ((doc.get("Globals") or {}).get("HttpApi") or {}).get("CorsConfiguration")
                break
        value = resolver.resolve(raw)
        if value is None or value is NO_VALUE or value is False:
            return cls()
        if value is True:  # SAM's shorthand: any origin, API Gateway's defaults otherwise
            return cls(allow_origins=("*",))
        if not isinstance(value, dict):
            raise ValueError(f"CorsConfiguration must be a mapping or a boolean, not {value!r}")
        # AWS::ApiGatewayV2::Api spells them AllowOrigins too; both accept a list or, in SAM, one string
        max_age = value.get("MaxAge")
        return cls(
            allow_origins=_names(value.get("AllowOrigins")),
            allow_methods=tuple(m.upper() for m in _names(value.get("AllowMethods"))),
            allow_headers=_names(value.get("AllowHeaders")),
            expose_headers=_names(value.get("ExposeHeaders")),
            max_age=None if max_age is None else int(max_age),
            allow_credentials=str(value.get("AllowCredentials", False)).lower() == "true",
        )

    # ------------------------------------------------------------ API Gateway's decisions

    def origin_allowed(self, origin: str) -> bool:
        for allowed in self.allow_origins:
            if allowed == "*" or allowed.lower() == origin.lower():
                return True
            if allowed.endswith("://*") and origin.lower().startswith(allowed[:-1].lower()):
                return True  # "https://*": any origin of that scheme
        return False

    def method_allowed(self, method: str) -> bool:
        return "*" in self.allow_methods or method.strip().upper() in self.allow_methods

    def headers_allowed(self, requested: str | None) -> bool:
        names = [h.strip().lower() for h in (requested or "").split(",") if h.strip()]
        allowed = {h.lower() for h in self.allow_headers}
        return "*" in allowed or all(name in allowed for name in names)

    def allow_origin_headers(self, origin: str) -> list[tuple[str, str]]:
        if "*" in self.allow_origins and not self.allow_credentials:
            return [("Access-Control-Allow-Origin", "*")]
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]


class _Resolver:
    """The intrinsic functions a CorsConfiguration may use: Ref (parameters, AWS::NoValue), Fn::If and the
    condition functions, Fn::Split, Fn::Join, Fn::Sub of parameters."""

    def __init__(self, params: dict[str, str], specs: dict[str, Any], conditions: dict[str, Any]) -> None:
        self.params, self.specs, self.conditions = params, specs, conditions

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise ValueError(f"unknown condition {name}")
        return bool(self.resolve(self.conditions[name]))

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(v) for v in node]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Condition":
                return self.condition(arg)
            if fn == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if fn == "Fn::Equals":
                a, b = (self.resolve(v) for v in arg)
                return str(a) == str(b)
            if fn == "Fn::Not":
                return not self.resolve(arg[0])
            if fn == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if fn == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if fn == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if fn == "Fn::Join":
                sep, parts = arg
                return sep.join(str(p) for p in self.resolve(parts))
            if fn == "Fn::Sub" and isinstance(arg, str):
                text = arg
                for name, value in self.params.items():
                    text = text.replace("${" + name + "}", value)
                return text
            if fn.startswith("Fn::"):
                raise ValueError(f"{fn} is not supported in a CORS configuration")
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in self.params:
            raise ValueError(f"a CORS configuration can only refer to parameters, not {name}")
        value = self.params[name]
        if str((self.specs.get(name) or {}).get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            return value.split(",")
        return value


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(v).strip() for v in items if str(v).strip())


def _lower(headers: Headers) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


@cache
def local_config() -> CorsConfig:
    """The local stack's configuration: the template's, allowing any origin."""
    return CorsConfig.from_template()


# ---------------------------------------------------------------- what the local server calls


def preflight(method: str, path: str, headers: Headers, config: CorsConfig | None = None
              ) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """API Gateway's own answer to a CORS preflight: (status, headers, body), or None when the request is
    not one that API Gateway answers itself (CORS off, not OPTIONS, no Origin or no
    Access-Control-Request-Method, or a local-only path) and must be routed as usual."""
    cfg = local_config() if config is None else config
    if not cfg.enabled or method.upper() != "OPTIONS" or path.startswith(LOCAL_PREFIX):
        return None
    h = _lower(headers)
    origin, requested_method = h.get("origin"), h.get("access-control-request-method")
    if not origin or not requested_method:
        return None
    if not (cfg.origin_allowed(origin) and cfg.method_allowed(requested_method)
            and cfg.headers_allowed(h.get("access-control-request-headers"))):
        return 204, [], b""
    out = cfg.allow_origin_headers(origin)
    if cfg.allow_methods:
        out.append(("Access-Control-Allow-Methods", ",".join(cfg.allow_methods)))
    if cfg.allow_headers:
        out.append(("Access-Control-Allow-Headers", ",".join(h.lower() for h in cfg.allow_headers)))
    if cfg.max_age is not None:
        out.append(("Access-Control-Max-Age", str(cfg.max_age)))
    if cfg.allow_credentials:
        out.append(("Access-Control-Allow-Credentials", "true"))
    return 204, out, b""


def response_headers(request_headers: Headers, config: CorsConfig | None = None) -> list[tuple[str, str]]:
    """The CORS headers API Gateway adds to an ordinary (not preflight) response: none unless CORS is on and
    the request's Origin is allowed."""
    cfg = local_config() if config is None else config
    origin = _lower(request_headers).get("origin")
    if not cfg.enabled or not origin or not cfg.origin_allowed(origin):
        return []
    out = cfg.allow_origin_headers(origin)
    if cfg.expose_headers:
        out.append(("Access-Control-Expose-Headers", ",".join(cfg.expose_headers)))
    if cfg.allow_credentials:
        out.append(("Access-Control-Allow-Credentials", "true"))
    return out


def apply(request_headers: Headers, response: Iterable[tuple[str, str]], config: CorsConfig | None = None
          ) -> list[tuple[str, str]]:
    """A function's response headers as API Gateway sends them: with CORS on, the function's own
    Access-Control-* headers are dropped and ``response_headers`` added (a Vary it set is kept, joined)."""
    cfg = local_config() if config is None else config
    headers = list(response)
    if not cfg.enabled:
        return headers
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    added = response_headers(request_headers, cfg)
    vary = [v for k, v in added if k == "Vary"]
    if vary:
        existing = [i for i, (k, _) in enumerate(kept) if k.lower() == "vary"]
        if existing:
            i = existing[0]
            values = [p.strip() for p in kept[i][1].split(",") if p.strip()]
            if not any(p.lower() == "origin" for p in values) and "*" not in values:
                kept[i] = (kept[i][0], ", ".join([*values, "Origin"]))
            added = [(k, v) for k, v in added if k != "Vary"]
    return kept + added
