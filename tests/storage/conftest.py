from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from connmgr.storage import DataKeySource, KeyringDataKey
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import MemoryKeyring
from tests.storage.opener import StoreOpener
from tests.storage.read_only import ReadOnly
from tests.storage.workspaces import Workspaces


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "secret_service: uses the real default keyring (an unlocked Secret Service); runs only when "
        "CONNMGR_TEST_SECRET_SERVICE is set",
    )


@pytest.fixture
def use_keyring() -> Iterator[Callable[[KeyringBackend], None]]:
    """Makes a backend the active keyring for one test, then restores the one before."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring: Callable[[KeyringBackend], None]) -> MemoryKeyring:
    backend = MemoryKeyring()
    use_keyring(backend)
    return backend


@pytest.fixture
def open_store(home: Path) -> Iterator[StoreOpener]:
    """Opens stores (by default on `home` with the active keyring) and closes them after the test."""
    opened: list[ConnectionDatabase] = []

    def opener(keys: DataKeySource | None = None) -> ConnectionDatabase:
        store = ConnectionDatabase(keys.home if keys else home, keys or KeyringDataKey(home))
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def read_only() -> Iterator[ReadOnly]:
    frozen = ReadOnly()
    yield frozen
    frozen.thaw()


@pytest.fixture
def workspaces() -> Iterator[Workspaces]:
    opened = Workspaces()
    yield opened
    opened.close_all()
