"""Meter photo OCR with the offline engine (RapidOCR on ONNX Runtime): time per photo, cold start, and the size the
engine adds to a deployment.

- warm time per photo (a drawn 640x400 dial, and the same dial as a 4000x2500 camera-size JPEG) against
  decoding that photo alone (the floor of any image work), in the same process;
- cold: a fresh interpreter importing the meters function and reading its first photo, against the same
  interpreter importing the function only (the OCR imports are lazy, so other routes never pay them);
- size: installed bytes of the engine's distribution closure against the shared layer's own closure.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

from bench.common import ROOT, Figure, median, quick, report

COLD = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = [{layer!r}, {root!r}]
    started = time.perf_counter()
    import importlib.util
    spec = importlib.util.spec_from_file_location("fn_meters", {app!r})
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    imported = time.perf_counter()
    if {read}:
        from tests.meter_photos import meter_photo
        from urbaneta.adapters.ocr import get_engine
        from urbaneta.adapters.ocr.register import find_register
        assert str(find_register(get_engine("rapidocr").read(meter_photo())).value) == "123.456"
    print(time.perf_counter() - started)
    """
)


def _closure(names: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = re.split(r"[\s\[<>=!~;(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if not name or name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for req in dist.requires or []:
            if "extra ==" not in req:
                todo.append(req)
    return seen


def _size_mb(names: set[str]) -> float:
    total = 0
    for name in names:
        for f in metadata.distribution(name).files or []:
            try:
                total += Path(f.locate()).stat().st_size
            except OSError:
                continue
    return total / 1_000_000


def _layer_requirements() -> list[str]:
    lines = (ROOT / "layers" / "shared" / "requirements.txt").read_text().splitlines()
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def _cold(read: bool) -> float:
    code = COLD.format(layer=str(ROOT / "layers" / "shared"), root=str(ROOT),
                       app=str(ROOT / "functions" / "meters" / "app.py"), read=read)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]
    import cv2
    import numpy as np
    from PIL import Image

    from tests.meter_photos import meter_photo
    from urbaneta.adapters.ocr import get_engine
    from urbaneta.adapters.ocr.register import find_register

    engine = get_engine("rapidocr")
    small = meter_photo()
    big_img = Image.open(io.BytesIO(small)).resize((4000, 2500))
    buf = io.BytesIO()
    big_img.save(buf, "JPEG", quality=95)
    big = buf.getvalue()
    rounds = 3 if quick() else 15
    figures: list[Figure] = []
    for label, photo in (("640x400 PNG", small), (f"4000x2500 JPEG {len(big) // 1024} KB", big)):
        find_register(engine.read(photo))  # warm the models
        reads, decodes = [], []
        for _ in range(rounds if photo is small else max(2, rounds // 3)):
            started = time.perf_counter()
            register = find_register(engine.read(photo))
            reads.append(time.perf_counter() - started)
            assert str(register.value) == "123.456", register
            started = time.perf_counter()
            cv2.imdecode(np.frombuffer(photo, dtype=np.uint8), cv2.IMREAD_COLOR)
            decodes.append(time.perf_counter() - started)
        figures.append(Figure("ocr", f"photo read, warm ({label})", median(reads), "s", median(decodes),
                              "vs decoding the photo alone"))
    tries = 1 if quick() else 3
    figures.append(Figure("ocr", "cold: import function + first photo", median([_cold(True) for _ in range(tries)]),
                          "s", median([_cold(False) for _ in range(tries)]), "vs importing the function only"))
    engine_dists = _closure(["rapidocr-onnxruntime"]) - _closure(_layer_requirements())
    figures.append(Figure("ocr", "offline engine size (installed)", _size_mb(engine_dists), "MB",
                          _size_mb(_closure(_layer_requirements())), "vs the shared layer's deps"))
    report("ocr", figures)


if __name__ == "__main__":
    main()
