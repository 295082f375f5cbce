"""The e2e harness: the whole local stack (python -m local: moto's server, the template's resources, the API,
pumps, rule relays, mailbox) on free ports, one per pytest worker, started once per session.

Fixtures:
- ``stack``: a ``local.stack.StackProcess`` — ``.base_url`` (http://127.0.0.1:PORT; the API is under ``/api``),
  ``.api_url``, ``.moto_url``, ``.mail()``, ``.clear_mail()``, ``.fire_schedule(name, time=None)``, ``.stop()``.
  It runs in a child process: a worker also runs integration tests with moto's in-process mock, whose
  backends and environment a running stack must not share. The probe functions of ``probe/template.yaml``
  (routes under ``/api/_e2e/``) are merged in; they are there to test the harness itself.
- ``http``: an ``httpx.Client`` whose base URL is ``stack.base_url`` (``http.get("/api/buildings")``).
Every test in this folder is marked ``e2e``.

No 5xx is allowed anywhere: when the session ends, the stack's console (one line per request, and every
warning and error of the stack and its functions) must show no answer of 5xx and no error, except those the
probe's ``/api/_e2e/boom`` route causes on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PROBE = Path(__file__).resolve().parent / "probe" / "template.yaml"
EXPECTED = ("/api/_e2e/boom", "the probe failed on purpose")
SERVER_ERROR = re.compile(r"^\d\d:\d\d:\d\d [A-Z]+ \S+ 5\d\d ")


def unexpected_errors(console: str) -> list[str]:
    """The console lines that report a 5xx answer or an error, less those the probe causes on purpose."""
    found = []
    lines = console.splitlines()
    for index, line in enumerate(lines):
        if not (SERVER_ERROR.match(line) or " ERROR " in line or "Traceback" in line):
            continue
        context = " ".join(lines[max(0, index - 3):index + 2])
        if not any(marker in context for marker in EXPECTED):
            found.append(line)
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack() -> Iterator[object]:
    from local.stack import spawn_stack

    running = spawn_stack(fragments=[PROBE], env={"POWERTOOLS_LOG_LEVEL": "WARNING"})
    try:
        yield running
    finally:
        code = running.stop()
        kept = Path(__file__).resolve().parents[2] / ".local" / "logs" / "e2e-stack.log"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(running.log())  # the whole console, kept for reading after a failure
        assert code == 0, f"the local stack did not stop cleanly ({code}):\n{running.log()[-3000:]}"
        errors = unexpected_errors(running.log())
        assert not errors, "the stack logged errors or answered 5xx:\n" + "\n".join(errors[:30])


@pytest.fixture
def http(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        yield client
