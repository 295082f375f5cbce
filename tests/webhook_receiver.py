"""A real local HTTP receiver for webhook tests and the webhook benchmark: http.server in a thread on
127.0.0.1 with a free port. It records every request and answers from a script (or a failure rate)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = field(default_factory=time.perf_counter)
    valid: bool | None = None  # what ``check`` said when the request arrived


class Receiver:
    """``script``: answers for the next requests, e.g. ``[(500, {}), (429, {"Retry-After": "120"})]``; after it
    runs out, ``fail_rate`` decides (a random share of 503s), otherwise 200."""

    def __init__(self, *, fail_rate: float = 0.0, seed: int = 7, body: bytes = b'{"ok":true}',
                 check: Callable[[str, dict[str, str], bytes], bool] | None = None) -> None:
        self.requests: list[Received] = []
        self.script: deque[tuple[int, dict[str, str]]] = deque()
        self.by_path: dict[str, list[int]] = {}  # answers for one path, used up in order
        self.fail_rate = fail_rate
        self.check = check  # e.g. signature verification at arrival, as an integrator does it
        self.body = body
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                status, headers = receiver._answer(self.path)
                seen = {k.lower(): v for k, v in self.headers.items()}
                valid = receiver.check(self.path, seen, payload) if receiver.check else None
                with receiver._lock:
                    receiver.requests.append(Received(self.path, seen, payload, status, valid=valid))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def _answer(self, path: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            if self.by_path.get(path):
                return self.by_path[path].pop(0), {}
            if self.script:
                return self.script.popleft()
            if self.fail_rate and self._rng.random() < self.fail_rate:
                return 503, {}
            return 200, {}

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]
