"""Execution environments: each function runs in processes of its own that take one event at a time.

This is Lambda's concurrency model, emulated. An execution environment is a child process
(``local/runtime.py``) that imported exactly one function with exactly the environment the template gives it,
and handles one event at a time. A function's pool hands an event to an idle environment, starts another one
(a real cold start) when all are busy and the function is below its concurrency limit, and otherwise queues
the event until one is free. The limit is the template's ``ReservedConcurrentExecutions`` where set, else the
stack's default (``--max-environments``, 2). An environment that times out is killed (as Lambda ends one), one
that crashes is discarded; the next event gets a fresh one. Environments idle for a while are stopped, down to
one warm environment per function, so memory follows the load.

What a function prints (its JSON logs, tracebacks) is read from its environments' stdout/stderr and handed to
``on_output(function, line)`` line by line: the stack files every line under the function's name.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.runtime import read_frame, write_frame
from local.template import FunctionSpec

log = logging.getLogger("local.environments")

RUNTIME = Path(__file__).resolve().parent / "runtime.py"
DEFAULT_MAX_ENVIRONMENTS = 2
IDLE_SECONDS = 60.0  # an environment idle this long is stopped (one per function stays warm)
INIT_TIMEOUT_SECONDS = 60.0  # Lambda allows 10 s of init; a loaded 2-core machine needs more for 15 functions

OutputSink = Callable[[str, str], None]


class InvocationError(Exception):
    """The function failed: its handler raised, it timed out, or its environment died. ``error_type`` is
    Lambda's (e.g. ``ValueError``, ``Sandbox.Timedout``, ``Runtime.ExitError``)."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.message = message


class InitError(InvocationError):
    """The function's module did not import."""


class Environment:
    """One child process running one function."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], layers: list[Path], on_output: OutputSink,
                 init_timeout: float = INIT_TIMEOUT_SECONDS) -> None:
        self.spec = spec
        self.id = uuid.uuid4().hex[:8]
        self.invocations = 0
        self.last_used = time.monotonic()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        cmd = [sys.executable, str(RUNTIME), "--fd-in", str(to_child_r), "--fd-out", str(from_child_w),
               "--code-dir", str(spec.code_dir), "--module-file", str(spec.module_file),
               "--handler", spec.handler_name, *[a for layer in layers for a in ("--layer", str(layer))]]
        try:
            self.process = subprocess.Popen(
                cmd, env=dict(env), cwd=str(spec.code_dir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, pass_fds=(to_child_r, from_child_w), start_new_session=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._to_child = to_child_w
        self._from_child = from_child_r
        self._reader = threading.Thread(target=self._pump_output, args=(on_output,),
                                        name=f"out-{spec.logical}-{self.id}", daemon=True)
        self._reader.start()
        started = time.monotonic()
        hello = self._receive(init_timeout)
        self.init_ms = float(hello.get("initMs", (time.monotonic() - started) * 1000))
        if not hello.get("ready"):
            self.close()
            raise InitError(spec.logical, "Runtime.ImportModuleError", str(hello.get("error", "init failed")))

    def _pump_output(self, on_output: OutputSink) -> None:
        stream = self.process.stdout
        assert stream is not None
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line:
                on_output(self.spec.logical, line)
        stream.close()

    def _receive(self, timeout: float) -> dict[str, Any]:
        ready, _, _ = select.select([self._from_child], [], [], max(0.0, timeout))
        if not ready:
            self.kill()
            raise InvocationError(self.spec.logical, "Sandbox.Timedout",
                                  f"Task timed out after {timeout:.2f} seconds")
        try:
            frame = read_frame(self._from_child)
        except (EOFError, OSError, ValueError) as exc:
            self.kill()
            code = self.process.poll()
            raise InvocationError(self.spec.logical, "Runtime.ExitError",
                                  f"the runtime exited{f' with {code}' if code is not None else ''} ({exc})") from None
        if not isinstance(frame, dict):
            self.kill()
            raise InvocationError(self.spec.logical, "Runtime.InvalidResponse", "the runtime sent no object")
        return frame

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, request_id: str) -> Any:
        """Run one event; the handler's result, or InvocationError."""
        self.invocations += 1
        try:
            write_frame(self._to_child, {"event": event, "requestId": request_id,
                                         "timeoutMs": self.spec.timeout * 1000})
        except OSError as exc:
            self.kill()
            raise InvocationError(self.spec.logical, "Runtime.ExitError", f"the runtime is gone ({exc})") from None
        answer = self._receive(self.spec.timeout + 0.5)  # the handler's own deadline, then the runtime's end
        self.last_used = time.monotonic()
        if "error" in answer:
            err = answer["error"] or {}
            raise InvocationError(self.spec.logical, str(err.get("errorType", "Error")),
                                  str(err.get("errorMessage", "")))
        return answer.get("result")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.close()

    def close(self) -> None:
        """Stop the runtime (it exits when its input closes) and release the pipes."""
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to_child = self._from_child = -1
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._reader.join(2)

    def rss_bytes(self) -> int:
        return process_rss(self.process.pid)


