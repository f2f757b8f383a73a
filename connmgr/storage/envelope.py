"""AES-GCM envelopes: a version byte, from version 2 an 8-byte key id, a random 96-bit nonce, then ciphertext and
tag.

Everything before the nonce and a context (for secrets: what `sealing` binds them to) are authenticated as
associated data, so an envelope copied into another row, or read with another key, fails to open instead of
yielding garbage. The key id (a keyed hash of the key, which reveals nothing of it) tells "sealed with another
key" apart from "changed since it was sealed", which the tag alone cannot; a store whose key is replaced (a team
workspace's, when a member leaves) also learns from it which rows are still to be sealed again.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12
_KEY_ID_BYTES = 8
_KEYED = 2  # the first version that carries a key id
_NOT_SEALED_HERE = "it was not sealed for this row with this data key"


class EnvelopeUnreadable(Exception):
    """The envelope does not open; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=1)  # one data key per store: not set up again for every row
def _aead(key: bytes) -> AESGCM:
    # Imported on first use: the window lists connections (metadata only) before its first paint without it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


@lru_cache(maxsize=1)
def key_id(key: bytes) -> bytes:
    import hashlib  # with the first secret sealed or opened: the window's first paint reads none
    import hmac

    return hmac.new(key, b"connmgr key id", hashlib.sha256).digest()[:_KEY_ID_BYTES]


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def version_of(envelope: bytes) -> int:
    return envelope[0] if envelope else 0


def seal(key: bytes, plaintext: bytes, context: bytes, *, version: int = 1) -> bytes:
    header = bytes([version]) + (key_id(key) if version >= _KEYED else b"")
    nonce = os.urandom(_NONCE_BYTES)
    return header + nonce + _aead(key).encrypt(nonce, plaintext, header + context)


def open_envelope(
    key: bytes, envelope: bytes, context: bytes, *, version: int = 1, changed: str = _NOT_SEALED_HERE
) -> bytes:
    """The plaintext of an envelope of `version` sealed with `key` and `context`; `changed`: the reason given when
    the tag does not verify although the key is the one it was sealed with."""
    found = version_of(envelope)
    if found != version:
        newer = ", perhaps from a newer connmgr" if found > version else ""
        raise EnvelopeUnreadable(f"unknown format {envelope[:1].hex() or 'empty'}{newer}")
    header_bytes = 1 + (_KEY_ID_BYTES if version >= _KEYED else 0)
    header, nonce = envelope[:header_bytes], envelope[header_bytes : header_bytes + _NONCE_BYTES]
    if version >= _KEYED and header[1:] != key_id(key):
        raise EnvelopeUnreadable("it was sealed with another data key")
    from cryptography.exceptions import InvalidTag

    try:
        return _aead(key).decrypt(nonce, envelope[header_bytes + _NONCE_BYTES :], header + context)
    except InvalidTag:
        raise EnvelopeUnreadable(changed) from None
