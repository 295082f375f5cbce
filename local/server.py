"""The local HTTP front door: API Gateway (HTTP API) for the template's routes, plus the local-only endpoints.

Local-only (never deployed):
- ``GET /_local/mail``                 every e-mail sent, oldest first; ``DELETE /_local/mail`` empties it
- ``GET /_local/schedules``            the template's schedules and the names they answer to
- ``POST /_local/schedules/{name}``    run a scheduled function now; body ``{"time": "<RFC 3339>"}`` optional
- ``GET /_local/health``               200 once the stack serves
- ``GET /_local/ready``                200 once every function is loaded and the demo organisation seeded;
                                       503 before
- ``GET /_local/stats``                AWS calls (per service and operation, the functions' and the stack's
                                       own), invocations, environments and memory; ``DELETE`` resets the counts
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request

from local import console, cors, httpapi, mailbox
from local.bus import Schedules, UnknownSchedule
from local.environments import Functions, InvocationError, process_rss
from local.router import Router

log = logging.getLogger("local.server")

Response = tuple[int, list[tuple[str, str]], bytes]
StartResponse = Callable[..., Any]

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


def _json(status: int, payload: Any) -> Response:
    return status, [("Content-Type", "application/json")], json.dumps(payload, default=str).encode()


def _error(status: int, code: str, message: str, errors: list[dict[str, str]] | None = None) -> Response:
    return _json(status, {"error": {"code": code, "message": message, "requestId": str(uuid.uuid4()),
                                    "errors": errors or []}})


def _rfc3339(value: Any) -> str:
    """The schedule time, normalised to ``YYYY-MM-DDTHH:MM:SSZ``; ValueError when it is not RFC 3339."""
    if not isinstance(value, str) or "T" not in value.upper():
        raise ValueError("not an RFC 3339 timestamp")
    moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an RFC 3339 timestamp needs a time zone (Z or an offset)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LocalApi:
    """The WSGI application."""

    def __init__(self, *, router: Router, functions: Functions, schedules: Schedules, host: str,
                 emulator: Any = None, cors_config: cors.CorsConfig | None = None) -> None:
        self.router = router
        self.cors = cors_config or cors.local_config()
        self.functions = functions
        self.schedules = schedules
        self.host = host
        self.emulator = emulator
        self.ready = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        raw_uri = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path)
        raw_path = raw_uri.split("?", 1)[0] or "/"
        label = "-"
        if raw_path == "/_local" or raw_path.startswith("/_local/"):
            status, headers, body = self.local(request, raw_path)
            label = "local"
        else:
            request_headers = list(request.headers.items())
            answer = cors.preflight(request.method, raw_path, request_headers, self.cors)
            if answer is not None:  # API Gateway answers a CORS preflight itself
                (status, headers, body), label = answer, "cors preflight"
            else:
                status, headers, body, label = self.api(request, raw_path, environ)
                headers = cors.apply(request_headers, headers, self.cors)
        if label != "local" or status >= 500:
            console.request_line(request.method, raw_uri, status, label, (time.monotonic() - started) * 1000)
        start_response(f"{status} {_REASONS.get(status, 'Status')}",
                       [*headers, ("Content-Length", str(len(body)))])
        return [body] if request.method != "HEAD" else [b""]

    # ------------------------------------------------------------------ API Gateway
    def api(self, request: Request, raw_path: str, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]],
                                                                                      bytes, str]:
        match = self.router.match(request.method, raw_path)
        if match is None:
            return (*httpapi.not_found(), "no route")
        if (request.content_length or 0) > httpapi.MAX_PAYLOAD_BYTES:
            return (*httpapi.too_large(), "payload limit")
        event = httpapi.build_event(
            method=request.method, raw_path=raw_path, raw_query=str(environ.get("QUERY_STRING", "")),
            headers=list(request.headers.items()), body=request.get_data(cache=False),
            match=match, source_ip=request.remote_addr or "127.0.0.1", host=request.host or self.host,
        )
        request_id = event["requestContext"]["requestId"]
        try:
            result = self.functions.invoke(match.route.target, event, request_id)
            return (*httpapi.to_response(result), match.route.target)
        except InvocationError as exc:
            log.error("%s failed on %s %s [request %s]: %s: %s", match.route.target, request.method, raw_path,
                      request_id, exc.error_type, exc.message)
            return (*httpapi.internal_error(), match.route.target)
        except Exception:
            log.exception("%s: the response could not be made on %s %s", match.route.target, request.method,
                          raw_path)
            return (*httpapi.internal_error(), match.route.target)

    # ------------------------------------------------------------------ local-only endpoints
    def local(self, request: Request, path: str) -> Response:
        parts = [p for p in path.split("/") if p][1:]
        method = request.method
        if parts == ["health"] and method == "GET":
            return _json(200, {"data": {"status": "ok"}})
        if parts == ["ready"] and method == "GET":
            if self.ready.is_set():
                return _json(200, {"data": {"status": "ready"}})
            return _error(503, "NOT_READY", "The local stack is starting: functions loading, demo data seeding.")
        if parts == ["stats"]:
            if method == "GET":
                return _json(200, {"data": self.stats()})
            if method == "DELETE" and self.emulator is not None:
                self.emulator.counter.reset()
                return 204, [], b""
            return _error(405, "METHOD_NOT_ALLOWED", "Use GET or DELETE on /_local/stats.")
        if parts == ["mail"]:
            if method == "GET":
                return _json(200, {"data": mailbox.messages()})
            if method == "DELETE":
                mailbox.clear()
                return 204, [], b""
            return _error(405, "METHOD_NOT_ALLOWED", "Use GET or DELETE on /_local/mail.")
        if parts == ["schedules"] and method == "GET":
            return _json(200, {"data": [
                {"name": s.name, "aliases": list(s.aliases), "function": s.function, "schedule": s.expression,
                 "enabled": s.enabled} for s in self.schedules.specs]})
        if len(parts) == 2 and parts[0] == "schedules":
            if method != "POST":
                return _error(405, "METHOD_NOT_ALLOWED", "Use POST to fire a schedule.")
            return self.fire(parts[1], request.get_data(cache=False))
        return _error(404, "NOT_FOUND", f"No local endpoint {method} {path}.")

    def stats(self) -> dict[str, Any]:
        import os

        functions = self.functions.stats()
        environments = sum(f["memoryBytes"] for f in functions.values())
        stack = process_rss(os.getpid())
        return {
            "aws": self.emulator.counter.snapshot() if self.emulator is not None else {},
            "functions": functions,
            "memory": {"stackBytes": stack, "environmentsBytes": environments, "totalBytes": stack + environments},
        }

    def fire(self, name: str, raw: bytes) -> Response:
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _error(400, "BAD_REQUEST", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return _error(422, "VALIDATION_FAILED", "The body must be an object.",
                          [{"field": "", "message": "expected an object like {\"time\": \"...\"}"}])
        unknown = sorted(set(body) - {"time"})
        if unknown:
            return _error(422, "VALIDATION_FAILED", "Unknown fields.",
                          [{"field": f, "message": "unknown field"} for f in unknown])
        try:
            when = _rfc3339(body["time"]) if "time" in body else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError as exc:
            return _error(422, "VALIDATION_FAILED", "The time is not an RFC 3339 timestamp.",
                          [{"field": "time", "message": str(exc)}])
        try:
            _spec, result = self.schedules.fire(name, when)
        except UnknownSchedule:
            known = ", ".join(s.name for s in self.schedules.specs) or "none"
            return _error(404, "NOT_FOUND", f"No schedule named {name!r} (known: {known}).")
        except Exception as exc:
            log.exception("schedule %s failed", name)
            return _error(500, "SCHEDULE_FAILED", f"The scheduled function raised {type(exc).__name__}: {exc}")
        return _json(200, {"data": result})


class HttpServer:
    """A threaded WSGI server in a background thread."""

    def __init__(self, app: Callable[..., Iterable[bytes]], host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="local-api", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever for a loop that never ran
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
