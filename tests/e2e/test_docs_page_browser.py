"""The documentation page opened in a real browser (Debian's headless Chromium, no internet access): it
renders the API's operations from the API's own assets, and a screenshot is kept as a test artifact
(artifacts/docs-page.png)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]

pytestmark = pytest.mark.e2e


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Debian's chromium is not installed (make test installs it where apt-get is available)")
    return path


def _run(args: list[str]) -> str:
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                             capture_output=True, text=True, timeout=120, check=False)
    return out.stdout


def test_docs_page_renders_every_operation_in_chromium(stack):
    # Given the running stack and its OpenAPI document
    doc = httpx.get(f"{stack.api_url}/openapi.json", timeout=30).json()
    operations = sum(len(ops) for ops in doc["paths"].values()) + len(doc.get("webhooks", {}))
    # When the docs page is opened in headless Chromium and its scripts have run
    dom = _run(["--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw",
                "--dump-dom", f"{stack.api_url}/docs"])
    # Then Swagger UI rendered one block per operation (and per webhook event type), with the API's title
    rendered = len(re.findall(r'class="opblock opblock-', dom))
    assert "Urbaneta API" in dom
    assert rendered == operations, f"{rendered} operations rendered, {operations} documented"
    # And an operation opened by its link shows who may call it (x-roles)
    opened = _run(["--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw", "--dump-dom",
                   f"{stack.api_url}/docs#/Buildings/createBuilding"])
    assert "x-roles" in opened and "manager" in opened
    # And a screenshot is kept as an artifact
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-page.png"
    _run(["--virtual-time-budget=15000", "--window-size=1280,2400", f"--screenshot={shot}", f"{stack.api_url}/docs"])
    assert shot.exists() and shot.stat().st_size > 10_000
    (ARTIFACTS / "docs-page-operations.json").write_text(json.dumps({"documented": operations,
                                                                     "rendered": rendered}))
