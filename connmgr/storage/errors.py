"""Typed storage failures, each with the one sentence a person sees.

Two families: `DataKeyError` (the key that unlocks the secrets cannot be had:
the GUI answers these with an unlock or passphrase prompt) and the rest of
`StorageError` (the database on disk). No sentence contains a secret.
"""

from __future__ import annotations

from pathlib import Path

from connmgr.domain.durations import in_words
from connmgr.domain.errors import ConnmgrError, clip

KEYRING = "Keyring"
STORE = "Connection store"
_NOTHING_CHANGED = "nothing was changed"


class StorageError(ConnmgrError):
    """Base of every failure of the storage layer."""


class DataKeyError(StorageError):
    """The data key that decrypts the secrets cannot be obtained."""


class KeyringUnavailable(DataKeyError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            KEYRING,
            f"no usable system keyring was found ({clip(detail)})",
            "install and unlock one (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager)"
            " or protect this data directory with a passphrase",
        )


class KeyringLocked(DataKeyError):
    retryable = True

    def __init__(self) -> None:
        super().__init__(KEYRING, "the keyring is locked", "unlock it, for example by signing in again, and try again")


class KeyringTimeout(DataKeyError):
    retryable = True

    def __init__(self, timeout: float) -> None:
        super().__init__(
            KEYRING,
            f"the keyring did not answer within {in_words(timeout)}",
            "unlock it if it is asking for a password, or restart the keyring service, then try again",
        )


class KeyringFailed(DataKeyError):
    def __init__(self, action: str, detail: str) -> None:
        super().__init__(KEYRING, f"{action} failed ({clip(detail)})", "check that the keyring works and try again")


class DataKeyLost(DataKeyError):
    def __init__(self, where: str, encrypted_rows: int) -> None:
        super().__init__(
            STORE,
            f"the data key of {encrypted_rows} saved connection(s) is missing from {where}",
            "restore it from a backup, or remove those connections and sign in again",
        )


class DataKeyInvalid(DataKeyError):
    def __init__(self, where: str) -> None:
        super().__init__(
            STORE,
            f"{where} does not hold a valid connmgr data key",
            "restore it from a backup, or remove the saved connections and sign in again",
        )


class WrongPassphrase(DataKeyError):
    def __init__(self) -> None:
        super().__init__(STORE, "the passphrase is wrong", "type it again")


class KeySourceMismatch(DataKeyError):
    def __init__(self, home: Path, recorded: str) -> None:
        if recorded == "keyring":
            what, todo = "the system keyring, not a passphrase", "use it without a passphrase, where that keyring works"
        else:
            what, todo = "a passphrase, not the system keyring", "give its passphrase"
        super().__init__(STORE, f"the secrets in {home} are protected by {what}", todo)


class KeySourceInvalid(DataKeyError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(STORE, f"{path} is damaged ({clip(reason)})", "restore it from a backup")


class ConnectionNotFound(StorageError):
    def __init__(self, name: str) -> None:
        super().__init__(STORE, f"there is no connection named {clip(name)!r}", "check the name in the list")


class ConnectionDamaged(StorageError):
    """A row holds a value no connmgr writes at this schema version: edited outside connmgr, or damaged."""

    def __init__(self, connection_id: str, name: str, reason: str) -> None:
        self.connection_id = connection_id  # a damaged row can still be removed: its id and name are sound
        super().__init__(
            STORE,
            f"the saved connection {clip(name)!r} is damaged ({reason})",
            "restore the store from a backup, or remove that connection and connect it again",
        )


class NameTaken(StorageError):
    def __init__(self, name: str) -> None:
        super().__init__(
            STORE,
            f"a connection named {clip(name)!r} already exists",
            "choose another name or remove the existing connection",
        )


class SecretsUnreadable(StorageError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            STORE,
            f"the secrets of {clip(name)!r} cannot be decrypted ({reason})",
            "sign in again to replace them; the connection itself is kept",
        )


class StoreRefused(StorageError):
    """The store could not be read or written (a full, read-only, locked or damaged disk; an unreachable server).
    What the refused write would have saved is still the caller's to keep: nothing was changed (or, for a store
    across a network, whether it was is not known), and the same write may succeed later."""


class StoreFull(StoreRefused):
    def __init__(self, home: Path) -> None:
        super().__init__(
            STORE, f"the disk holding {home} is full", f"free some space and try again; {_NOTHING_CHANGED}"
        )


class StoreReadOnly(StoreRefused):
    def __init__(self, home: Path, detail: str) -> None:
        super().__init__(
            STORE,
            f"{home} cannot be written ({clip(detail)})",
            f"make it writable or choose another directory with --home or CONNMGR_HOME; {_NOTHING_CHANGED}",
        )


class StoreBusy(StoreRefused):
    retryable = True

    def __init__(self, home: Path) -> None:
        super().__init__(
            STORE,
            f"{home} stayed locked by another connmgr",
            f"try again when the other program has finished; {_NOTHING_CHANGED}",
        )


class StoreDamaged(StoreRefused):
    def __init__(self, path: Path) -> None:
        super().__init__(
            STORE, f"{path} is damaged or not a connmgr database", "restore it from a backup, or move it aside"
        )


class StoreTooNew(StorageError):
    def __init__(self, path: Path, version: int, known: int) -> None:
        super().__init__(
            STORE,
            f"{path} was written by a newer connmgr (schema {version}, this one knows up to {known})",
            "upgrade connmgr",
        )


class StoreFailed(StoreRefused):
    def __init__(self, home: Path, detail: str) -> None:
        super().__init__(
            STORE,
            f"reading or writing {home} failed ({clip(detail)})",
            f"try again, and report it if it persists; {_NOTHING_CHANGED}",
        )


class WorkspaceUnavailable(StoreRefused):
    """A store over this home and a workspace (`storage.both`) could not use the workspace: offline (its server
    cannot be reached, or refused), or not open to this device (not approved yet, or removed). `name`, when given,
    is not in this home, and may be in the workspace."""

    def __init__(self, where: str, name: str | None, cause: ConnmgrError) -> None:
        self.cause = cause
        self.retryable = cause.retryable
        offline = isinstance(cause, StoreRefused)
        what = f"the workspace at {where} is {'offline' if offline else 'not open to this device'} ({clip(cause.what)})"
        if name is not None:
            what = f"{clip(name)!r} is not in this home, and {what}"
        todo = "check the network and try again" if offline else cause.todo
        super().__init__("Workspace", what, f"{todo}; {_NOTHING_CHANGED}")


class NameOnBothSides(StorageError):
    def __init__(self, name: str, where: str) -> None:
        super().__init__(
            STORE,
            f"a connection named {clip(name)!r} is both in this home and in the workspace at {where}",
            f"rename this home's to tell them apart (connmgr rename {clip(name)!r} NEW renames it)",
        )
