"""A shared connection's secrets sealed under the workspace key: the `SecretCodec` a workspace store is given.

Bound as the local store's are (`sealing.Binding`: the connection's id, template, flow and non-secret values, so
every endpoint override and the client id), and to the workspace's id: a database admin who edits `token_url`, or
moves a blob to another connection, gets secrets that do not open, so nothing is ever sent to an endpoint of theirs.

    format (1 byte: 0x57, never a local envelope's version) | key generation (4, big-endian) | nonce (12)
    | AES-256-GCM ciphertext of the secrets' JSON + tag (16)

The generation says which workspace key sealed a blob: after a rotation, a blob of an older one is not opened
(the removed member held that key) but reported, so it can be sealed again or dropped.
"""

from __future__ import annotations

import json
import os
import struct
from typing import TYPE_CHECKING

from connmgr.domain.connection import Secrets
from connmgr.storage.canonical import canonical
from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.sealing import SETTINGS_CHANGED, Binding

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = 0x57
_HEADER = struct.Struct(">BI")
_NONCE_BYTES = 12
_TAG_BYTES = 16
_SHORTEST = _HEADER.size + _NONCE_BYTES + _TAG_BYTES
_LABEL = "connmgr workspace secrets"


class WorkspaceCodec:
    """Seals under one generation of one workspace's key, and opens what that generation sealed."""

    __slots__ = ("_aead", "_workspace", "generation")

    def __init__(self, workspace_id: str, key: WorkspaceKey) -> None:
        # Imported on first use, as `envelope` does: listing connections never needs it.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.generation = key.generation
        self._workspace = canonical(_LABEL, [workspace_id])
        self._aead: AESGCM = AESGCM(key.key)

    def seal(self, binding: Binding, secrets: Secrets) -> bytes:
        header = _HEADER.pack(_FORMAT, self.generation)
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(secrets.to_json()).encode()
        return header + nonce + self._aead.encrypt(nonce, plaintext, self._context(header, binding))

    def open(self, binding: Binding, envelope: bytes) -> Secrets:
        generation = generation_of(envelope)
        if generation != self.generation:
            raise EnvelopeUnreadable(
                f"it was sealed under the workspace key of generation {generation}, and this is generation"
                f" {self.generation}"
            )
        header, nonce = envelope[: _HEADER.size], envelope[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        try:
            context = self._context(header, binding)
        except ValueError:  # a value that is not text: only a row edited outside connmgr has one
            raise EnvelopeUnreadable(SETTINGS_CHANGED) from None
        from cryptography.exceptions import InvalidTag

        try:
            plaintext = self._aead.decrypt(nonce, envelope[_HEADER.size + _NONCE_BYTES :], context)
        except InvalidTag:
            raise EnvelopeUnreadable(SETTINGS_CHANGED) from None
        return Secrets.from_json(json.loads(plaintext))

    def _context(self, header: bytes, binding: Binding) -> bytes:
        return header + self._workspace + binding.encoded()


def generation_of(envelope: bytes) -> int:
    """The key generation a sealed blob names (unverified: only opening it proves it); `EnvelopeUnreadable` for a
    blob that is not one."""
    if not envelope:
        raise EnvelopeUnreadable("it is empty")
    if envelope[0] != _FORMAT:
        raise EnvelopeUnreadable(f"unknown format {envelope[0]:02x}, not a workspace's sealed secrets")
    if len(envelope) < _SHORTEST:
        raise EnvelopeUnreadable(f"it has {len(envelope)} bytes, fewer than any sealed secrets")
    generation: int = _HEADER.unpack_from(envelope)[1]
    return generation
