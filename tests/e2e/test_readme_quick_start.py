"""The README's quick start, run verbatim (bash, curl) against the local stack while other clients hammer it."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.e2e.world import build_organisation, check_answer, read_operations, request_for

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start(base_url: str) -> str:
    """The README's quick start block, pointed at ``base_url`` instead of make dev's address."""
    text = README.read_text()
    block = re.search(r"### Quick start with curl.*?```bash\n(.*?)```", text, re.S)
    assert block, "the README has no quick start block"
    return block.group(1).replace("http://127.0.0.1:3000", base_url)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_quick_start_succeeds_while_other_clients_hammer_the_stack(stack):
    # Given 8 clients reading everything of another organisation, as fast as they can
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        org = build_organisation(http, "Hammer")
    ops = read_operations(stack.api_url)
    stop = threading.Event()
    problems: list[str] = []

    def hammer() -> None:
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            while not stop.is_set():
                for path, operation in ops:
                    url, query = request_for(path, operation, org)
                    problem = check_answer(http.get(url, params=query, headers=org.headers), path, org, set())
                    if problem:
                        problems.append(f"{url}: {problem}")
                    if stop.is_set():
                        return

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        # When the quick start runs verbatim, stopping at the first failing command
        script = quick_start(stack.base_url)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                             timeout=300)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    # Then every step succeeded and the last one exchanged the new API key for a token
    assert run.returncode == 0, f"{run.stderr[-2000:]}\n{run.stdout[-2000:]}"
    assert '"accessToken"' in run.stdout.strip().splitlines()[-1]
    assert '"error"' not in run.stdout, run.stdout
    assert re.search(r'"status": ?"completed"', run.stdout)  # it waited for the job before listing invoices
    assert "the API answered" not in run.stderr, run.stderr
    assert not problems, problems[:10]
