"""The offline engine: RapidOCR (PP-OCRv4 detection and recognition) on ONNX Runtime. Its models ship inside
the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded at run time. Used by the local stack and tests.

It also sees colour: a word of digits whose right part is printed in red (the decimal drums of most water
meters) is split at the colour break, so the register rule reads the red digits as decimals.
"""

from __future__ import annotations

import threading
from typing import Any

from urbaneta.adapters.ocr import Token

# Ink that is red: a strong red channel well above green and blue.
RED_MIN = 100
RED_MARGIN = 60
# Ink against the background: brightness this far from the word box's median.
INK_CONTRAST = 60


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def _ocr(self) -> Any:
        with self._lock:
            if self._engine is None:
                from rapidocr_onnxruntime import RapidOCR  # heavy: only when the first photo is read

                self._engine = RapidOCR()
            return self._engine

    def read(self, image: bytes) -> list[Token]:
        import cv2
        import numpy as np

        pixels = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
        if pixels is None:
            return []
        height, width = pixels.shape[:2]
        result, _elapsed = self._ocr()(pixels)
        tokens: list[Token] = []
        for box, text, score in result or []:
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            left, right = max(min(xs), 0.0), min(max(xs), float(width))
            top, bottom = max(min(ys), 0.0), min(max(ys), float(height))
            parts = split_at_colour_break(pixels, left, top, right, bottom, str(text))
            for part, part_left, part_right in parts:
                tokens.append(Token(text=part, confidence=float(score), left=part_left / width, top=top / height,
                                    right=part_right / width, bottom=bottom / height))
        return tokens


def split_at_colour_break(pixels: Any, left: float, top: float, right: float, bottom: float,
                          text: str) -> list[tuple[str, float, float]]:
    """``[(text, left, right)]``: the word as is, or in two where its digits turn from dark to red."""
    import numpy as np

    whole = [(text, left, right)]
    digits = text.strip()
    if not digits.isdigit() or len(digits) < 2:
        return whole
    x0, x1, y0, y1 = int(left), round(right), int(top), round(bottom)
    crop = pixels[y0:y1, x0:x1].astype(np.int16)
    if crop.size == 0:
        return whole
    blue, green, red = crop[..., 0], crop[..., 1], crop[..., 2]
    brightness = (blue + green + red) / 3
    is_red = (red >= RED_MIN) & (red - np.maximum(green, blue) >= RED_MARGIN)
    is_ink = (np.abs(brightness - np.median(brightness)) >= INK_CONTRAST) | is_red
    ink_cols = is_ink.sum(axis=0)
    red_cols = is_red.sum(axis=0)
    inked = ink_cols > 0
    red_col = inked & (red_cols * 2 >= ink_cols)
    dark_col = inked & ~red_col
    if not red_col.any() or not dark_col.any():
        return whole
    first_red = int(np.argmax(red_col))
    last_dark = int(len(dark_col) - 1 - np.argmax(dark_col[::-1]))
    if last_dark > first_red:  # colours interleave: not a clean break
        return whole
    glyphs = _runs(inked)
    if len(glyphs) == len(digits):
        split = sum(1 for _start, end in glyphs if end < first_red)
    else:
        ink_start, ink_end = glyphs[0][0], glyphs[-1][1]
        split = round(len(digits) * (first_red - ink_start) / max(ink_end - ink_start + 1, 1))
    if not 0 < split < len(digits):
        return whole
    cut = left + (last_dark + first_red) / 2 + 0.5
    return [(digits[:split], left, cut), (digits[split:], cut, right)]


def _runs(mask: Any) -> list[tuple[int, int]]:
    """Runs of True columns: (first, last) index of each glyph."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, on in enumerate(mask.tolist()):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs
