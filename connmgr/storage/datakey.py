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
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from connmgr.storage.envelope import KEY_BYTES, EnvelopeUnreadable, new_data_key, open_envelope, seal
from connmgr.storage.errors import (
    DataKeyError,
    DataKeyInvalid,
    KeyringFailed,
    KeyringLocked,
    KeyringUnavailable,
    KeySourceMismatch,
    WrongPassphrase,
)
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

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger("connmgr.storage")

T = TypeVar("T")

KEYRING_TIMEOUT_S = 10.0
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
        self.service = f"connmgr:{home.resolve()}"
        self._thread = KeyringThread(timeout)

    @property
    def where(self) -> str:
        return f"the keyring entry {self.service!r}"

    def load(self) -> bytes | None:
        if isinstance(read_record(self.home), PassphraseRecord):
            raise KeySourceMismatch(self.home, recorded=KeySourceKind.PASSPHRASE)
        text = self._keyring("reading the data key", lambda backend: backend.get_password(*self._entry))
        return None if text is None else self._decode(text)

    def create(self) -> bytes:
        key = new_data_key()
        text = base64.b64encode(key).decode("ascii")
        # Recorded before the key is stored: a crash in between leaves a home that names the keyring and has no
        # key and no rows, from which the next save simply starts again.
        write_record(self.home, KeyringRecord())
        self._keyring("storing the data key", lambda backend: backend.set_password(*self._entry, text))
        # Some backends accept a write and keep nothing; find out before anything is sealed with this key.
        if self._keyring("reading back the data key", lambda backend: backend.get_password(*self._entry)) != text:
            raise KeyringFailed("storing the data key", "it was not there when read back")
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

    def _keyring(self, action: str, operation: Callable[[KeyringBackend], T]) -> T:
        """`operation` on the active backend, on the keyring thread, with keyring's failures as typed errors."""
        # Imported here, not at the top: it costs ~80 ms, and listing connections (the window's start) never needs it.
        import keyring
        import keyring.errors

        def on_active_backend() -> T:
            # Looked up on the keyring thread: choosing a backend can itself make D-Bus calls.
            backend = keyring.get_keyring()
            _refuse_insecure(backend)
            return operation(backend)

        try:
            return self._thread.call(on_active_backend)
        except DataKeyError:
            raise
        except keyring.errors.KeyringLocked as exc:
            raise KeyringLocked() from exc
        except keyring.errors.NoKeyringError as exc:
            raise KeyringUnavailable("no keyring backend is installed") from exc
        except keyring.errors.InitError as exc:
            log.warning("keyring could not start: %s", exc)
            raise KeyringUnavailable("the keyring service could not be reached") from exc
        except Exception as exc:  # a backend may raise anything (D-Bus errors, OS errors): report, never crash
            log.warning("keyring failure while %s: %r", action, exc)
            raise KeyringFailed(action, type(exc).__name__) from exc


def _refuse_insecure(backend: KeyringBackend) -> None:
    """keyring's own rule: a backend below priority 1 is not recommended. That covers `fail` (raises on every
    call), `null` (keeps nothing, so a new key would be lost at once) and plaintext files."""
    if backend.priority < 1:
        name = f"{type(backend).__module__}.{type(backend).__qualname__}"
        raise KeyringUnavailable(f"the active backend, {name}, does not keep secrets safely")


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
