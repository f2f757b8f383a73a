"""A device's X25519 key pair, as a member of a workspace uses it: its public half and fingerprint to show, the
workspace key to wrap (as an admin) and to unwrap. Where the pair is kept is `device`'s concern."""

from __future__ import annotations

import base64
from collections.abc import Collection

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from connmgr.storage.members.publickeys import fingerprint, public_bytes, public_key_text
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.members.wrapping import unwrap, wrap


class DeviceKeyPair:
    """A device's key pair. Its private half never leaves this object (no repr shows it)."""

    __slots__ = ("_private", "public_key")

    def __init__(self, private: X25519PrivateKey) -> None:
        self._private = private
        self.public_key = public_bytes(private)

    def __repr__(self) -> str:
        return f"DeviceKeyPair(fingerprint={self.fingerprint!r})"

    @property
    def public_text(self) -> str:
        return public_key_text(self.public_key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def wrap(self, workspace_id: str, key: WorkspaceKey, public_key: bytes) -> bytes:
        """As an admin: `key` wrapped for the member whose public key is `public_key`."""
        return wrap(workspace_id, key, public_key, self._private)

    def unwrap(
        self, workspace_id: str, wrapped: bytes, trusted: Collection[bytes], *, at_least: int = 1
    ) -> WorkspaceKey:
        """The workspace key wrapped for this device by one of the `trusted` devices, of generation `at_least` (the
        newest this device has opened) or later."""
        return unwrap(workspace_id, wrapped, self._private, trusted, at_least=at_least)

    def private_text(self) -> str:
        """The private half, for the keyring entry only."""
        raw = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return base64.b64encode(raw).decode("ascii")
