"""The shared package's layers hold: the import-linter contracts of pyproject.toml (see docs/architecture.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_imports_run_one_way_down():
    # Given the contracts in pyproject.toml; When lint-imports checks the package
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (requirements-dev.txt)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared")}
    out = subprocess.run([exe, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    # Then every contract is kept
    assert out.returncode == 0, out.stdout + out.stderr
