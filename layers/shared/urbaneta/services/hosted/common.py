"""A hosted page's answer and the pieces every page shares."""

from __future__ import annotations

from dataclasses import dataclass

from urbaneta.domain.languages import from_accept_language
from urbaneta.i18n import Texts, texts


@dataclass(frozen=True)
class HostedPage:
    status: int
    html: str


def not_found(accept_language: str | None) -> HostedPage:
    """The one answer for an unknown, used or expired token (in the browser's language: nobody is known)."""
    from urbaneta.adapters.html import page, paragraphs

    tx = texts(from_accept_language(accept_language))
    return HostedPage(404, page(tx.language, tx.t("page.not_found.title"),
                                paragraphs([tx.t("page.not_found.body")])))


def reasons(tx: Texts, *, unauthorized: str = "page.reason.password") -> dict[str, str]:
    """What a form says when the API refuses it, by status (the API's own messages are English)."""
    invalid = tx.t("page.failed", reason=tx.t("page.reason.invalid"))
    return {"401": tx.t("page.failed", reason=tx.t(unauthorized)), "403": invalid, "404": invalid, "409": invalid,
            "400": tx.t("page.failed", reason=tx.t("page.reason.input")),
            "422": tx.t("page.failed", reason=tx.t("page.reason.input")),
            "429": tx.t("page.failed", reason=tx.t("page.reason.busy")),
            "other": tx.t("page.failed", reason=tx.t("page.reason.other"))}
