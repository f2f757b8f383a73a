"""AES-GCM envelopes: a version byte, a random 96-bit nonce, then ciphertext and tag.

The version byte and a context (for secrets: the connection's id) are
authenticated as associated data, so an envelope copied into another row, or
read with another key, fails to open instead of yielding garbage.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from connmgr.domain.connection import Secrets

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12
_VERSION = b"\x01"


class EnvelopeUnreadable(Exception):
    """The envelope does not open; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=1)  # one data key per store: setting its cipher up again for every row cost a refresh 10 µs
def _aead(key: bytes) -> AESGCM:
    # Imported on first use: the window lists connections (metadata only) before its first paint without it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION + nonce + _aead(key).encrypt(nonce, plaintext, _VERSION + context)


def open_envelope(key: bytes, envelope: bytes, context: bytes) -> bytes:
    version, nonce, sealed = envelope[:1], envelope[1 : 1 + _NONCE_BYTES], envelope[1 + _NONCE_BYTES :]
    if version != _VERSION:
        raise EnvelopeUnreadable(f"unknown format {version.hex() or 'empty'}, perhaps from a newer connmgr")
    from cryptography.exceptions import InvalidTag

    try:
        return _aead(key).decrypt(nonce, sealed, _VERSION + context)
    except InvalidTag:
        raise EnvelopeUnreadable("it was not sealed for this row with this data key") from None


def _secrets_context(connection_id: str) -> bytes:
    return b"secrets:" + connection_id.encode()


def seal_secrets(key: bytes, connection_id: str, secrets: Secrets) -> bytes:
    return seal(key, json.dumps(secrets.to_json()).encode(), _secrets_context(connection_id))


def open_secrets(key: bytes, connection_id: str, envelope: bytes) -> Secrets:
    return Secrets.from_json(json.loads(open_envelope(key, envelope, _secrets_context(connection_id))))
