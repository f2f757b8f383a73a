"""Schema versions: a new file is migrated from 0, an older one is upgraded in place, a newer one is refused."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from connmgr.storage.database import DB_NAME, open_database
from connmgr.storage.errors import StoreFailed, StoreTooNew
from connmgr.storage.schema import MIGRATIONS, migrate, schema_version
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secrets

# What a later release might add: an index for the refresh scheduler and a column with a default.
NEXT_MIGRATION = (
    "CREATE INDEX connections_by_expiry ON connections (expires_at)",
    "ALTER TABLE connections ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
)


def _pragma(home: Path, name: str) -> object:
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        return db.execute(f"PRAGMA {name}").fetchone()[0]


def test_a_new_file_is_migrated_from_version_0(home: Path) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store.save(connection(), secrets())
    assert _pragma(home, "user_version") == len(MIGRATIONS)
    assert _pragma(home, "journal_mode") == "wal"


def test_an_existing_store_is_upgraded_in_place(home: Path) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:  # as the current release leaves it
        store.save(connection(), secrets())

    with closing(open_database(home)) as db:
        migrate(db, home, (*MIGRATIONS, NEXT_MIGRATION))
        assert schema_version(db) == len(MIGRATIONS) + 1
        assert [tuple(row) for row in db.execute("SELECT name, notes FROM connections")] == [("Acme", "")]
        migrate(db, home, (*MIGRATIONS, NEXT_MIGRATION))  # a second open changes nothing
        assert schema_version(db) == len(MIGRATIONS) + 1


def test_a_failing_migration_leaves_the_previous_version(home: Path) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store.save(connection(), secrets())
    broken = (*NEXT_MIGRATION, "ALTER TABLE no_such_table ADD COLUMN x TEXT")

    with closing(open_database(home)) as db:
        with pytest.raises(StoreFailed, match="no such table: no_such_table"):
            migrate(db, home, (*MIGRATIONS, broken))
        assert schema_version(db) == len(MIGRATIONS)
        assert "notes" not in {row["name"] for row in db.execute("PRAGMA table_info(connections)")}
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        assert store.secrets("Acme") == secrets()


def test_a_file_from_a_newer_connmgr_is_refused_untouched(home: Path) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store.save(connection(), secrets())
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")

    with pytest.raises(StoreTooNew) as error:
        ConnectionDatabase(home, FixedDataKey(home))
    assert error.value.sentence == (
        f"Connection store: {home / DB_NAME} was written by a newer connmgr (schema {len(MIGRATIONS) + 1}, this one"
        f" knows up to {len(MIGRATIONS)}); upgrade connmgr."
    )
    assert _pragma(home, "user_version") == len(MIGRATIONS) + 1
