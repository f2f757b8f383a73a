"""How deeply outside data may nest: JSON from vendors, files connmgr reads back.

Python's `json` and `tomllib` parse nested arrays and tables by recursion, so
a document nested a hundred thousand deep ends in a `RecursionError` instead
of a sentence, and so would any code that walks it afterwards. No token
response, discovery document, key set, claim set or template comes near
`MAX_DEPTH`; anything deeper is refused before it is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64

# A JSON string (its closing quote optional, so an unterminated one still ends the match), or one bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    """The document nests deeper than `MAX_DEPTH`."""


def _check_json_depth(text: str, max_depth: int) -> None:
    if text.count("[") + text.count("{") <= max_depth:
        return  # cannot nest deeper than it has brackets: most answers stop here
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        bracket = match.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise TooDeep(f"nested deeper than {max_depth} levels")
        elif bracket in ("]", "}"):
            depth -= 1


def loads_json(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing a document nested deeper than `max_depth` (`TooDeep`, a `ValueError`) before
    parsing it. Other failures raise what `json.loads` raises: `ValueError` or `UnicodeDecodeError`."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    _check_json_depth(text, max_depth)
    return json.loads(text)


def check_depth(value: object, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise `TooDeep` if parsed data (tables and arrays, as from TOML) nests deeper than `max_depth`; iterative,
    since TOML's dotted keys build deep tables without recursing."""
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, Mapping) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth >= max_depth:
            raise TooDeep(f"nested deeper than {max_depth} levels")
        pending.extend((child, depth + 1) for child in children)
