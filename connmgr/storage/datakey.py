"""Where the one data key comes from: the OS keyring, or a passphrase when no keyring works.

Why envelope encryption: each connection's secrets are sealed with AES-GCM
under a single random 256-bit data key, in the connection's own database row,
and only that key lives in the keyring (as Chrome's os_crypt and Signal
Desktop do). Windows Credential Manager holds about 1,280 characters per
entry, which a Keycloak token bundle exceeds; every Secret Service call is a
D-Bus round trip, and exporting 1,000 connections must take about a second;
and a metadata row with its secrets in one SQLite commit cannot be torn apart
by a crash, which a database plus separate keyring entries could be. With the
envelope, the keyring is asked once per process.
"""

from __future__ import annotations

import base64
import binascii
import os
from abc import ABC, abstractmethod
from pathlib import Path

from connmgr.storage.envelope import KEY_BYTES, EnvelopeUnreadable, new_data_key, open_envelope, seal
from connmgr.storage.errors import DataKeyInvalid, KeySourceMismatch, WrongPassphrase
from connmgr.storage.keyring_access import KEYRING_TIMEOUT_S, call_keyring, keyring_service, store_and_check
from connmgr.storage.keyring_thread import KeyringThread
from connmgr.storage.keysource import (
    RECORD_NAME,
    SALT_BYTES,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    KeyringRecord,
    KeySourceKind,
    PassphraseRecord,
    ScryptParams,
    read_record,
    write_record,
)

KEYRING_USERNAME = "data-key"
_SEALED_KEY_CONTEXT = b"data-key"


class DataKeySource(ABC):
    """The data key of one home. Calls may block (keyring round trip, scrypt): never make them on the GUI thread;
    `ConnectionStore.unlock()` makes them on a worker thread."""

    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the key lives, in words for an error sentence."""

    @abstractmethod
    def load(self) -> bytes | None:
        """The data key, or None while this home has none."""

    @abstractmethod
    def create(self) -> bytes:
        """Make and record a new data key. Only for a home where nothing is encrypted yet: a new key cannot open
        what the old one sealed."""


class KeyringDataKey(DataKeySource):
    """The data key in the OS keyring, under a service name holding the home's path, so two homes never share or
    overwrite each other's key."""

    def __init__(self, home: Path, timeout: float = KEYRING_TIMEOUT_S) -> None:
        super().__init__(home)
        self.service = keyring_service(home)
        self._thread = KeyringThread(timeout)

    @property
    def where(self) -> str:
        return f"the keyring entry {self.service!r}"

    def load(self) -> bytes | None:
        if isinstance(read_record(self.home), PassphraseRecord):
            raise KeySourceMismatch(self.home, recorded=KeySourceKind.PASSPHRASE)
        text = call_keyring(self._thread, "reading the data key", lambda backend: backend.get_password(*self._entry))
        return None if text is None else self._decode(text)

    def create(self) -> bytes:
        key = new_data_key()
        text = base64.b64encode(key).decode("ascii")
        # Recorded before the key is stored: a crash in between leaves a home that names the keyring and has no
        # key and no rows, from which the next save simply starts again.
        write_record(self.home, KeyringRecord())
        store_and_check(self._thread, "the data key", *self._entry, text)
        return key

    @property
    def _entry(self) -> tuple[str, str]:
        return self.service, KEYRING_USERNAME

    def _decode(self, text: str) -> bytes:
        try:
            key = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise DataKeyInvalid(self.where) from None
        if len(key) != KEY_BYTES:
            raise DataKeyInvalid(self.where)
        return key


class PassphraseDataKey(DataKeySource):
    """The data key sealed under a key derived from a passphrase with scrypt, for machines without a keyring."""

    def __init__(self, home: Path, passphrase: str) -> None:
        if not passphrase:
            raise ValueError("an empty passphrase protects nothing")
        super().__init__(home)
        self._passphrase = passphrase

    @property
    def where(self) -> str:
        return str(self.home / RECORD_NAME)

    def load(self) -> bytes | None:
        record = read_record(self.home)
        if record is None:
            return None
        if isinstance(record, KeyringRecord):
            raise KeySourceMismatch(self.home, recorded=KeySourceKind.KEYRING)
        try:
            return open_envelope(record.scrypt.derive(self._passphrase), record.sealed_key, _SEALED_KEY_CONTEXT)
        except EnvelopeUnreadable:
            raise WrongPassphrase() from None

    def create(self) -> bytes:
        key = new_data_key()
        params = ScryptParams(os.urandom(SALT_BYTES), SCRYPT_N, SCRYPT_R, SCRYPT_P)
        sealed_key = seal(params.derive(self._passphrase), key, _SEALED_KEY_CONTEXT)
        write_record(self.home, PassphraseRecord(params, sealed_key))
        return key
