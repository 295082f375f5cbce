"""Reading a meter photo: one interface, two engines chosen by configuration.

- ``textract``: Amazon Textract DetectDocumentText (deployed; nothing extra to ship).
- ``rapidocr``: RapidOCR on ONNX Runtime, fully offline, its models inside the wheel (the local stack and the
  tests; Textract is not emulated there). Heavy: imported only when the first photo is read.

An engine turns image bytes into ``Token``s (text, confidence, box); ``urbaneta.adapters.ocr.register`` picks the
register digits out of them, the same way for both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from urbaneta.settings import get_settings

JPEG = "image/jpeg"
PNG = "image/png"


@dataclass(frozen=True)
class Token:
    """A word the engine read. The box is relative to the image (0..1): left, top, right, bottom."""

    text: str
    confidence: float  # 0..1
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


class OcrEngine(Protocol):
    name: str

    def read(self, image: bytes) -> list[Token]:
        """Every word on the photo (an empty list when nothing is readable)."""
        ...


def image_type(data: bytes) -> str | None:
    """The image type by its bytes (magic numbers), never by a name: JPEG, PNG or None."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    return None


MAX_PIXELS = 64_000_000
"""A photo decodes to width x height x 3 bytes: refuse what could not be a camera photo (decompression bombs)."""

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the PNG header or the JPEG frame header, without decoding; None if not found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in _JPEG_SOF and i + 9 <= len(data):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        if marker == 0xDA or length < 2:  # image data starts before any frame header: broken
            return None
        i += 2 + length
    return None


def engine_name() -> str:
    """``OCR_ENGINE`` (textract | rapidocr); the local stack and tests always read offline."""
    settings = get_settings()
    return "rapidocr" if settings.is_local else settings.ocr_engine


@cache
def get_engine(name: str | None = None) -> OcrEngine:
    chosen = name or engine_name()
    if chosen == "textract":
        from urbaneta.adapters.ocr.textract import TextractEngine

        return TextractEngine()
    if chosen == "rapidocr":
        from urbaneta.adapters.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine()
    raise ValueError(f"unknown OCR engine {chosen!r}")
