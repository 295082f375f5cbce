"""Checks shared by every statement format: amounts, currencies, dates, banks and bank references.

Amounts are read from text with a strict pattern before ``Decimal`` sees them, so ``NaN``, ``Infinity``,
``sNaN``, exponents and thousands of digits never reach arithmetic; money stays integer cents.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from urbaneta.adapters.statements import model
from urbaneta.adapters.statements.model import MAX_AMOUNT_CENTS, StatementError

# ISO 4217 alphabetic codes in use, plus the Baltic currencies replaced by the euro (old exports carry them).
ISO_CURRENCIES = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XCD XDR XOF XPD XPF XPT
XSU XUA YER ZAR ZMW ZWL EEK LVL LTL
""".split()  # noqa: SIM905 - a table reads better than 180 quoted codes
)

_XML_DECIMAL = re.compile(r"[0-9]{1,18}(?:\.[0-9]{0,9})?|\.[0-9]{1,9}")  # ASCII digits only, bounded
_CENT = Decimal("0.01")


class EntryProblem(Exception):
    """One entry cannot be used; the parser records it with ``reason`` and goes on."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def cents_from_decimal_text(raw: str | None, *, signed: bool = False) -> int:
    """Integer cents from a plain decimal string (``84.50``; with ``signed`` also ``-84.50``).

    Raises ``EntryProblem`` for a missing, non-numeric (NaN, Infinity, exponent, letters), negative or absurdly
    large amount, and ``StatementError`` for sub-cent digits (no bank writes them; such a file is refused)."""
    text = (raw or "").strip()
    if not text:
        raise EntryProblem(model.MISSING_AMOUNT, "the entry has no amount")
    negative = False
    if text[0] in "+-" and signed:
        negative, text = text[0] == "-", text[1:].strip()
    if not _XML_DECIMAL.fullmatch(text):
        raise EntryProblem(model.INVALID_AMOUNT, f"the amount is not a plain decimal number: {raw.strip()[:20]!r}"
                           if raw else "the amount is not a number")
    value = Decimal(text)
    if value != value.quantize(_CENT):
        raise StatementError(f"an amount has more than 2 decimals: {text[:24]}")
    cents = int(value * 100)
    if cents > MAX_AMOUNT_CENTS:
        raise EntryProblem(model.AMOUNT_TOO_LARGE,
                           f"the amount is above {MAX_AMOUNT_CENTS // 100:,} (read {text[:24]})")
    return -cents if negative else cents


def currency_code(raw: str | None) -> str:
    code = (raw or "").strip().upper()
    if not code:
        raise EntryProblem(model.MISSING_CURRENCY, "the entry names no currency")
    if code not in ISO_CURRENCIES:
        raise EntryProblem(model.UNKNOWN_CURRENCY, f"the currency is not an ISO 4217 code: {code[:10]!r}")
    return code


def iso_date(raw: str | None) -> date:
    text = (raw or "").strip()
    if not text:
        raise EntryProblem(model.MISSING_DATE, "the entry has neither a booking date nor a value date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise EntryProblem(model.INVALID_DATE, f"the date is not a date: {text[:20]!r}") from exc


def local_date(raw: str | None) -> date:
    """``DD.MM.YYYY``, ``DD.MM.YY``, ``YYYY-MM-DD`` (optionally with a time), ``DD/MM/YYYY``."""
    text = (raw or "").strip()
    if not text:
        raise EntryProblem(model.MISSING_DATE, "the line has no date")
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y", "%Y.%m.%d"):
        try:
            return datetime.strptime(text[:10] if fmt in ("%Y-%m-%d", "%Y.%m.%d") else text.split(" ")[0], fmt).date()
        except ValueError:
            continue
    raise EntryProblem(model.INVALID_DATE, f"the date is not DD.MM.YYYY or YYYY-MM-DD: {text[:20]!r}")


# --- banks -------------------------------------------------------------------------------------------------

_BIC_PREFIX = {
    "HABA": "swedbank", "EEUH": "seb", "UNLA": "seb", "CBVI": "seb", "LHVB": "lhv", "EKRD": "coop",
    "RIKO": "luminor", "NDEA": "luminor", "AGBL": "luminor", "PARX": "citadele", "INDU": "citadele",
}
_EE_CODES = {"22": "swedbank", "10": "seb", "77": "lhv", "42": "coop", "17": "luminor", "96": "luminor"}
_LT_CODES = {"73000": "swedbank", "70440": "seb", "40100": "luminor", "21400": "luminor", "72900": "citadele"}


def bank_of_account(account: str | None) -> tuple[str | None, str | None]:
    """(bank, country) from an Estonian, Latvian or Lithuanian IBAN's bank code; (None, country) otherwise."""
    iban = (account or "").replace(" ", "").upper()
    country = iban[:2] if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", iban) else None
    if country == "EE":
        return _EE_CODES.get(iban[4:6]), country
    if country == "LV":
        return _BIC_PREFIX.get(iban[4:8]), country
    if country == "LT":
        return _LT_CODES.get(iban[4:9]), country
    return None, country


def bank_of_bic(bic: str | None) -> str | None:
    return _BIC_PREFIX.get((bic or "").strip().upper()[:4])


_SWEDBANK_CAMT_REF = re.compile(r"([0-9]{10,20})-[0-9]{1,6}")


def normalise_bank_ref(raw: str | None, bank: str | None) -> str | None:
    """The bank's reference in the form shared by its CSV, camt and FiDAViSta files.

    Spaces removed and upper case everywhere. Swedbank writes ``<archive id>-<n>`` in camt ``AcctSvcrRef``
    and the bare archive id in its CSV and FiDAViSta files: the ``-<n>`` suffix is dropped for Swedbank."""
    text = re.sub(r"\s+", "", raw or "").upper()
    if not text or text == "NOTPROVIDED":
        return None
    if bank == "swedbank":
        match = _SWEDBANK_CAMT_REF.fullmatch(text)
        if match:
            return match.group(1)
    return text


def bank_refs(bank: str | None, *raw: str | None) -> tuple[str, ...]:
    """Normalised, de-duplicated references, most specific first."""
    out: list[str] = []
    for value in raw:
        ref = normalise_bank_ref(value, bank)
        if ref and ref not in out:
            out.append(ref)
    return tuple(out)


class Partial(model.EntryFacts):
    """What has been read of an entry so far, for an ``UnusableEntry`` if a later check fails."""

    def unusable(self, position: int, problem: EntryProblem) -> model.UnusableEntry:
        return model.UnusableEntry(position=position, reason=problem.reason, detail=problem.detail,
                                   **self.__dict__)


# ---- XML (camt, FiDAViSta) ------------------------------------------------------------------------------------


def parse_xml_root(content: bytes) -> Any:
    """The document's root element, parsed with defusedxml: a DTD, entities, a malformed or truncated file, or
    an unknown declared encoding is a StatementError."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if not content.strip():
        raise StatementError("the file is empty")
    try:
        return fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError("the XML declares a DTD or entities, which are refused") from exc
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise StatementError(f"the XML is malformed or truncated ({str(exc)[:120]})") from exc


def xml_local(tag: Any) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_child(el: Any, *path: str) -> Any:
    """The first descendant along ``path`` of local names (namespace ignored), or None."""
    node = el
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if xml_local(c.tag) == name), None)
    return node


def xml_children(el: Any, name: str) -> list[Any]:
    return [] if el is None else [c for c in el if xml_local(c.tag) == name]


def xml_text(el: Any, *path: str) -> str | None:
    """The stripped text at ``path``, None when absent or blank."""
    node = xml_child(el, *path)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None
