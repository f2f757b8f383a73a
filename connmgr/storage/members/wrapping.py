"""The workspace key wrapped for one member's device, as HPKE's authenticated mode (RFC 9180, AuthEncap) wraps a
key: X25519 between a new ephemeral key and the member's public key, and between the wrapping admin's device key
and the member's; HKDF-SHA256 over both shared secrets; AES-256-GCM over the key.

Why authenticated: anyone can wrap a key for a public key, and the database holds every member's. Without the
admin's key in the agreement, a database admin could hand a member a workspace key of their own choosing, and read
every secret that member seals under it afterwards. So a member opens only what a device it trusts wrapped: the
admins whose fingerprints its person compared, which its store keeps where the database cannot change them.

A wrapped key is 117 bytes, and nothing else parses:

    format (1) | generation (4, big-endian) | sender's public key (32) | ephemeral public key (32)
    | AES-GCM ciphertext of the key (32) + tag (16)

HKDF's info binds a fixed label, the workspace's id, the three public keys and the generation, so a blob opens
only for the device, workspace and generation it was made for: one moved to another member's row or workspace, or
relabelled with another generation or sender, does not open. The AES-GCM key and nonce both come from HKDF and are
used once (each wrap has a new ephemeral key); the header is the associated data.
"""

from __future__ import annotations

import struct
from collections.abc import Collection

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connmgr.storage.canonical import canonical
from connmgr.storage.members.errors import NotAPublicKey, WrappedKeyUnreadable
from connmgr.storage.members.publickeys import PUBLIC_KEY_BYTES, check_public_key, public_bytes
from connmgr.storage.members.workspacekey import WORKSPACE_KEY_BYTES, WorkspaceKey

_FORMAT = 1
_HEADER = struct.Struct(f">BI{PUBLIC_KEY_BYTES}s{PUBLIC_KEY_BYTES}s")
_NONCE_BYTES = 12
_TAG_BYTES = 16
WRAPPED_BYTES = _HEADER.size + WORKSPACE_KEY_BYTES + _TAG_BYTES
_LABEL = "connmgr workspace key"
_NOT_FOR_THIS_DEVICE = "it was sealed for another device, workspace or key generation, or changed since"


def wrap(workspace_id: str, key: WorkspaceKey, public_key: bytes, sender: X25519PrivateKey) -> bytes:
    """`key` sealed by the admin device `sender` for the device whose public key is `public_key` (from its
    approved join request); `NotAPublicKey` if that is not a usable X25519 key."""
    check_public_key(public_key)
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = X25519PrivateKey.generate()
    try:
        shared = ephemeral.exchange(recipient) + sender.exchange(recipient)
    except ValueError:  # a low-order point: every key agrees on the same (zero) secret with it
        raise NotAPublicKey("it is a point no real key has") from None
    header = _HEADER.pack(_FORMAT, key.generation, public_bytes(sender), public_bytes(ephemeral))
    aead, nonce = _cipher(shared, workspace_id, header, public_key)
    return header + aead.encrypt(nonce, key.key, header)


def unwrap(
    workspace_id: str, wrapped: bytes, private_key: X25519PrivateKey, trusted: Collection[bytes], *, at_least: int = 1
) -> WorkspaceKey:
    """The workspace key in `wrapped`, sealed for this device's `private_key` by one of the `trusted` devices'
    public keys, of generation `at_least` or later; `WrappedKeyUnreadable` otherwise.

    `at_least`: the newest generation this device has opened. An older wrapped key, authentic as it is, may have
    been put back from before a member was removed, who holds it: what this device sealed under it, that member
    could read."""
    generation, sender_public, ephemeral_public = _parse(wrapped)
    if generation < at_least:
        raise WrappedKeyUnreadable(
            f"it holds generation {generation}, older than the generation {at_least} this device has opened"
        )
    if sender_public not in trusted:
        raise WrappedKeyUnreadable("it was sealed by a device this one was never shown to trust")
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public)) + private_key.exchange(
            X25519PublicKey.from_public_bytes(sender_public)
        )
    except ValueError:
        raise WrappedKeyUnreadable(_NOT_FOR_THIS_DEVICE) from None
    header = wrapped[: _HEADER.size]
    aead, nonce = _cipher(shared, workspace_id, header, public_bytes(private_key))
    try:
        key = aead.decrypt(nonce, wrapped[_HEADER.size :], header)
    except InvalidTag:
        raise WrappedKeyUnreadable(_NOT_FOR_THIS_DEVICE) from None
    return WorkspaceKey(generation, key)


def generation_of(wrapped: bytes) -> int:
    """The generation a wrapped key says it holds (unverified: only opening it proves it)."""
    return _parse(wrapped)[0]


def _parse(wrapped: bytes) -> tuple[int, bytes, bytes]:
    """The generation, the sender's and the ephemeral public key of a blob of the right format and length."""
    if not wrapped:
        raise WrappedKeyUnreadable("it is empty")
    if wrapped[0] != _FORMAT:
        raise WrappedKeyUnreadable(f"unknown format {wrapped[0]:02x}, perhaps from a newer connmgr")
    if len(wrapped) != WRAPPED_BYTES:
        raise WrappedKeyUnreadable(f"it has {len(wrapped)} bytes, not {WRAPPED_BYTES}")
    _, generation, sender_public, ephemeral_public = _HEADER.unpack_from(wrapped)
    if generation == 0:  # never wrapped (generations start at 1), so never authentic
        raise WrappedKeyUnreadable(_NOT_FOR_THIS_DEVICE)
    return generation, sender_public, ephemeral_public


def _cipher(shared: bytes, workspace_id: str, header: bytes, recipient_public: bytes) -> tuple[AESGCM, bytes]:
    # The header holds the format, generation, sender's and ephemeral keys; with the recipient's key it is HPKE's
    # kem_context, so the derived key is bound to all of them.
    info = canonical(_LABEL, [workspace_id, header.hex(), recipient_public.hex()])
    okm = HKDF(hashes.SHA256(), WORKSPACE_KEY_BYTES + _NONCE_BYTES, salt=None, info=info).derive(shared)
    return AESGCM(okm[:WORKSPACE_KEY_BYTES]), okm[WORKSPACE_KEY_BYTES:]
