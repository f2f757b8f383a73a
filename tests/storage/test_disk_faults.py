"""A full disk or an unwritable home is a typed error with a clear sentence, and loses nothing."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from connmgr.domain.connection import Secrets, Status
from connmgr.storage import resolve_home
from connmgr.storage.database import DB_NAME, storage_error
from connmgr.storage.errors import StoreDamaged, StoreFull, StoreReadOnly
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import FixedDataKey
from tests.storage.opener import StoreOpener
from tests.storage.read_only import ReadOnly
from tests.storage.samples import connection, secrets

BIG = Secrets(access_token="t" * 20_000, refresh_token="r" * 20_000)


def _fill_the_disk(store: ConnectionDatabase) -> None:
    """SQLite's own limit on the file's size: past it, writes fail exactly as on a full disk (SQLITE_FULL)."""
    db = store._db  # the limit is a setting of the store's own connection
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_reported_and_loses_nothing(open_store: StoreOpener, home: Path) -> None:
    store = open_store(FixedDataKey(home))
    store.save(connection("Acme"), secrets("Acme"))
    _fill_the_disk(store)

    with pytest.raises(StoreFull) as error:
        store.save(connection("Acme", status=Status.ERROR), BIG)  # replacing a connection
    assert error.value.sentence == (
        f"Connection store: the disk holding {home} is full; free some space and try again; nothing was changed."
    )
    with pytest.raises(StoreFull):
        store.save(connection("Zeta"), BIG)  # adding one

    for reader in (store, open_store(FixedDataKey(home))):  # the same store carries on; a new one agrees
        assert reader.list_connections() == [connection("Acme")]
        assert reader.secrets("Acme") == secrets("Acme")


def test_an_unwritable_home_is_reported_and_loses_nothing(home: Path, read_only: ReadOnly) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store.save(connection("Acme"), secrets("Acme"))
    # Closed: the WAL is checkpointed into connections.db and removed, as between two runs of connmgr.
    read_only.freeze(home / DB_NAME)
    read_only.freeze(home)

    with pytest.raises(StoreReadOnly) as error:
        ConnectionDatabase(home, FixedDataKey(home)).save(connection("Zeta"), secrets("Zeta"))
    assert error.value.sentence.startswith(f"Connection store: {home} cannot be written (")
    assert error.value.sentence.endswith(
        "); make it writable or choose another directory with --home or CONNMGR_HOME; nothing was changed."
    )

    read_only.thaw()
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        assert store.list_connections() == [connection("Acme")]
        assert store.secrets("Acme") == secrets("Acme")


def test_a_home_that_cannot_be_created(tmp_path: Path, read_only: ReadOnly) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    read_only.freeze(parent)
    with pytest.raises(StoreReadOnly, match="cannot be written"):
        resolve_home(parent / "home")


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), StoreFull),
        (OSError(errno.EROFS, "Read-only file system"), StoreReadOnly),
        (OSError(errno.EACCES, "Permission denied"), StoreReadOnly),
    ],
)
def test_os_errors_map_like_sqlite_errors(home: Path, failure: OSError, expected: type[Exception]) -> None:
    assert isinstance(storage_error(failure, home), expected)


def test_a_file_that_is_not_a_database(home: Path) -> None:
    (home / DB_NAME).write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreDamaged) as error:
        ConnectionDatabase(home, FixedDataKey(home))
    assert error.value.sentence == (
        f"Connection store: {home / DB_NAME} is damaged or not a connmgr database; restore it from a backup, or move"
        " it aside."
    )
    assert isinstance(error.value.__cause__, sqlite3.DatabaseError)
