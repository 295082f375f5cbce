"""Payment reference numbers: Estonian/Finnish 7-3-1 (viitenumber) and ISO 11649 RF creditor references.

Pure functions, no I/O. See ``domain/payments.md`` "Reference numbers".

- 7-3-1: a base of 1-19 digits plus one check digit (2-20 digits in all). The base digits are weighted
  from right to left by 7, 3, 1, 7, 3, 1, …; check = (10 - sum mod 10) mod 10.
- RF (ISO 11649): ``RF`` + 2 check digits + 1-21 alphanumerics. Letters map to numbers (A=10 … Z=35);
  generate with payload + ``RF00`` mod 97 → check = 98 - that; valid when the first four characters moved
  to the end give mod 97 == 1.

Inputs may carry spaces (printed forms group digits: ``RF71 2348 231``); ``normalize`` removes them and
upper-cases letters. Validators return ``False`` for anything malformed, never raise; generators raise
``ValueError`` on an invalid base/payload.
"""

from __future__ import annotations

import re

__all__ = [
    "check_digit_731",
    "format_rf",
    "is_valid_731",
    "is_valid_reference",
    "is_valid_rf",
    "make_731",
    "make_rf",
    "normalize",
    "rf_check_digits",
]

_WEIGHTS = (7, 3, 1)
_BASE_731 = re.compile(r"[0-9]{1,19}")
_REF_731 = re.compile(r"[0-9]{2,20}")
_RF_PAYLOAD = re.compile(r"[0-9A-Z]{1,21}")
_RF = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")


def normalize(reference: str) -> str:
    """Strip whitespace anywhere and upper-case: ``" rf71 2348 231 "`` → ``"RF712348231"``."""
    return "".join(reference.split()).upper()


# ---- 7-3-1 -----------------------------------------------------------------------------------------------


def check_digit_731(base: str) -> int:
    """The 7-3-1 check digit of a base of 1-19 digits."""
    if not _BASE_731.fullmatch(base):
        raise ValueError("a 7-3-1 base is 1-19 digits")
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def make_731(base: str | int) -> str:
    """Base + its check digit: ``make_731("12131295") == "121312952"``."""
    text = str(base)
    return text + str(check_digit_731(text))


def is_valid_731(reference: str) -> bool:
    """True for 2-20 digits whose last digit is the 7-3-1 check digit of the rest (spaces ignored)."""
    ref = normalize(reference)
    if not _REF_731.fullmatch(ref):
        return False
    return check_digit_731(ref[:-1]) == int(ref[-1])


# ---- ISO 11649 RF ----------------------------------------------------------------------------------------


def _to_digits(text: str) -> str:
    """Letters to numbers (A=10 … Z=35), digits unchanged."""
    return "".join(str(int(ch, 36)) for ch in text)


def rf_check_digits(payload: str) -> str:
    """The two RF check digits of a payload of 1-21 alphanumerics (case-insensitive, spaces ignored)."""
    body = normalize(payload)
    if not _RF_PAYLOAD.fullmatch(body):
        raise ValueError("an RF payload is 1-21 letters or digits")
    return f"{98 - int(_to_digits(body + 'RF00')) % 97:02d}"


def make_rf(payload: str | int) -> str:
    """``RF`` + check digits + payload: ``make_rf("2024000123") == "RF492024000123"``."""
    body = normalize(str(payload))
    return "RF" + rf_check_digits(body) + body


def is_valid_rf(reference: str) -> bool:
    """True for a well-formed RF reference whose check digits verify (spaces and case ignored)."""
    ref = normalize(reference)
    if not _RF.fullmatch(ref):
        return False
    return int(_to_digits(ref[4:] + ref[:4])) % 97 == 1


def format_rf(reference: str) -> str:
    """Print form in groups of four: ``"RF71 2348 231"``."""
    ref = normalize(reference)
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))


def is_valid_reference(reference: str) -> bool:
    """Either a valid RF reference or a valid 7-3-1 number."""
    ref = normalize(reference)
    return is_valid_rf(ref) if ref.startswith("RF") else is_valid_731(ref)
