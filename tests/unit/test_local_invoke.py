"""Invoking functions in-process: loading by file path, shared environments, overlays."""

from __future__ import annotations

import os
import threading

from local.invoke import Functions, SharedExclusiveLock, merge_environments
from local.template import FunctionSpec


def write_function(tmp_path, name: str, body: str) -> FunctionSpec:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "app.py").write_text(body)
    return FunctionSpec(name, folder, folder / "app.py", "handler", timeout=3, memory=256)


def test_merge_keeps_what_all_agree_on_and_overlays_the_rest():
    shared, overlays = merge_environments({
        "A": {"TABLE": "t", "MODE": "a", "ONLY_A": "1"},
        "B": {"TABLE": "t", "MODE": "b"},
    })
    assert shared == {"TABLE": "t", "ONLY_A": "1"}
    assert overlays == {"A": {"MODE": "a"}, "B": {"MODE": "b"}}


def test_functions_with_the_same_file_name_load_as_separate_modules(tmp_path):
    # Given two functions whose code is app.py each
    one = write_function(tmp_path, "One", "def handler(event, context):\n    return ('one', event)\n")
    two = write_function(tmp_path, "Two", "def handler(event, context):\n    return ('two', context.function_name)\n")
    fns = Functions({"One": one, "Two": two}, prefix="p")

    # When both are invoked / Then each runs its own code with a Lambda context
    assert fns.invoke("One", {"x": 1}) == ("one", {"x": 1})
    assert fns.invoke("Two", {}) == ("two", "p-Two")


def test_context_reports_remaining_time(tmp_path):
    spec = write_function(tmp_path, "Ctx", "def handler(event, context):\n"
                                           "    return context.get_remaining_time_in_millis()\n")
    remaining = Functions({"Ctx": spec}).invoke("Ctx", {})
    assert 0 < remaining <= 3000


def test_load_all_reports_functions_that_do_not_load(tmp_path):
    good = write_function(tmp_path, "Good", "def handler(event, context):\n    return 1\n")
    bad = write_function(tmp_path, "Bad", "import no_such_module_anywhere\n")
    missing = FunctionSpec("Missing", tmp_path, tmp_path / "nope.py", "handler", 3, 128)
    failed = Functions({"Good": good, "Bad": bad, "Missing": missing}).load_all()
    assert set(failed) == {"Bad", "Missing"}
    assert "ModuleNotFoundError" in failed["Bad"]


def test_an_overlay_applies_during_the_invocation_only(tmp_path, monkeypatch):
    # Given a function with its own value of a variable others set differently
    monkeypatch.delenv("URBANETA_TEST_MODE", raising=False)
    spec = write_function(tmp_path, "Own", "import os\n"
                                           "def handler(event, context):\n"
                                           "    return os.environ.get('URBANETA_TEST_MODE')\n")
    fns = Functions({"Own": spec}, overlays={"Own": {"URBANETA_TEST_MODE": "own"}})

    # When it runs / Then it sees its value, and the environment is restored afterwards
    assert fns.invoke("Own", {}) == "own"
    assert "URBANETA_TEST_MODE" not in os.environ


def test_exclusive_waits_for_shared_holders():
    lock = SharedExclusiveLock()
    order: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def reader() -> None:
        with lock.shared():
            entered.set()
            release.wait(5)
            order.append("shared done")

    t = threading.Thread(target=reader)
    t.start()
    entered.wait(5)

    def writer() -> None:
        with lock.exclusive():
            order.append("exclusive")

    w = threading.Thread(target=writer)
    w.start()
    release.set()
    t.join(5)
    w.join(5)
    assert order == ["shared done", "exclusive"]
