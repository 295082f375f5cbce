"""Pick the register (the counter's reading) out of the words an OCR engine read on a meter photo.

The rule, the same for every engine:

1. A word is a *candidate* when, after dropping a trailing unit (m3, m³, kWh, MWh, GJ, Gcal) and reading
   the usual look-alikes as digits (O→0, I/l/|→1), it is a number of at least 4 digits, optionally with one
   decimal separator (``.`` or ``,``) and spaces between digit groups.
2. Words that are not the register are ignored: numbers carrying or following a label of identity
   (S/N, SN, No, Nr, №, Serial, ID, Type, Typ, Mod, Art), flow or rate figures (a unit with ``/h``, Q3, Qn,
   DN, PN, bar, °C) and anything with letters left in it.
3. The register is the most prominent candidate: the tallest box; within 10 % of the tallest, the one with
   more digits, then the more confident.
4. Decimals: a separator inside the word, or a short run of digits (1 to 4) immediately right of it on the
   same line, at least 60 % as tall — how a colour break (black integer drums, red decimal drums) or a
   frame around the decimals reads. Engines that can see colour split a word at the colour break so that
   rule 4 applies to them too.
5. Leading zeros of the drums are dropped (``00123`` + ``456`` → 123.456). No candidate, or a register read
   with less than MIN_CONFIDENCE, is "no readable register".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from urbaneta.adapters.ocr import Token

MIN_DIGITS = 4
MIN_CONFIDENCE = 0.6
MAX_DECIMALS = 4
PROMINENCE_TOLERANCE = 0.10

_UNIT = r"(?:m3|m³|m\^3|kwh|mwh|gj|gcal)"
_TRAILING_UNIT = re.compile(rf"\s*{_UNIT}\s*$", re.IGNORECASE)
_RATE = re.compile(rf"{_UNIT}\s*/\s*h|/\s*h\b|\b(?:q3|qn|q1|q2|q4|dn|pn)\b|bar\b|°\s*c", re.IGNORECASE)
_LABEL = re.compile(r"^(?:s\s*/\s*n|s\s*\.\s*n\.?|sn|ser(?:ial)?|no|nr|n°|№|#|id|type|typ|mod(?:el)?|art|year)"
                    r"(?=$|[\s:.#\-]|\d)", re.IGNORECASE)
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_NUMBER = re.compile(r"^\d[\d ]*(?:[.,]\d+)?$")


@dataclass(frozen=True)
class Register:
    value: Decimal
    confidence: float
    digits: str  # as printed on the drums, e.g. "00123.456"


class Unreadable(Exception):
    """No register could be read on the photo."""


def _number(text: str) -> str | None:
    """The number a word stands for, or None when it is not a plain (register-like) number."""
    raw = text.strip()
    if not raw or _RATE.search(raw) or _LABEL.match(raw):
        return None
    raw = _TRAILING_UNIT.sub("", raw)
    letters = sum(ch.isalpha() for ch in raw)
    if letters and letters > len(raw) / 3:  # a word, not a number with a misread digit
        return None
    raw = raw.translate(_LOOKALIKES).strip()
    if not _NUMBER.match(raw):
        return None
    return raw.replace(" ", "")


def _is_label(token: Token) -> bool:
    text = token.text.strip()
    return bool(_LABEL.match(text)) and not any(ch.isdigit() for ch in text)


def _same_line(a: Token, b: Token) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height)


def _labelled(token: Token, tokens: Sequence[Token]) -> bool:
    """A label word right before it on the same line (``S/N 12345678``)."""
    for other in tokens:
        if other is token or not _is_label(other) or not _same_line(other, token):
            continue
        gap = token.left - other.right
        if -0.5 * token.height <= gap <= 2.0 * max(token.height, other.height):
            return True
    return False


def _decimals_beside(register: Token, tokens: Sequence[Token]) -> Token | None:
    best: Token | None = None
    for other in tokens:
        if other is register or not _same_line(register, other):
            continue
        digits = other.text.strip()
        if not digits.isdigit() or len(digits) > MAX_DECIMALS:
            continue
        gap = other.left - register.right
        if not -0.2 * register.height <= gap <= 1.5 * register.height:
            continue
        if other.height < 0.6 * register.height:
            continue
        if best is None or other.left < best.left:
            best = other
    return best


def _value(integer: str, fraction: str) -> Decimal:
    whole = integer.lstrip("0") or "0"
    return Decimal(f"{whole}.{fraction}") if fraction else Decimal(whole)


def find_register(tokens: Sequence[Token]) -> Register:
    """The register of a meter photo (see the module's rule). Raises Unreadable."""
    candidates: list[tuple[Token, str]] = []
    for token in tokens:
        number = _number(token.text)
        if number is None or sum(ch.isdigit() for ch in number) < MIN_DIGITS or _labelled(token, tokens):
            continue
        candidates.append((token, number))
    if not candidates:
        raise Unreadable("No meter register could be read on the photo.")
    tallest = max(t.height for t, _ in candidates)
    prominent = [(t, n) for t, n in candidates if t.height >= (1 - PROMINENCE_TOLERANCE) * tallest]
    token, number = max(prominent, key=lambda c: (sum(ch.isdigit() for ch in c[1]), c[0].confidence))
    confidence = token.confidence
    match = re.match(r"^(\d+)(?:[.,](\d+))?$", number)
    if match is None:
        raise Unreadable("No meter register could be read on the photo.")
    integer, fraction = match.group(1), match.group(2) or ""
    if not fraction:
        beside = _decimals_beside(token, tokens)
        if beside is not None:
            fraction = beside.text.strip()
            confidence = min(confidence, beside.confidence)
    if confidence < MIN_CONFIDENCE:
        raise Unreadable("The meter register could not be read with enough confidence; take a sharper photo.")
    digits = f"{integer}.{fraction}" if fraction else integer
    return Register(value=_value(integer, fraction), confidence=round(confidence, 3), digits=digits)


def reading_order(tokens: Sequence[Token]) -> list[Token]:
    """Words top to bottom, left to right (a word starts a new line when it is below the previous line)."""
    ordered = sorted(tokens, key=lambda t: (t.top, t.left))
    lines: list[list[Token]] = []
    for token in ordered:
        if lines and _same_line(lines[-1][0], token):
            lines[-1].append(token)
        else:
            lines.append([token])
    return [t for line in lines for t in sorted(line, key=lambda t: t.left)]


def full_text(tokens: Sequence[Token]) -> str:
    return " ".join(t.text.strip() for t in reading_order(tokens) if t.text.strip())
