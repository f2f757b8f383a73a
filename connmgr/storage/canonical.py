"""The one byte encoding of what is authenticated or hashed: a sealed envelope's binding, an audit entry.

A label, then each text as its 4-byte big-endian length and its UTF-8 bytes, so that no two different lists of
texts (under the same label) encode alike, and no list under one label encodes like one under another.
"""

from __future__ import annotations

from collections.abc import Iterable


def canonical(label: str, texts: Iterable[object]) -> bytes:
    """The encoding of `texts` under `label`; ValueError for an item that is not text (only a row edited by hand
    has one)."""
    return b"".join(map(_length_prefixed, (label, *texts)))


def _length_prefixed(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate (JSON allows one) still encodes, and differs
    return len(raw).to_bytes(4, "big") + raw
