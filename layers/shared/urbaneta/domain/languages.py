"""The languages a person receives documents, e-mails and pages in."""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["et", "lv", "lt", "ru", "en"]

LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
"""The organisation's language when it has not chosen one."""


def pick(*candidates: str | None) -> Language:
    """The first candidate that is a supported language (an apartment's, then the organisation's), else English."""
    for value in candidates:
        if value in LANGUAGES:
            return value  # type: ignore[return-value]
    return DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> Language:
    """The best supported language of an ``Accept-Language`` header (for a page shown without a token)."""
    ranked: list[tuple[float, str]] = []
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower()[:2]))
    ranked.sort(key=lambda r: -r[0])
    return pick(*(tag for _q, tag in ranked))
