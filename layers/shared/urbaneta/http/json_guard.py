"""Hostile JSON is refused before anything parses it deeply: nesting deeper than ``MAX_DEPTH``, number
literals longer than ``MAX_NUMBER_CHARS``, and numbers that are not finite (``NaN``, ``Infinity``, ``1e999``)
are a 400, never a RecursionError or a ValueError deep in a parser (a 500).

The depth is measured by a linear scan of the brackets outside strings (no recursion, no backtracking);
only a body within the depth limit is then decoded once, with number hooks that check every number."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40

_TOKENS = re.compile(r'\\.|["\[\]{}]', re.S)


def _depth(text: str) -> int:
    deepest = depth = 0
    in_string = False
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or token[0] == "\\":
            continue
        elif token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        else:
            depth -= 1
    return deepest


def _number(literal: str) -> float | int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise ValueError("number too long")
    value = float(literal) if any(c in literal for c in ".eE") else int(literal)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("number not finite")
    return value


def _not_a_number(literal: str) -> Any:
    raise ValueError(f"{literal} is not a number")


def _text(event: dict[str, Any]) -> str | None:
    """The body when it is JSON-looking (an object or an array), else None."""
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    if not isinstance(body, str):
        return None
    start = body.lstrip()[:1]
    return body if start in ("{", "[") else None


def problem(event: dict[str, Any]) -> str | None:
    """Why the event's JSON body is refused, or None when it is acceptable (or not JSON at all)."""
    text = _text(event)
    if text is None:
        return None
    if _depth(text) > MAX_DEPTH:
        return f"The JSON body is nested deeper than {MAX_DEPTH} levels."
    try:
        json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_not_a_number)
    except RecursionError:
        return f"The JSON body is nested deeper than {MAX_DEPTH} levels."
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return None  # malformed JSON: the route's own validation answers it as before
        return (f"Every number in the JSON body must be finite and at most {MAX_NUMBER_CHARS} characters "
                "long.")
    return None
