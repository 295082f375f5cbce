"""Meter photos the tests draw themselves: a dial with register drums (black integers, red decimals), a serial
number, a unit and a label; or a blank or noisy picture."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

FONT_BOLD = "DejaVuSans-Bold.ttf"
FONT = "DejaVuSans.ttf"


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(name, size)
    except OSError:  # no DejaVu on the machine: Pillow's own scalable font
        return ImageFont.load_default(size)


def meter_photo(integer: str = "00123", decimals: str = "456", *, serial: str = "S/N 98765432", unit: str = "m³",
                label: str = "WATER", fmt: str = "PNG") -> bytes:
    """A water meter's dial: the register in a frame (decimals in red), the serial under it, the unit beside."""
    img = Image.new("RGB", (640, 400), "white")
    draw = ImageDraw.Draw(img)
    big, small = _font(FONT_BOLD, 64), _font(FONT, 24)
    draw.ellipse((10, 10, 630, 390), outline="black", width=6)
    draw.rectangle((120, 140, 540, 240), outline="black", width=4)
    draw.text((140, 150), integer, font=big, fill="black")
    if decimals:
        width = draw.textlength(integer, font=big)
        draw.text((140 + width + 4, 150), decimals, font=big, fill=(200, 0, 0))
    draw.text((200, 280), serial, font=small, fill="black")
    draw.text((470, 250), unit, font=small, fill="black")
    draw.text((250, 60), label, font=small, fill="black")
    return _encode(img, fmt)


def blank_photo(fmt: str = "PNG") -> bytes:
    return _encode(Image.new("RGB", (640, 400), (235, 235, 235)), fmt)


def noisy_photo(seed: int = 7, fmt: str = "PNG") -> bytes:
    rnd = random.Random(seed)
    img = Image.frombytes("L", (320, 200), bytes(rnd.randrange(256) for _ in range(320 * 200))).convert("RGB")
    return _encode(img, fmt)


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()
