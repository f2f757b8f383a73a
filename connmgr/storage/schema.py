"""The database schema, versioned with `PRAGMA user_version` and upgraded by an append-only list of migrations.

Add a migration also when stored values gain a meaning an older connmgr cannot
read (a new `Status`, a new envelope format): the older one then refuses the
file as too new instead of failing on a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from connmgr.storage.database import DB_NAME, reported_as_storage_errors, write_transaction
from connmgr.storage.errors import StoreTooNew

Migration = tuple[str, ...]  # SQL statements; migration i takes the schema from version i to i + 1

MIGRATIONS: tuple[Migration, ...] = (
    (
        # Metadata in the clear (listing never needs the keyring); the secrets as one AES-GCM envelope in the
        # same row, so one commit writes both or neither.
        """
        CREATE TABLE connections (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE,
            template_id TEXT NOT NULL,
            flow TEXT NOT NULL,
            field_values TEXT NOT NULL,
            account TEXT,
            scope TEXT,
            token_type TEXT NOT NULL,
            issued_at REAL,
            expires_at REAL,
            refresh_expires_at REAL,
            has_refresh_token INTEGER NOT NULL,
            status TEXT NOT NULL,
            status_detail TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            secrets BLOB NOT NULL
        )
        """,
    ),
    (
        # Secrets are sealed in format 2 from here on, bound to the settings that decide where they are sent
        # (storage.sealing): an older connmgr cannot open them, so it refuses the whole file as too new. The rows
        # sealed before, in format 1, are listed to be sealed again once the data key is at hand; only they may
        # still open in format 1.
        "CREATE TABLE sealed_in_format_1 (id TEXT PRIMARY KEY NOT NULL)",
        "INSERT INTO sealed_in_format_1 SELECT id FROM connections",
    ),
    (
        # The audit log (storage.audit): appended to, never changed. The triggers stop connmgr itself from
        # changing it; the hash chain shows whoever changed it by other means.
        """
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            connection_id TEXT NOT NULL,
            connection_name TEXT NOT NULL,
            detail TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
        "CREATE INDEX audit_by_connection ON audit (connection_id)",
        "CREATE TRIGGER audit_is_not_changed BEFORE UPDATE ON audit BEGIN"
        " SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_is_not_deleted BEFORE DELETE ON audit BEGIN"
        " SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ),
)


def schema_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, home: Path, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Bring the schema up to date in one transaction: a crash mid-way leaves the old version, not half a new one."""
    with reported_as_storage_errors(home):
        if schema_version(db) == len(migrations):
            return  # the usual case: no write lock, so an up-to-date store on a read-only disk can still be listed
    with write_transaction(db, home), reported_as_storage_errors(home):
        version = schema_version(db)  # read under the write lock: another process may have just migrated
        if version > len(migrations):
            raise StoreTooNew(home / DB_NAME, version, len(migrations))
        for target, statements in enumerate(migrations[version:], start=version + 1):
            for statement in statements:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {target}")
