"""Route matching as API Gateway's HTTP API does it.

- a route is ``METHOD /path`` where ``METHOD`` may be ``ANY`` and the path may hold ``{param}`` segments and a
  final greedy ``{name+}`` segment (one or more segments); ``$default`` matches whatever nothing else does;
- the most specific match wins: a literal segment beats a ``{param}``, which beats a greedy ``{proxy+}``
  (compared segment by segment from the left); for equally specific paths an explicit method beats ``ANY``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"

_LITERAL, _PARAM, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or "ANY"
    path: str  # "/api/buildings/{id}" or "$default"
    target: str  # the function's logical id
    segments: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """The route key API Gateway puts into the event (``ANY /api/{proxy+}``, ``$default``)."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    @staticmethod
    def of(method: str, path: str, target: str) -> Route:
        if path == DEFAULT_ROUTE:
            return Route("ANY", path, target, ())
        segments = tuple(path.strip("/").split("/")) if path.strip("/") else ()
        for i, seg in enumerate(segments):
            if _kind(seg) == _GREEDY and i != len(segments) - 1:
                raise ValueError(f"{path}: a greedy path variable must be the last segment")
        return Route(method.upper(), path, target, segments)

    def rank(self) -> tuple[tuple[int, ...], int]:
        """Smaller is more specific."""
        kinds = tuple(_kind(s) for s in self.segments)
        return kinds, 1 if self.method == "ANY" else 0


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


def _kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    if segment.startswith("{") and segment.endswith("}"):
        return _PARAM
    return _LITERAL


def _match_path(route: Route, parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for i, seg in enumerate(route.segments):
        kind = _kind(seg)
        if kind == _GREEDY:
            rest = "/".join(parts[i:])
            if not rest:
                return None
            params[seg[1:-2]] = unquote(rest)
            return params
        if i >= len(parts):
            return None
        if kind == _PARAM:
            if not parts[i]:
                return None
            params[seg[1:-1]] = unquote(parts[i])
        elif parts[i] != seg:
            return None
    return params if len(parts) == len(route.segments) else None


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        all_routes = list(routes)
        self.default = next((r for r in all_routes if r.path == DEFAULT_ROUTE), None)
        self.routes = sorted((r for r in all_routes if r.path != DEFAULT_ROUTE), key=Route.rank)
        seen: dict[tuple[str, str], Route] = {}
        for r in self.routes:
            if (r.method, r.path) in seen:
                raise ValueError(f"route {r.key} is declared by both {seen[(r.method, r.path)].target} and {r.target}")
            seen[(r.method, r.path)] = r

    def match(self, method: str, path: str) -> Match | None:
        """The route API Gateway would pick for ``method path`` (path as received, without query string)."""
        method = method.upper()
        parts = path.strip("/").split("/") if path.strip("/") else []
        if path.endswith("/") and parts:
            parts.append("")  # a trailing slash is an empty last segment: only a greedy variable takes it
        for route in self.routes:  # sorted most specific first
            if route.method not in ("ANY", method):
                continue
            params = _match_path(route, parts)
            if params is not None:
                return Match(route, params)
        if self.default is not None:
            return Match(self.default, {})
        return None
