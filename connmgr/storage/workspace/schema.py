"""The workspace's tables, migrated by version; one migrating process at a time, however many machines start.

Each migration is a list of statements, applied in one transaction with its version recorded beside it (a
crash mid-way leaves the version before). Migrating holds a transaction-scoped advisory lock on `MIGRATION_LOCK`,
so a second process starting at once waits, then finds the schema up to date; the version table's primary key
would refuse a version applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connmgr.storage.errors import STORE, StorageError

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db

Migration = Sequence[str]

# One advisory-lock key for migrating, apart from the connections' keys (`lock.connection_key`), which are
# hashes with the top bit clear: this one is negative.
MIGRATION_LOCK = -0x636F6E6E6D677200  # "connmgr\0", negated

MIGRATIONS: tuple[Migration, ...] = (
    (
        """
        CREATE TABLE connections (
            id text PRIMARY KEY,
            name text NOT NULL UNIQUE,
            template_id text NOT NULL,
            flow text NOT NULL,
            field_values text NOT NULL,
            account text,
            scope text,
            token_type text,
            issued_at double precision,
            expires_at double precision,
            refresh_expires_at double precision,
            has_refresh_token integer NOT NULL,
            status text NOT NULL,
            status_detail text NOT NULL,
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL,
            secrets bytea NOT NULL
        )
        """,
        # The audit log (storage.audit), appended to and never changed: the trigger refuses every UPDATE, DELETE
        # and TRUNCATE (as the local store's do); the hash chain shows whoever got past it. `audit_head` holds the
        # highest number given, so entries removed from the end leave a gap the next one shows; its row lock
        # also puts appends in one order.
        """
        CREATE TABLE audit (
            seq bigint PRIMARY KEY,
            at double precision NOT NULL,
            actor text NOT NULL,
            action text NOT NULL,
            connection_id text NOT NULL,
            connection_name text NOT NULL,
            detail text NOT NULL,
            hash text NOT NULL
        )
        """,
        "CREATE INDEX audit_by_connection ON audit (connection_id)",
        "CREATE TABLE audit_head (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), seq bigint NOT NULL)",
        "INSERT INTO audit_head (seq) VALUES (0)",
        """
        CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only';
        END
        $$
        """,
        "CREATE TRIGGER audit_is_not_changed BEFORE UPDATE OR DELETE ON audit"
        " FOR EACH ROW EXECUTE FUNCTION audit_is_append_only()",
        "CREATE TRIGGER audit_is_not_truncated BEFORE TRUNCATE ON audit"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only()",
        "REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM PUBLIC",
    ),
    (
        # The workspace's members (`storage.members`): its id (what every wrapped key and sealed blob is bound to)
        # and the key generation now in use; each device's public key, asked for in a join request and approved by
        # an admin, whose own public key is kept beside it for the member to compare; the workspace key wrapped for
        # each member, one row per generation.
        """
        CREATE TABLE workspace (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            id text NOT NULL,
            name text NOT NULL,
            generation integer NOT NULL,
            created_at double precision NOT NULL
        )
        """,
        """
        CREATE TABLE members (
            name text PRIMARY KEY,
            public_key bytea NOT NULL UNIQUE,
            admin boolean NOT NULL,
            approved_by bytea,
            requested_at double precision NOT NULL,
            approved_at double precision
        )
        """,
        """
        CREATE TABLE wrapped_keys (
            member text NOT NULL REFERENCES members (name) ON DELETE CASCADE,
            generation integer NOT NULL,
            wrapped bytea NOT NULL,
            PRIMARY KEY (member, generation)
        )
        """,
    ),
)

_VERSIONS = "CREATE TABLE IF NOT EXISTS connmgr_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"


class WorkspaceTooNew(StorageError):
    def __init__(self, where: str, version: int, known: int) -> None:
        super().__init__(
            STORE,
            f"the workspace {where} was set up by a newer connmgr (schema {version}, this one knows up to {known})",
            "upgrade connmgr",
        )


async def schema_version(db: Db) -> int:
    """The version migrated to; 0 for a database connmgr never set up."""
    cursor = await db.execute("SELECT to_regclass('connmgr_schema') IS NOT NULL")
    row = await cursor.fetchone()
    if not (row and row[0]):
        return 0
    cursor = await db.execute("SELECT coalesce(max(version), 0) FROM connmgr_schema")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: Db, where: str, migrations: Sequence[Migration] = MIGRATIONS) -> bool:
    """Bring the schema up to date; whether this call migrated it (False: it was, or another process did)."""
    if await schema_version(db) == len(migrations):
        return False  # the usual case: no lock, no write
    async with db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await db.execute(_VERSIONS)
        version = await schema_version(db)  # read under the lock: another process may have just migrated
        if version > len(migrations):
            raise WorkspaceTooNew(where, version, len(migrations))
        for target, statements in enumerate(migrations[version:], start=version + 1):
            for statement in statements:
                await db.execute(statement)  # fixed text, no parameters
            await db.execute("INSERT INTO connmgr_schema (version, applied_at) VALUES (%s, now())", (target,))
    return version < len(migrations)