def process_rss(pid: int) -> int:
    """Resident memory of a process (Linux), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class PoolStats:
    invocations: int = 0
    errors: int = 0
    cold_starts: int = 0
    init_ms: list[float] = field(default_factory=list)
    waited: int = 0  # invocations that waited for a free environment
    peak_busy: int = 0


class FunctionPool:
    """The environments of one function."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], layers: list[Path], limit: int,
                 on_output: OutputSink) -> None:
        self.spec = spec
        self.env = dict(env)
        self.layers = layers
        self.limit = max(1, limit)
        self.on_output = on_output
        self.idle: list[Environment] = []
        self.busy = 0  # environments running an event, plus those starting for one
        self.stats = PoolStats()
        self._cond = threading.Condition()
        self._closed = False

    def _acquire(self) -> Environment | None:
        """An idle environment, or None when the caller may start a new one (the slot is reserved)."""
        with self._cond:
            waited = False
            while True:
                if self._closed:
                    raise InvocationError(self.spec.logical, "Local.Stopped", "the local stack is stopping")
                while self.idle:
                    env = self.idle.pop()  # the most recently used: warm caches, as Lambda prefers
                    if env.alive:
                        self.busy += 1
                        self._note_busy(waited)
                        return env
                    env.close()
                if self.busy < self.limit:
                    self.busy += 1
                    self._note_busy(waited)
                    return None
                waited = True
                self._cond.wait()

    def _note_busy(self, waited: bool) -> None:
        self.stats.peak_busy = max(self.stats.peak_busy, self.busy)
        if waited:
            self.stats.waited += 1

    def _release(self, env: Environment | None) -> None:
        with self._cond:
            self.busy -= 1
            if env is not None and env.alive and not self._closed:
                self.idle.append(env)
            elif env is not None:
                env.close()
            self._cond.notify()

    def _start(self) -> Environment:
        env = Environment(self.spec, self.env, self.layers, self.on_output)
        with self._cond:
            self.stats.cold_starts += 1
            self.stats.init_ms.append(env.init_ms)
        log.debug("%s: cold start %.0f ms (environment %s)", self.spec.logical, env.init_ms, env.id)
        return env

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        env = self._acquire()
        try:
            if env is None:
                env = self._start()
        except BaseException:
            self._release(None)
            raise
        with self._cond:
            self.stats.invocations += 1
        try:
            return env.invoke(event, request_id or str(uuid.uuid4()))
        except InvocationError:
            with self._cond:
                self.stats.errors += 1
            raise
        finally:
            self._release(env)

    def warm(self) -> None:
        """Start one environment now, unless one is idle already (init errors raise InitError)."""
        with self._cond:
            if self.idle or self.busy >= self.limit:
                return
            self.busy += 1
        env: Environment | None = None
        try:
            env = self._start()
        finally:
            self._release(env)

    def reap(self, idle_seconds: float = IDLE_SECONDS, keep: int = 1) -> int:
        """Stop environments idle longer than ``idle_seconds``, keeping ``keep`` warm; returns how many."""
        now = time.monotonic()
        with self._cond:
            self.idle.sort(key=lambda e: e.last_used)  # oldest first
            stale = []
            while len(self.idle) > keep and now - self.idle[0].last_used > idle_seconds:
                stale.append(self.idle.pop(0))
        for env in stale:
            env.close()
        return len(stale)

    def environments(self) -> list[Environment]:
        with self._cond:
            return list(self.idle)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self.idle = self.idle, []
            self._cond.notify_all()
        for env in idle:
            env.close()


