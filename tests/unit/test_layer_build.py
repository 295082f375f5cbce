"""The shared layer ships compiled bytecode (layers/shared/Makefile), so a cold start never compiles a module:
Lambda's /opt is read-only and the default python builder leaves wheels and our package uncompiled."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

from cfn_tools import load_yaml

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared"
UNCHECKED_HASH = 0b01  # PEP 552: hash-based, the source never checked at import


def test_the_template_builds_the_layer_with_its_makefile():
    # Given the template
    template = json.loads(json.dumps(load_yaml((ROOT / "template.yaml").read_text())))
    # Then the shared layer is built by its Makefile, for the functions' architecture
    layer = template["Resources"]["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == template["Globals"]["Function"]["Architectures"][0]


def test_every_module_of_the_package_ships_unchecked_hash_bytecode(tmp_path):
    # When the layer's own code is built as `sam build` builds it
    subprocess.run(["make", "--no-print-directory", "-C", str(LAYER), "layer-code", "layer-compile",
                    f"ARTIFACTS_DIR={tmp_path}", f"PYTHON={sys.executable}"], check=True, capture_output=True)
    built = tmp_path / "python" / "urbaneta"
    sources = sorted(built.rglob("*.py"))
    # Then every module is there with bytecode of this Python that is valid whatever the zip does to timestamps
    assert len(sources) == len(list((LAYER / "urbaneta").rglob("*.py")))
    tag = sys.implementation.cache_tag
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        header = compiled.read_bytes()[:8]
        assert struct.unpack("<I", header[4:8])[0] == UNCHECKED_HASH, compiled


def test_the_layer_refuses_to_compile_for_another_python(tmp_path):
    # Given a runtime other than this Python (bytecode is specific to a minor version)
    # When the build runs for it
    done = subprocess.run(["make", "--no-print-directory", "-C", str(LAYER), "layer-code", "RUNTIME_VERSION=3.99",
                           f"ARTIFACTS_DIR={tmp_path / 'out'}", f"PYTHON={sys.executable}"],
                          capture_output=True, text=True)
    # Then it stops before building anything, saying why
    assert done.returncode != 0
    assert "compiled by Python 3.99" in done.stderr
    assert not (tmp_path / "out").exists()
