"""Every text a person receives, per language (one ``MESSAGES`` dict per language module, identical key sets),
and numbers, money and dates formatted by locale with Babel (``1 234,56 €`` and ``31.01.2025`` in Estonian).

``texts(language)`` gives a ``Texts``: ``t(key, **values)``, ``money(cents, currency)``, ``date(day)``,
``number(value)``. User data (charge names, addresses, names) is passed in as values, never translated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import import_module

from urbaneta.domain.languages import LANGUAGES, Language, pick


@cache
def catalogue(language: Language) -> dict[str, str]:
    messages: dict[str, str] = import_module(f"urbaneta.i18n.{language}").MESSAGES
    return messages


@cache
def _date_pattern(language: Language) -> str:
    """The locale's short date with a four-digit year (``dd.MM.yyyy`` in Estonian, ``y-MM-dd`` in Lithuanian)."""
    from babel.dates import get_date_format

    pattern = get_date_format("short", locale=language).pattern
    return pattern.replace("yyyy", "y").replace("yy", "y")


@dataclass(frozen=True)
class Texts:
    language: Language

    def t(self, key: str, **values: object) -> str:
        """The message in this language (a missing key is a KeyError: the catalogue test keeps them complete)."""
        text = catalogue(self.language)[key]
        return text.format(**values) if values else text

    def money(self, cents: int, currency: str = "EUR") -> str:
        from babel.numbers import format_currency

        return str(format_currency(Decimal(cents) / 100, currency, locale=self.language))

    def date(self, day: date) -> str:
        from babel.dates import format_date

        return str(format_date(day, _date_pattern(self.language), locale=self.language))

    def number(self, value: Decimal, *, min_places: int = 0) -> str:
        """A quantity, reading or price with the decimals it was given (at least ``min_places``, at most 6),
        grouped by locale."""
        from babel.numbers import format_decimal

        exponent = value.as_tuple().exponent
        places = min(max(-exponent, min_places, 0), 6) if isinstance(exponent, int) else min_places
        return str(format_decimal(value, format="#,##0." + "0" * places if places else "#,##0",
                                  locale=self.language))

    def unit(self, unit: str) -> str:
        """A system unit (``pc``, ``person``, ``share``, ``day``) in this language; a meter's unit as it is."""
        key = f"unit.{unit}"
        return self.t(key) if key in catalogue(self.language) else unit


def texts(*languages: str | None) -> Texts:
    """The texts of the first supported language given (the recipient's, then the organisation's), else English."""
    return Texts(pick(*languages))


__all__ = ["LANGUAGES", "Language", "Texts", "catalogue", "texts"]