class Functions:
    """Every function's pool. ``invoke(logical, event)`` runs one event as Lambda would."""

    def __init__(self, specs: Mapping[str, FunctionSpec], envs: Mapping[str, Mapping[str, str]],
                 layers: list[Path], limits: Mapping[str, int] | None = None,
                 default_limit: int = DEFAULT_MAX_ENVIRONMENTS, on_output: OutputSink | None = None) -> None:
        self.specs = dict(specs)
        sink = on_output or _default_sink
        self.pools = {logical: FunctionPool(spec, envs[logical], layers, (limits or {}).get(logical, default_limit),
                                            sink)
                      for logical, spec in self.specs.items()}
        self._reaper_stop = threading.Event()
        self._reaper: threading.Thread | None = None

    def invoke(self, logical: str, event: Any, request_id: str | None = None) -> Any:
        return self.pools[logical].invoke(event, request_id)

    def load_all(self, parallel: int = 2) -> dict[str, str]:
        """Start one environment of every function (``parallel`` at a time); {logical id: error} of those
        whose module did not load."""
        failed: dict[str, str] = {}
        pending = list(self.pools.values())
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    pool = pending.pop(0)
                try:
                    pool.warm()
                except InvocationError as exc:
                    with lock:
                        failed[pool.spec.logical] = f"{exc.error_type}: {exc.message}"

        threads = [threading.Thread(target=work, name=f"warm-{i}", daemon=True) for i in range(max(1, parallel))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return failed

    def start_reaper(self, every: float = 15.0, idle_seconds: float = IDLE_SECONDS) -> None:
        def run() -> None:
            while not self._reaper_stop.wait(every):
                for pool in self.pools.values():
                    pool.reap(idle_seconds)

        self._reaper = threading.Thread(target=run, name="environment-reaper", daemon=True)
        self._reaper.start()

    def environments(self) -> dict[str, dict[str, str]]:
        """Each function's environment variables (what tools outside the stack need to reach its resources)."""
        return {logical: dict(pool.env) for logical, pool in self.pools.items()}

    def limit(self, logical: str) -> int:
        return self.pools[logical].limit

    def stats(self) -> dict[str, Any]:
        out = {}
        for logical, pool in self.pools.items():
            envs = pool.environments()
            s = pool.stats
            out[logical] = {
                "invocations": s.invocations, "errors": s.errors, "coldStarts": s.cold_starts,
                "initMsMedian": sorted(s.init_ms)[len(s.init_ms) // 2] if s.init_ms else None,
                "waitedForEnvironment": s.waited, "peakConcurrency": s.peak_busy, "limit": pool.limit,
                "idleEnvironments": len(envs), "memoryBytes": sum(e.rss_bytes() for e in envs),
            }
        return out

    def close(self) -> None:
        self._reaper_stop.set()
        if self._reaper is not None:
            self._reaper.join(2)
        for pool in self.pools.values():
            pool.close()


def _default_sink(function: str, line: str) -> None:
    print(f"[{function}] {line}", flush=True)


def log_level(line: str) -> str | None:
    """The level of a Powertools JSON log line (``"INFO"``...), None for a line that is not one."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    level = record.get("level") if isinstance(record, dict) else None
    return str(level).upper() if level else None
