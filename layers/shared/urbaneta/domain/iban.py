"""IBANs checked with python-stdnum against the IBAN registry: the country's length and structure and the
check digits. The message names what is expected, e.g. "an Estonian IBAN has 20 characters; this one has 21"."""

from __future__ import annotations

import re


def _bban_length(structure: str) -> int:
    """The length of a BBAN from the registry's notation, e.g. ``2!n2!n11!n1!n`` → 16."""
    return sum(int(n) for n in re.findall(r"(\d+)!?[nac]", structure))


def iban_problem(value: str) -> str | None:
    """None for a valid IBAN (spaces allowed, any case), else what is wrong with it, in the product's words."""
    from stdnum import iban
    from stdnum.exceptions import ValidationError

    number = iban.compact(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", number):
        return "must be an IBAN: two letters of the country, two check digits, then the account, e.g. " \
               "EE382200221020145685"
    info = iban._ibandb.info(number)[0][1]
    if not info:
        return f"must be an IBAN; {number[:2]} is not a country that has IBANs"
    expected = 4 + _bban_length(str(info.get("bban", "")))
    if len(number) != expected:
        return f"must be an IBAN of {expected} characters for {info.get('country', number[:2])}; this one has " \
               f"{len(number)}"
    try:
        iban.validate(number)
    except ValidationError as exc:
        if type(exc).__name__ == "InvalidChecksum":
            return "is not a valid IBAN: its check digits do not match (a typing error?)"
        return f"is not a valid IBAN for {info.get('country', number[:2])}: the account part has the wrong form"
    return None


def compact(value: str) -> str:
    """The IBAN without spaces or dashes, in capitals (what is stored and printed)."""
    from stdnum import iban

    return str(iban.compact(value))
