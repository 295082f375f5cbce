"""Execution environments of the local stack: one process per environment, one event at a time, a pool per
function bounded by its concurrency, exactly the template's environment, timeouts, crashes and init errors."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from local.environments import Functions, InitError, InvocationError
from local.template import FunctionSpec

LAYERS: list[Path] = []


def write_function(tmp_path, name: str, body: str, timeout: int = 3) -> FunctionSpec:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "app.py").write_text(body)
    return FunctionSpec(name, folder, folder / "app.py", "handler", timeout=timeout, memory=256)


def functions(specs: dict[str, FunctionSpec], env: dict[str, str] | None = None, limit: int = 4,
              lines: list[tuple[str, str]] | None = None) -> Functions:
    base = {"PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1", **(env or {})}
    sink = (lambda fn, line: lines.append((fn, line))) if lines is not None else (lambda fn, line: None)
    return Functions(specs, {k: base for k in specs}, LAYERS, default_limit=limit, on_output=sink)


def test_functions_with_the_same_file_name_run_their_own_code(tmp_path):
    # Given two functions whose code is app.py each
    one = write_function(tmp_path, "One", "def handler(event, context):\n    return ['one', event]\n")
    two = write_function(tmp_path, "Two", "def handler(event, context):\n    return ['two', context.aws_request_id]\n")
    fns = functions({"One": one, "Two": two})
    try:
        # When both are invoked / Then each runs its own code with a Lambda context
        assert fns.invoke("One", {"x": 1}) == ["one", {"x": 1}]
        assert fns.invoke("Two", {}, "req-1") == ["two", "req-1"]
    finally:
        fns.close()


def test_an_environment_holds_exactly_the_variables_it_was_given(tmp_path):
    # Given a variable in the stack's own environment that the function's environment does not name
    os.environ["URBANETA_STACK_ONLY"] = "leak"
    spec = write_function(tmp_path, "Env", "import os\n"
                                           "def handler(event, context):\n"
                                           "    return [os.environ.get('MODE'),\n"
                                           "            os.environ.get('URBANETA_STACK_ONLY')]\n")
    fns = functions({"Env": spec}, env={"MODE": "own"})
    try:
        # When it runs / Then it sees its own variables and nothing of the stack's
        assert fns.invoke("Env", {}) == ["own", None]
    finally:
        fns.close()
        del os.environ["URBANETA_STACK_ONLY"]


def test_one_environment_never_runs_two_events_at_once(tmp_path):
    # Given a function that records how many events its process is running
    spec = write_function(tmp_path, "Busy", "import os, time\n"
                                            "running = 0\n"
                                            "def handler(event, context):\n"
                                            "    global running\n"
                                            "    running += 1\n"
                                            "    seen = running\n"
                                            "    time.sleep(0.2)\n"
                                            "    running -= 1\n"
                                            "    return [os.getpid(), seen]\n")
    fns = functions({"Busy": spec}, limit=3)
    results: list[list[int]] = []
    try:
        # When 9 events arrive at once
        threads = [threading.Thread(target=lambda: results.append(fns.invoke("Busy", {}))) for _ in range(9)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

        # Then every event ran alone in its environment, and no more than 3 environments existed
        assert len(results) == 9
        assert all(seen == 1 for _pid, seen in results)
        assert 2 <= len({pid for pid, _ in results}) <= 3
        stats = fns.stats()["Busy"]
        assert stats["peakConcurrency"] <= 3
        assert stats["waitedForEnvironment"] >= 1
    finally:
        fns.close()


def test_a_handler_error_is_an_invocation_error_and_the_environment_lives_on(tmp_path):
    spec = write_function(tmp_path, "Err", "import os\n"
                                           "def handler(event, context):\n"
                                           "    if event.get('fail'):\n"
                                           "        raise ValueError('bad input')\n"
                                           "    return os.getpid()\n")
    lines: list[tuple[str, str]] = []
    fns = functions({"Err": spec}, lines=lines)
    try:
        pid = fns.invoke("Err", {})
        with pytest.raises(InvocationError) as caught:
            fns.invoke("Err", {"fail": True})
        assert caught.value.error_type == "ValueError"
        assert caught.value.message == "bad input"
        assert fns.invoke("Err", {}) == pid
        deadline = time.monotonic() + 5
        while not any("bad input" in line for _fn, line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(fn == "Err" and "ValueError: bad input" in line for fn, line in lines)
    finally:
        fns.close()


def test_a_timeout_ends_the_environment_and_the_next_event_gets_a_fresh_one(tmp_path):
    spec = write_function(tmp_path, "Slow", "import os, time\n"
                                            "def handler(event, context):\n"
                                            "    if event.get('sleep'):\n"
                                            "        time.sleep(event['sleep'])\n"
                                            "    return os.getpid()\n", timeout=1)
    fns = functions({"Slow": spec})
    try:
        first = fns.invoke("Slow", {})
        with pytest.raises(InvocationError) as caught:
            fns.invoke("Slow", {"sleep": 5})
        assert caught.value.error_type == "Sandbox.Timedout"
        assert fns.invoke("Slow", {}) != first
    finally:
        fns.close()


def test_a_crash_is_reported_and_the_function_recovers(tmp_path):
    spec = write_function(tmp_path, "Crash", "import os\n"
                                             "def handler(event, context):\n"
                                             "    if event.get('exit'):\n"
                                             "        os._exit(3)\n"
                                             "    return 'ok'\n")
    fns = functions({"Crash": spec})
    try:
        with pytest.raises(InvocationError) as caught:
            fns.invoke("Crash", {"exit": True})
        assert caught.value.error_type == "Runtime.ExitError"
        assert fns.invoke("Crash", {}) == "ok"
    finally:
        fns.close()


def test_load_all_reports_functions_that_do_not_load(tmp_path):
    good = write_function(tmp_path, "Good", "def handler(event, context):\n    return 1\n")
    bad = write_function(tmp_path, "Bad", "import no_such_module_anywhere\n")
    missing = FunctionSpec("Missing", tmp_path, tmp_path / "nope.py", "handler", 3, 128)
    fns = functions({"Good": good, "Bad": bad, "Missing": missing})
    try:
        failed = fns.load_all()
        assert set(failed) == {"Bad", "Missing"}
        assert "ModuleNotFoundError" in failed["Bad"]
        with pytest.raises(InitError):
            fns.invoke("Bad", {})
        assert fns.invoke("Good", {}) == 1
    finally:
        fns.close()


def test_context_reports_remaining_time(tmp_path):
    spec = write_function(tmp_path, "Ctx", "def handler(event, context):\n"
                                           "    return context.get_remaining_time_in_millis()\n")
    fns = functions({"Ctx": spec})
    try:
        assert 0 < fns.invoke("Ctx", {}) <= 3000
    finally:
        fns.close()


def test_idle_environments_are_stopped_down_to_one(tmp_path):
    spec = write_function(tmp_path, "Idle", "import time\n"
                                            "def handler(event, context):\n"
                                            "    time.sleep(0.2)\n"
                                            "    return 1\n")
    fns = functions({"Idle": spec}, limit=3)
    try:
        threads = [threading.Thread(target=fns.invoke, args=("Idle", {})) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert fns.stats()["Idle"]["idleEnvironments"] >= 2
        assert fns.pools["Idle"].reap(idle_seconds=0) >= 1
        assert fns.stats()["Idle"]["idleEnvironments"] == 1
    finally:
        fns.close()
