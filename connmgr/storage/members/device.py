"""This device's X25519 key pair: the private half in the OS keyring beside the home's data key, under the same
service name, made on first use. Like the data key's, every call may block on the keyring (a D-Bus round trip, an
unlock prompt): never make one on the GUI thread.

One key pair per home rather than per workspace: a device is one member wherever it joins, and has one key to
keep. The public half is what a join request carries; its fingerprint is what people compare.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from connmgr.storage.keyring_access import KEYRING_TIMEOUT_S, call_keyring, keyring_service, store_and_check
from connmgr.storage.keyring_thread import KeyringThread
from connmgr.storage.members.errors import DeviceKeyInvalid
from connmgr.storage.members.keypair import DeviceKeyPair

KEYRING_USERNAME = "device-key"
_PRIVATE_BYTES = 32


class KeyringDeviceKey:
    """The device key of one home in the OS keyring."""

    def __init__(self, home: Path, timeout: float = KEYRING_TIMEOUT_S) -> None:
        self.service = keyring_service(home)
        self._thread = KeyringThread(timeout)

    @property
    def where(self) -> str:
        return f"the keyring entry {self.service!r} ({KEYRING_USERNAME})"

    def load(self) -> DeviceKeyPair | None:
        """The key pair, or None while this home has none."""
        text = call_keyring(
            self._thread, "reading the device key", lambda backend: backend.get_password(self.service, KEYRING_USERNAME)
        )
        return None if text is None else self._decode(text)

    def load_or_create(self) -> DeviceKeyPair:
        """The key pair, made and stored first if this home has none."""
        pair = self.load()
        if pair is None:
            pair = DeviceKeyPair(X25519PrivateKey.generate())
            store_and_check(self._thread, "the device key", self.service, KEYRING_USERNAME, pair.private_text())
        return pair

    def _decode(self, text: str) -> DeviceKeyPair:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise DeviceKeyInvalid(self.where) from None
        if len(raw) != _PRIVATE_BYTES:
            raise DeviceKeyInvalid(self.where)
        return DeviceKeyPair(X25519PrivateKey.from_private_bytes(raw))
