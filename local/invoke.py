"""Invoke the template's functions in this process, as Lambda would.

Every function's ``app.py`` is loaded by file path under a module name of its own (they all share the
file name). All functions share this process, and the package reads its settings once (cached), so the
environment they share — the template's Globals plus every function's own non-conflicting variables — is
set once at start. A function whose own variables disagree with another's runs with an overlay of them,
under an exclusive lock (ordinary invocations share the lock), with the settings cache cleared around it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local.template import ACCOUNT, REGION, FunctionSpec

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The context object a handler receives."""

    def __init__(self, spec: FunctionSpec, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = spec.memory
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class SharedExclusiveLock:
    """Many ordinary invocations at once, or one invocation that changes the environment."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._shared:
                self._cond.wait()
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


def merge_environments(envs: Mapping[str, Mapping[str, str]]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(the environment every function can share, per function the variables that disagree with it)."""
    shared: dict[str, str] = {}
    conflicting: set[str] = set()
    for env in envs.values():
        for key, value in env.items():
            if key in shared and shared[key] != value:
                conflicting.add(key)
            else:
                shared.setdefault(key, value)
    for key in conflicting:
        shared.pop(key, None)
    overlays = {fn: {k: v for k, v in env.items() if k in conflicting} for fn, env in envs.items()}
    return shared, {fn: o for fn, o in overlays.items() if o}


def reset_package_caches() -> None:
    """The package caches settings and clients per container; the local stack changes the environment."""
    from urbaneta.adapters import secrets
    from urbaneta.adapters.aws import reset_clients

    reset_clients()
    secrets.reset()


@dataclass
class Functions:
    """The template's functions, loaded lazily (first invocation) or all at once (``load_all``)."""

    specs: dict[str, FunctionSpec]
    overlays: dict[str, dict[str, str]] = field(default_factory=dict)
    prefix: str = "urbaneta-local"
    _handlers: dict[str, Handler] = field(default_factory=dict)
    _load_lock: threading.Lock = field(default_factory=threading.Lock)
    _env_lock: SharedExclusiveLock = field(default_factory=SharedExclusiveLock)

    def handler(self, logical: str) -> Handler:
        found = self._handlers.get(logical)
        if found is not None:
            return found
        with self._load_lock:
            if logical not in self._handlers:
                self._handlers[logical] = self._load(self.specs[logical])
            return self._handlers[logical]

    def _load(self, spec: FunctionSpec) -> Handler:
        if not spec.module_file.is_file():
            raise FileNotFoundError(f"{spec.logical}: {spec.module_file} does not exist")
        name = f"urbaneta_local_fn_{spec.logical}"
        module_spec = importlib.util.spec_from_file_location(name, spec.module_file)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"{spec.logical}: cannot load {spec.module_file}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        fn = getattr(module, spec.handler_name, None)
        if not callable(fn):
            raise AttributeError(f"{spec.logical}: {spec.module_file} has no handler {spec.handler_name!r}")
        return fn  # type: ignore[no-any-return]

    def load_all(self) -> dict[str, str]:
        """Import every function now; returns {logical id: error} for those that failed."""
        failed = {}
        for logical in self.specs:
            try:
                self.handler(logical)
            except Exception as exc:  # reported, not fatal: the stack serves the functions that load
                failed[logical] = f"{type(exc).__name__}: {exc}"
        return failed

    def invoke(self, logical: str, event: Any) -> Any:
        """Run the function's handler with ``event``; exceptions propagate (the caller decides what failed)."""
        handler = self.handler(logical)
        context = LambdaContext(self.specs[logical], f"{self.prefix}-{logical}")
        overlay = self.overlays.get(logical)
        if not overlay:
            with self._env_lock.shared():
                return handler(event, context)
        with self._env_lock.exclusive():
            saved = {k: os.environ.get(k) for k in overlay}
            os.environ.update(overlay)
            reset_package_caches()
            try:
                return handler(event, context)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
                reset_package_caches()
