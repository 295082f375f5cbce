"""Bank statement parsers: ISO 20022 camt.053/camt.054 (XML) and Swedbank/SEB/LHV CSV exports."""

from __future__ import annotations

from urbaneta.adapters.statements.model import BankTransaction, ParsedStatement, StatementError

__all__ = ["BankTransaction", "ParsedStatement", "StatementError", "parse_statement"]


def parse_statement(content: bytes, content_type: str | None) -> ParsedStatement:
    """Dispatch by Content-Type (``application/xml``/``text/xml`` or ``text/csv``), falling back to a sniff
    of the first bytes when the type is generic."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if kind in ("application/xml", "text/xml") or (kind in ("", "application/octet-stream") and head == b"<"):
        from urbaneta.adapters.statements.camt import parse_camt

        return parse_camt(content)
    if kind in ("text/csv", "application/csv", "text/plain") or kind in ("", "application/octet-stream"):
        from urbaneta.adapters.statements.csv_banks import parse_bank_csv

        return parse_bank_csv(content)
    raise StatementError("unsupported content type")
