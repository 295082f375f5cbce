"""XML statements: parse once with defusedxml, then choose the reader by the root element and namespace."""

from __future__ import annotations

from urbaneta.adapters.statements.common import parse_xml_root
from urbaneta.adapters.statements.model import ParsedStatement


def parse_xml_statement(content: bytes) -> ParsedStatement:
    from urbaneta.adapters.statements.camt import parse_camt_root
    from urbaneta.adapters.statements.fidavista import is_fidavista, parse_fidavista_root

    root = parse_xml_root(content)
    if is_fidavista(root):
        return parse_fidavista_root(root)
    return parse_camt_root(root)
