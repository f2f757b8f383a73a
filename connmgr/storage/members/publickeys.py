"""A device's public key as text (for a join request) and as a short fingerprint (for people to compare).

The fingerprints are what stop a database admin from putting a key of their own in a person's place: the joining
device shows its own key's fingerprint, the admin's window shows that of the key in the request, and the two
people compare them by voice or chat before approving; the same the other way for the admin's key, which the
joining device then trusts to wrap the workspace key for it (see `wrapping`). 120 bits of SHA-256 in base32, as
6 groups of 4 of the letters and the digits 2-7 (which leave out the look-alikes 0, 1 and 8): finding another key
with the same fingerprint costs about 2**120 tries, and reading one out a few seconds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from connmgr.storage.canonical import canonical
from connmgr.storage.members.errors import NotAPublicKey

PUBLIC_KEY_BYTES = 32
_FINGERPRINT_BYTES = 15  # 120 bits: 24 base32 characters, no padding
_GROUP = 4


def public_key_text(public_key: bytes) -> str:
    return base64.b64encode(public_key).decode("ascii")


def parse_public_key(text: str) -> bytes:
    """The key in a join request; `NotAPublicKey` for anything else."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):  # ValueError: text that is not ASCII
        raise NotAPublicKey("it is not base64 text") from None
    check_public_key(raw)
    return raw


def check_public_key(public_key: bytes) -> None:
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise NotAPublicKey(f"it has {len(public_key)} bytes, not {PUBLIC_KEY_BYTES}")


def fingerprint(public_key: bytes) -> str:
    """Six groups of four characters, the same wherever the same key is seen."""
    check_public_key(public_key)
    digest = hashlib.sha256(canonical("connmgr device key", [public_key.hex()])).digest()
    text = base64.b32encode(digest[:_FINGERPRINT_BYTES]).decode("ascii")
    return " ".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def public_bytes(private_key: X25519PrivateKey) -> bytes:
    """The raw public half of a device's (or an ephemeral) key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
