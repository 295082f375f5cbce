"""``python bench/portfolio_stack.py <python -m local's options>``, run from the root of any checkout: that
checkout's local stack, with what the portfolio benchmark reads in ``GET /_local/stats`` added where it lacks it.

- ``aws.units``: DynamoDB capacity units by item size, per table and index (``local/capacity.py`` of this
  benchmark's checkout, loaded by path: an older checkout's stack gets the same meter);
- ``functions.<name>.busyMs``: the time each function's environments spent on events.

Nothing of the checkout under test changes on disk; this only wraps its emulator and its function pools in this
process."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def _capacity() -> Any:
    spec = importlib.util.spec_from_file_location("portfolio_capacity", HERE / "local" / "capacity.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _meter_writes(emulator: Any) -> None:
    """The checkout's emulator counts no capacity units: count them around its calls."""
    capacity = _capacity()
    counter_init, snapshot, reset = (emulator.CallCounter.__init__, emulator.CallCounter.snapshot,
                                     emulator.CallCounter.reset)

    def init(self: Any) -> None:
        counter_init(self)
        self.units = capacity.CapacityMeter(capacity.moto_lookup("eu-north-1"))

    def snap(self: Any) -> Any:
        return {**snapshot(self), "units": self.units.snapshot()}

    def clear(self: Any) -> None:
        reset(self)
        self.units.reset()

    emulator.CallCounter.__init__, emulator.CallCounter.snapshot, emulator.CallCounter.reset = init, snap, clear
    original = emulator.SerialisedEmulator._call

    def call(self: Any, environ: dict[str, Any], body: bytes) -> Any:
        service, key = emulator._service_and_key(environ)
        operation = emulator._operation(environ, body, service)
        if key == emulator.STACK_ACCESS_KEY or service not in ("dynamodb", "events"):
            return original(self, environ, body)
        request = json.loads(body) if body else {}
        units = self.counter.units
        if operation in capacity.WRITES:
            with emulator.EMULATOR_LOCK:
                return units.around_write(operation, request, lambda: original(self, environ, body),
                                          lambda answer: answer[0].startswith("200"))
        answer = original(self, environ, body)
        if answer[0].startswith("200") and operation in capacity.READS:
            units.count_read(operation, request, answer[2])
        elif answer[0].startswith("200") and operation == "PutEvents":
            units.count_events(request)
        return answer

    emulator.SerialisedEmulator._call = call


def _time_functions(environments: Any) -> None:
    invoke, stats = environments.FunctionPool.invoke, environments.Functions.stats
    lock = threading.Lock()
    busy: dict[str, float] = {}

    def timed(self: Any, event: Any, request_id: str | None = None) -> Any:
        started = time.perf_counter()
        try:
            return invoke(self, event, request_id)
        finally:
            with lock:
                busy[self.spec.logical] = busy.get(self.spec.logical, 0.0) + time.perf_counter() - started

    def with_busy(self: Any) -> Any:
        out = stats(self)
        for logical, figures in out.items():
            figures["busyMs"] = round(busy.get(logical, 0.0) * 1000, 1)
        return out

    environments.FunctionPool.invoke, environments.Functions.stats = timed, with_busy


def main() -> int:
    root = Path(os.getcwd()).resolve()
    sys.path[:1] = [str(root)]  # the checkout under test, not this script's folder
    from local import emulator, environments
    from local.__main__ import main as run

    if not hasattr(emulator.CallCounter(), "units"):
        _meter_writes(emulator)
    _time_functions(environments)
    return int(run(sys.argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
