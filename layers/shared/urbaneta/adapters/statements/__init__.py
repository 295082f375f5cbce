"""Bank statement parsers: ISO 20022 camt.052/053/054 and FiDAViSta (XML), and the Baltic banks' CSV exports.

The format is recognised from the content (an XML root element and namespace, or a CSV header), never from
a file name; the Content-Type is only a hint that the content overrides.
"""

from __future__ import annotations

from urbaneta.adapters.statements.model import (
    REASONS,
    BankTransaction,
    ParsedStatement,
    StatementError,
    UnusableEntry,
)

__all__ = ["REASONS", "BankTransaction", "ParsedStatement", "StatementError", "UnusableEntry", "parse_statement",
           "sniff_kind"]

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_kind(content: bytes) -> str:
    """``xml`` when the content starts (after a BOM and blanks) with ``<``, else ``csv``."""
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n")
        except UnicodeError:
            return "csv"
        return "xml" if text.startswith("<") else "csv"
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
    return "xml" if head.lstrip(b" \t\r\n").startswith(b"<") else "csv"


def parse_statement(content: bytes, content_type: str | None = None) -> ParsedStatement:
    """Parse a statement file. ``content_type`` is accepted for compatibility; the content decides."""
    if not content.strip():
        raise StatementError("the file is empty")
    if sniff_kind(content) == "xml":
        from urbaneta.adapters.statements.detect import parse_xml_statement

        return parse_xml_statement(content)
    from urbaneta.adapters.statements.csv_banks import parse_bank_csv

    return parse_bank_csv(content)
