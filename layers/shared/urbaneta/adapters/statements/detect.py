"""XML statements: parse once with defusedxml, then choose the reader by the root element and namespace."""

from __future__ import annotations

from urbaneta.adapters.statements.model import ParsedStatement, StatementError


def parse_xml_statement(content: bytes) -> ParsedStatement:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    from urbaneta.adapters.statements.camt import parse_camt_root
    from urbaneta.adapters.statements.fidavista import is_fidavista, parse_fidavista_root

    if not content.strip():
        raise StatementError("the file is empty")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError("the XML declares a DTD or entities, which are refused") from exc
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise StatementError(f"the XML is malformed or truncated ({str(exc)[:120]})") from exc
    if is_fidavista(root):
        return parse_fidavista_root(root)
    return parse_camt_root(root)
