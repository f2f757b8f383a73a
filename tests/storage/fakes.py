"""Keyring backends for faults a real keyring shows only sometimes, and a fixed data key.

The backends are never `viable`, so keyring's own detection never picks one:
a test sets it explicitly with `keyring.set_keyring`.
"""

from __future__ import annotations

import threading

import keyring.errors
from keyring.backend import KeyringBackend

from connmgr.storage.datakey import DataKeySource


class MemoryKeyring(KeyringBackend):
    """A working keyring in memory that counts every call."""

    priority = 1
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        self.entries[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(service)


class RaisingKeyring(KeyringBackend):
    """Every call raises `error` (a locked collection, no D-Bus, ...)."""

    priority = 1
    viable = False

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every write and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1


class HungKeyring(KeyringBackend):
    """Blocks every call until `release` is set, like a locked collection whose unlock prompt nobody answers."""

    priority = 1
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.entered += 1
        self.release.wait()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.get_password(service, username)


class FixedDataKey(DataKeySource):
    """A constant key, for tests about the database rather than the key (and for child processes, which cannot
    share an in-memory keyring)."""

    where = "the test's fixed key"
    KEY = bytes(range(32))

    def load(self) -> bytes | None:
        return self.KEY

    def create(self) -> bytes:
        raise AssertionError("a fixed key is never created")
